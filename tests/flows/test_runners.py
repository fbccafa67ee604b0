"""The task runner follows configuration only: threads, processes, Dask, Dask on Slurm."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from emgapiv2.config import BASE_DIR, SlurmSettings, TaskRunnerKind, WorkflowSettings
from workflows.dask_cluster import OnePolarsThreadNanny
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
    assert runner.cluster_kwargs["worker_class"] is OnePolarsThreadNanny


_POOL_SCRIPT = """
import polars  # imported by the main script, as a flow's or the benchmark's process does
from distributed import Client, LocalCluster
from workflows.dask_cluster import local_cluster_kwargs


def pool():
    import os, polars
    return os.environ.get("POLARS_MAX_THREADS"), polars.thread_pool_size()


if __name__ == "__main__":
    with LocalCluster(**local_cluster_kwargs(2)) as cluster, Client(cluster) as client:
        print(sorted(client.run(pool).values()))
"""


def test_local_dask_workers_really_parse_with_one_polars_thread(tmp_path: Path) -> None:
    """Polars sizes its pool at import, and a spawned worker re-imports the parent's
    ``__main__`` (here: a script importing polars) before the Nanny's ``env`` applies."""
    script = tmp_path / "pool.py"
    script.write_text(_POOL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    env.pop("POLARS_MAX_THREADS", None)
    shown = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shown.stdout.strip().splitlines()[-1] == "[('1', 1), ('1', 1)]"


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
