"""The one source of the platform's Prefect deployments and work pools.

``python -m workflows.deploy ingest-logs [--pool slurm]`` registers one flow's deployment,
``--all`` every one, ``--list`` prints them. Both work pools (``default`` and ``slurm``,
of type ``process``) are created when missing. A process worker runs a deployment's flow
in a subprocess started in this project's folder, importing the flow by module path, so
the code the worker runs is the code on its disk.

The ``slurm`` pool is for the heavy log crunching: run its worker on a host that can
submit Slurm jobs, with ``STATS_WORKFLOWS__TASK_RUNNER=dask-slurm`` in its environment
(see deployment/slurm/README.md); the flow then parses shards in Slurm jobs.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from prefect import Flow, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import EntrypointType
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.schedules import Cron

from emgapiv2.config import BASE_DIR
from workflows.flows.check_uptime import check_uptime
from workflows.flows.collect_community import collect_community
from workflows.flows.daily import daily
from workflows.flows.ingest_logs import ingest_logs
from workflows.flows.refresh_stats import refresh_stats
from workflows.flows.update_manifest import update_manifest

DEFAULT_POOL = "default"
SLURM_POOL = "slurm"
POOLS: dict[str, str] = {
    DEFAULT_POOL: "Flows that talk to the database, the web and the curators",
    SLURM_POOL: "Heavy log crunching; its worker submits Dask workers to Slurm",
}
DAILY_CRON = "0 1 * * *"


@dataclass(frozen=True)
class FlowDeployment:
    """A flow, the pool it runs on by default, and its schedule (if any)."""

    flow: Flow[..., Any]
    pool: str = DEFAULT_POOL
    cron: str | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.flow.name


DEPLOYMENTS: tuple[FlowDeployment, ...] = (
    FlowDeployment(ingest_logs, pool=SLURM_POOL, tags=("ingestion",)),
    FlowDeployment(refresh_stats, tags=("aggregation",)),
    FlowDeployment(update_manifest, tags=("curation",)),
    FlowDeployment(check_uptime, tags=("community",)),
    FlowDeployment(collect_community, tags=("community",)),
    FlowDeployment(daily, cron=DAILY_CRON, tags=("schedule",)),
)


def deployment_named(name: str) -> FlowDeployment:
    """The deployment of flow ``name`` (``ingest-logs`` or ``ingest_logs``)."""
    wanted = name.replace("_", "-")
    for spec in DEPLOYMENTS:
        if spec.name == wanted:
            return spec
    known = ", ".join(s.name for s in DEPLOYMENTS)
    raise KeyError(f"no flow named {name!r}; known: {known}")


def ensure_work_pool(name: str) -> None:
    """Create the process work pool ``name`` unless it exists."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # created meanwhile
            client.create_work_pool(
                WorkPoolCreate(name=name, type="process", description=POOLS.get(name))
            )


def deploy(spec: FlowDeployment, *, pool: str | None = None) -> UUID:
    """Register (create or update) one deployment on ``pool`` (default: its own)."""
    pool = pool or spec.pool
    ensure_work_pool(pool)
    deployment = spec.flow.to_deployment(
        name=spec.name,
        schedules=[Cron(spec.cron, timezone="UTC")] if spec.cron else None,
        tags=list(spec.tags),
        entrypoint_type=EntrypointType.MODULE_PATH,
        job_variables={"working_dir": str(BASE_DIR)},
    )
    return deployment.apply(work_pool_name=pool)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflows.deploy", description=__doc__)
    parser.add_argument("flow", nargs="?", help="flow name, e.g. ingest-logs")
    parser.add_argument("--pool", help="work pool (default: the flow's own)")
    parser.add_argument("--all", action="store_true", help="deploy every flow")
    parser.add_argument("--list", action="store_true", help="list the flows and their pools")
    args = parser.parse_args(argv)
    if args.list:
        for spec in DEPLOYMENTS:
            schedule = f"cron {spec.cron} UTC" if spec.cron else "on demand"
            print(f"{spec.name:20} pool {spec.pool:8} {schedule}")
        return 0
    if args.all == bool(args.flow):
        parser.error("name one flow, or give --all")
    try:
        specs = list(DEPLOYMENTS) if args.all else [deployment_named(args.flow)]
    except KeyError as exc:
        parser.error(str(exc.args[0]))
    for spec in specs:
        deployment_id = deploy(spec, pool=args.pool)
        print(
            f"deployed {spec.name}/{spec.name} on pool {args.pool or spec.pool} ({deployment_id})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
