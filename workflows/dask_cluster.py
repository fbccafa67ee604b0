"""Local Dask clusters for the log parser: single-threaded workers with one polars thread.

Polars sizes its thread pool once, when it is imported, and a spawned Dask worker
imports it before the Nanny's ``env`` is applied (spawn re-imports the parent's
``__main__``, which may import the parser). ``env`` alone therefore left each worker
with a polars pool as large as the machine: 1 worker used ~1.13 cores, and 2 workers on
2 cores competed for them. The Nanny below sets the variable before spawning instead.
Imported only when a Dask runner is used (``distributed`` is slow to import).
"""

from __future__ import annotations

from typing import Any

from distributed import Nanny

ONE_POLARS_THREAD = {"POLARS_MAX_THREADS": "1"}


class OnePolarsThreadNanny(Nanny):
    """A Nanny whose worker process starts with ``POLARS_MAX_THREADS=1``.

    Dask's ``pre-spawn-environ`` mechanism: the variable is put into this (the flow's)
    process environment just before the worker is spawned. The flow's own polars pool
    was sized when it imported the parser, so only the workers are affected.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pre_spawn_env.update(ONE_POLARS_THREAD)


def local_cluster_kwargs(workers: int) -> dict[str, Any]:
    """``distributed.LocalCluster`` arguments: ``workers`` processes of one thread each."""
    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": ":0",
        "worker_class": OnePolarsThreadNanny,
        "env": dict(ONE_POLARS_THREAD),
    }
