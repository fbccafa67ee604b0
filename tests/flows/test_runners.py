"""The task runner follows configuration only: threads, processes, Dask, Dask on Slurm."""

from __future__ import annotations

import sys

from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from emgapiv2.config import BASE_DIR, SlurmSettings, TaskRunnerKind, WorkflowSettings
from workflows.runners import build_task_runner, parallelism


def test_threads_and_processes() -> None:
    threads = build_task_runner(WorkflowSettings(task_runner=TaskRunnerKind.THREADS, workers=3))
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 3
    processes = build_task_runner(WorkflowSettings(task_runner="processes", workers=2))
    assert isinstance(processes, ProcessPoolTaskRunner)


def test_local_dask_uses_single_threaded_workers() -> None:
    runner = build_task_runner(WorkflowSettings(task_runner="dask", workers=2))
    assert isinstance(runner, DaskTaskRunner)
    assert runner.cluster_kwargs["n_workers"] == 2
    assert runner.cluster_kwargs["threads_per_worker"] == 1
    assert runner.cluster_kwargs["env"] == {"POLARS_MAX_THREADS": "1"}


def test_dask_on_slurm_sized_by_settings() -> None:
    config = WorkflowSettings(
        task_runner="dask-slurm",
        slurm=SlurmSettings(
            queue="long",
            cores=4,
            memory="8GB",
            walltime="02:00:00",
            workers=3,
            job_extra_directives=["--qos=normal"],
        ),
    )
    runner = build_task_runner(config, log_directory="/tmp/slurm-logs")
    assert isinstance(runner, DaskTaskRunner)
    assert "SLURMCluster" in str(runner.cluster_class)
    kwargs = runner.cluster_kwargs
    assert (kwargs["queue"], kwargs["cores"], kwargs["memory"], kwargs["n_workers"]) == (
        "long",
        4,
        "8GB",
        3,
    )
    assert kwargs["job_extra_directives"] == ["--qos=normal"]
    assert kwargs["python"] == sys.executable and kwargs["processes"] == 1
    assert f"cd {BASE_DIR}" in kwargs["job_script_prologue"]
    assert parallelism(config) == 12
    assert parallelism(WorkflowSettings(workers=5)) == 5
