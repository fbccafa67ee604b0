"""The dask-slurm runner against a real single-node Slurm: shards run as Slurm jobs and
the totals equal a single-process run.

The node is started with deployment/slurm/single-node.sh when no Slurm answers and we
are root (CI is); otherwise the test skips with the reason (fails when CI=true).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from emgapiv2.config import SlurmSettings, TaskRunnerKind, WorkflowSettings
from tests.conftest import REPO_ROOT, running_in_ci
from tests.services.ingest_helpers import nasa_registry, totals
from workflows.flows.ingest_logs import ingest_logs
from workflows.runners import build_task_runner

pytestmark = [pytest.mark.slurm, pytest.mark.django_db(transaction=True)]

SINGLE_NODE = REPO_ROOT / "deployment" / "slurm" / "single-node.sh"


def _unavailable(reason: str) -> None:
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def _sinfo_ok() -> bool:
    probe = subprocess.run(
        ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20, check=False
    )
    return probe.returncode == 0 and any(s in probe.stdout for s in ("idle", "mixed", "allocated"))


@pytest.fixture(scope="module")
def slurm_node() -> None:
    if _sinfo_ok():
        return
    if os.geteuid() != 0:
        _unavailable("no Slurm answers and starting a single-node Slurm needs root")
    started = subprocess.run(
        [str(SINGLE_NODE), "start"], capture_output=True, text=True, timeout=120, check=False
    )
    if started.returncode != 0 or not _sinfo_ok():
        _unavailable(f"single-node Slurm did not start: {started.stderr.strip()[-500:]}")


def _job(job_id: str) -> dict[str, str]:
    shown = subprocess.run(
        ["scontrol", "-o", "show", "job", job_id],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in shown.split() if "=" in item)


def test_shards_run_as_slurm_jobs_with_exact_totals(
    slurm_node: None, small_segments: None, nasa_logs: Path, tmp_path: Path
) -> None:
    reference = nasa_registry("one-process")
    single = build_task_runner(WorkflowSettings(task_runner=TaskRunnerKind.THREADS, workers=1))
    ingest_logs.with_options(task_runner=single)(registry="one-process", paths=[str(nasa_logs)])
    registry = nasa_registry("slurm")
    config = WorkflowSettings(
        task_runner=TaskRunnerKind.DASK_SLURM,
        slurm=SlurmSettings(queue="debug", cores=1, memory="1GB", walltime="00:10:00", workers=2),
    )
    runner = build_task_runner(config, log_directory=str(tmp_path / "slurm-logs"))

    run = ingest_logs.with_options(task_runner=runner)(registry="slurm", paths=[str(nasa_logs)])

    assert run.slurm_job_ids, "no shard reported a SLURM_JOB_ID"
    for job_id in run.slurm_job_ids:
        job = _job(job_id)
        assert job["JobName"] == "dask-worker" and job["Partition"] == "debug"
        assert (tmp_path / "slurm-logs" / f"dask-worker-{job_id}.err").exists()
    assert run.segments > 10
    assert totals(registry) == totals(reference)
