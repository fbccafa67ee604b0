"""The ingest-logs flow end to end with 1 and 2 Dask workers: where its time goes.

``benchmarks/workers.py`` measures the parsing engine alone; this runs the real Prefect
flow (under a temporary Prefect server) on PostgreSQL, with local Dask or Slurm
workers, and prints for each run the lines per second of the ingestion (first segment
cut to last segment written; the cluster's start-up is shown apart), and how the flow's
own process spent that time: cutting and hashing segments ("plan"), waiting for parsed
segments ("wait") and writing them, one transaction each ("write"). When "wait" is
near zero the serial part (plan + write) is what limits the run, not the workers.

    .venv/bin/python benchmarks/workers_flow.py [--lines 2400000] [--segment-mb 32]
        [--days 1] [--engines dask,slurm] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stats_bench_workers_flow"


def fresh_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


def configure(database_url: str, segment_mb: float, data_dir: Path) -> None:
    """Environment read by the settings, before Django is set up."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["STATS_DATABASE_URL"] = database_url
    os.environ["STATS_DATA_DIR"] = str(data_dir)
    os.environ["STATS_INGEST__SEGMENT_BYTES"] = str(int(segment_mb * 1024 * 1024))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
    sys.path.insert(0, str(REPO))


def run_flow(engine: str, workers: int, log: Path) -> tuple[object, float, dict[str, float]]:
    """(the flow's IngestRun, flow wall seconds, CPU seconds by process kind)."""
    from emgapiv2.config import SlurmSettings, TaskRunnerKind, WorkflowSettings
    from stats.services.manifest import manifest_load, read_manifest
    from stats.services.registries import registry_configure
    from workflows.flows.ingest_logs import ingest_logs
    from workflows.runners import build_task_runner

    name = f"bench-{engine}-{workers}"
    registry, _ = registry_configure(name=name, rule_set="bioconductor")
    manifest_load(registry=registry, rows=read_manifest(MANIFEST))
    if engine == "dask":
        config = WorkflowSettings(task_runner=TaskRunnerKind.DASK, workers=workers)
    else:
        config = WorkflowSettings(
            task_runner=TaskRunnerKind.DASK_SLURM,
            slurm=SlurmSettings(cores=1, memory="2GB", walltime="00:30:00", workers=workers),
        )
    runner = build_task_runner(config, log_directory=tempfile.mkdtemp(prefix="bench-slurm-"))
    started = time.perf_counter()
    with CpuSampler() as cpu:
        run = ingest_logs.with_options(task_runner=runner)(registry=name, paths=[str(log)])
    return run, time.perf_counter() - started, cpu.seconds


class CpuSampler:
    """CPU seconds used during a run by the flow's process, its Dask workers (local or
    Slurm jobs), the Prefect server and PostgreSQL: sampled every 0.2 s, because
    workers exit with the flow and take their counters with them."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.me = psutil.Process()
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._sample(first=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()

    def _loop(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def _kind(self, proc: object) -> str | None:
        info = proc.info  # type: ignore[attr-defined]
        cmd = " ".join(info["cmdline"] or [])
        if info["pid"] == self.me.pid:
            return "flow"
        if info["name"] == "postgres":
            return "postgres"
        if "dask_worker" in cmd or "multiprocessing" in cmd:
            return "workers"
        if "uvicorn" in cmd or "prefect" in cmd:
            return "prefect"
        return None

    def _sample(self, *, first: bool = False) -> None:
        for proc in self.psutil.process_iter(["pid", "name", "cmdline", "cpu_times"]):
            kind = self._kind(proc)
            times = proc.info["cpu_times"]
            if kind is None or times is None:
                continue
            used = times.user + times.system
            if first:
                self.first[proc.pid] = used
            else:
                self.last[proc.pid] = (kind, used)

    @property
    def seconds(self) -> dict[str, float]:
        totals = {"flow": 0.0, "workers": 0.0, "prefect": 0.0, "postgres": 0.0}
        for pid, (kind, used) in self.last.items():
            totals[kind] += used - self.first.get(pid, 0.0)
        return totals


MANIFEST = REPO / "stats" / "demo" / "data" / "bioconductor_manifest.csv.gz"


def report(engine: str, workers: int, run: object, wall: float, cpu: dict[str, float]) -> float:
    r = run  # IngestRun
    rate = r.lines / r.seconds  # type: ignore[attr-defined]
    print(
        f"{engine:6} {workers} worker(s): {rate:9,.0f} lines/s ingestion "
        f"({r.lines:,} lines in {r.seconds:.2f} s; flow {wall:.1f} s incl. start-up); "  # type: ignore[attr-defined]
        f"flow process: plan {r.plan_seconds:.2f} s, wait {r.wait_seconds:.2f} s, "  # type: ignore[attr-defined]
        f"write {r.record_seconds:.2f} s; "  # type: ignore[attr-defined]
        f"parse {r.parse_seconds:.2f} s over {r.segments} segments",  # type: ignore[attr-defined]
        flush=True,
    )
    print(
        "        CPU seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()),
        f"(total {sum(cpu.values()):.2f} in {r.seconds:.2f} s on {os.cpu_count()} cores)",  # type: ignore[attr-defined]
        flush=True,
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=2_400_000)
    parser.add_argument("--segment-mb", type=float, default=32, help="the flow's default")
    parser.add_argument("--days", type=int, default=1, help="days the log spans (PyPI: 1)")
    parser.add_argument("--engines", default="dask")
    parser.add_argument("--database", default="", help="default: a fresh PostgreSQL database")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-flow-"))
    configure(args.database or fresh_database(), args.segment_mb, work / "data")
    import django

    django.setup()
    from django.core.management import call_command
    from prefect.testing.utilities import prefect_test_harness

    from benchmarks.workers import make_log, slurm_available

    call_command("migrate", verbosity=0)
    log = make_log(work, args.lines, days=args.days)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{args.lines:,} demo lines over {args.days or 365} days, "
        f"{log.stat().st_size / 1e6:.0f} MB, segments of {args.segment_mb} MiB"
    )
    with prefect_test_harness(server_startup_timeout=120):
        for engine in args.engines.split(","):
            if engine == "slurm" and not slurm_available():
                print("slurm: skipped (no Slurm node answers)")
                continue
            rates = [report(engine, n, *run_flow(engine, n, log)) for n in (1, 2)]
            print(f"{engine:6} speed-up with 2 workers: {rates[1] / rates[0]:.2f}x", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
