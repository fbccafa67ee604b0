"""Flow ``daily``: the whole day's work for each registry, scheduled at 01:00 UTC.

Per registry: update the package manifest (small changes at once; a large one starts a
separate ``update-manifest`` run that waits for a curator, while the day goes on with
the current manifest), ingest new logs, refresh the summaries, check the websites and
collect community metrics. One registry failing does not stop the others; the run
fails at the end if any did.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from pydantic import Field

from stats.selectors.workflows import registries_named
from workflows.flows.check_uptime import check_uptime
from workflows.flows.collect_community import collect_community
from workflows.flows.ingest_logs import ingest_logs
from workflows.flows.refresh_stats import refresh_stats
from workflows.flows.update_manifest import update_manifest
from workflows.prefect_django import flow, task

CONFIRM_DEPLOYMENT = "update-manifest/update-manifest"


@task(name="request-manifest-confirmation")
def request_confirmation(registry: str) -> str | None:
    """Start an ``update-manifest`` deployment run that asks a curator; its id, or None."""
    try:
        run = run_deployment(CONFIRM_DEPLOYMENT, parameters={"registry": registry}, timeout=0)
    except ObjectNotFound:
        get_run_logger().warning(
            "deployment %s is missing (task deploy-all): the manifest of %s stays as it is",
            CONFIRM_DEPLOYMENT,
            registry,
        )
        return None
    return str(run.id)


def _one_registry(name: str, manifest_url: str, has_logs: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"registry": name}
    if manifest_url:
        manifest = update_manifest(registry=name, ask_curator_when_large=False)
        report["manifest"] = manifest.model_dump()
        if manifest.needs_curator:
            report["manifest_confirmation_run"] = request_confirmation(name)
    if has_logs:
        report["ingest"] = ingest_logs(registry=name).model_dump()
    report["refresh"] = refresh_stats(registries=[name])
    report["uptime"] = [o.model_dump() for o in check_uptime(registries=[name])]
    report["community"] = collect_community(registries=[name])
    return report


@flow(name="daily")
def daily(
    registries: list[str] | None = Field(  # noqa: B008
        None, description="Registry names. Empty: every registry."
    ),
) -> list[dict[str, Any]]:
    """Manifest, ingestion, aggregation, uptime and community metrics for each registry."""
    logger = get_run_logger()
    reports: list[dict[str, Any]] = []
    failed: list[str] = []
    for registry in list(registries_named(list(registries or []))):
        try:
            reports.append(
                _one_registry(registry.name, registry.manifest_url, bool(registry.log_sources))
            )
        except Exception:  # one registry's failure must not stop the others
            logger.exception("daily work of %s failed", registry.name)
            failed.append(registry.name)
    if failed:
        raise RuntimeError(f"daily flow failed for: {', '.join(failed)}")
    return reports
