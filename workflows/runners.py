"""Which Prefect task runner parses log shards, chosen by configuration only.

``STATS_WORKFLOWS__TASK_RUNNER`` picks one of:

- ``threads`` (default): a thread pool in the flow's process (polars releases the GIL);
- ``processes``: Prefect's process pool, one parser per process;
- ``dask``: a local Dask cluster of ``STATS_WORKFLOWS__WORKERS`` single-threaded workers;
- ``dask-slurm``: Dask workers submitted as Slurm jobs by dask-jobqueue's SLURMCluster,
  sized by ``STATS_WORKFLOWS__SLURM__*``.

Dask workers parse with one polars thread per task, so N workers use N cores and no
more (local workers: see ``workflows.dask_cluster``; Slurm jobs: the job script). Other
SLURMCluster options (``interface``, ``account``...) can be given through Dask's own
configuration, e.g. ``DASK_JOBQUEUE__SLURM__INTERFACE=ib0``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from emgapiv2.config import BASE_DIR, TaskRunnerKind, WorkflowSettings

_ONE_POLARS_THREAD = {"POLARS_MAX_THREADS": "1"}


def _settings() -> WorkflowSettings:
    from django.conf import settings

    return settings.STATS.workflows


def parallelism(config: WorkflowSettings | None = None) -> int:
    """How many shards the configured runner parses at once."""
    config = config or _settings()
    if TaskRunnerKind(config.task_runner) == TaskRunnerKind.DASK_SLURM:
        return config.slurm.workers * config.slurm.cores
    return config.workers


def build_task_runner(
    config: WorkflowSettings | None = None, *, log_directory: str | None = None
) -> TaskRunner[Any]:
    """A fresh task runner for ``config`` (default: ``settings.STATS.workflows``)."""
    config = config or _settings()
    kind = TaskRunnerKind(config.task_runner)
    if kind == TaskRunnerKind.THREADS:
        return ThreadPoolTaskRunner(max_workers=config.workers)
    if kind == TaskRunnerKind.PROCESSES:
        return ProcessPoolTaskRunner(
            max_workers=config.workers, initializer=_one_polars_thread_per_process
        )
    from prefect_dask import DaskTaskRunner

    if kind == TaskRunnerKind.DASK:
        from workflows.dask_cluster import local_cluster_kwargs

        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs=local_cluster_kwargs(config.workers),
        )
    return DaskTaskRunner(
        cluster_class="dask_jobqueue.SLURMCluster",
        cluster_kwargs=slurm_cluster_kwargs(config, log_directory=log_directory),
    )


def slurm_cluster_kwargs(
    config: WorkflowSettings, *, log_directory: str | None = None
) -> dict[str, Any]:
    """SLURMCluster arguments: one Dask worker process per Slurm job, ``cores`` threads.

    Jobs inherit the submitting environment (sbatch's default), start in the project
    folder with this interpreter, and write their logs under ``data/slurm``.
    """
    slurm = config.slurm
    return {
        "queue": slurm.queue,
        "cores": slurm.cores,
        "processes": 1,
        "memory": slurm.memory,
        "walltime": slurm.walltime,
        "job_extra_directives": list(slurm.job_extra_directives),
        "n_workers": slurm.workers,
        "python": sys.executable,
        "job_script_prologue": [f"cd {BASE_DIR}", "export POLARS_MAX_THREADS=1"],
        "log_directory": log_directory or str(_data_dir() / "slurm"),
    }


def _data_dir() -> Any:
    from django.conf import settings

    return settings.STATS.data_dir


def _one_polars_thread_per_process() -> None:
    """Process-pool initializer: parse with one polars thread (set before polars loads)."""
    os.environ.update(_ONE_POLARS_THREAD)
