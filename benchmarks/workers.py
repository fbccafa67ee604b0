"""Parse throughput of the log-crunching engine with 1 and 2 workers: local Dask and Slurm.

Generates Bioconductor-style demo logs (plain), cuts them into segments as the
ingest-logs flow does, and has Dask workers parse every segment from its file range,
exactly as the flow's ``parse-shard`` task does on the workers (no database). Prints
lines per second for each engine and worker count, the speed-up of 2 workers over 1,
and, from the per-core figure, the Slurm cores a PyPI-scale day (10^9 lines) needs to
be parsed in one hour.

    .venv/bin/python benchmarks/workers.py [--lines 600000] [--segment-mb 4]
        [--engines dask,slurm] [--repeat 2]

The Slurm engine needs a running Slurm (deployment/slurm/single-node.sh start).
Run it on a quiet machine: other load shows up directly in the figures.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")

from distributed import Client, LocalCluster

import workflows  # noqa: F401  (Django set up before project imports)
from emgapiv2.config import BASE_DIR, SlurmSettings, TaskRunnerKind, WorkflowSettings
from stats.demo.logs import DemoLogOptions, iter_demo_lines
from stats.logparse.reader import Segment, SegmentReader
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules, bioconductor_rules
from stats.logparse.shard import parse_shard
from stats.services.manifest import read_manifest
from workflows.dask_cluster import local_cluster_kwargs
from workflows.flows.ingest_logs import read_segment_bytes
from workflows.runners import slurm_cluster_kwargs

PYPI_DAY_LINES = 1_000_000_000
MANIFEST = BASE_DIR / "stats" / "demo" / "data" / "bioconductor_manifest.csv.gz"


def parse_range(segment: Segment, rules: DownloadRules) -> tuple[ShardResult, float]:
    """What a worker does for one plain-file segment: (its result, CPU seconds used).

    The whole result travels back to the driver, as the flow's parse-shard task's does,
    so its serialisation and transfer are part of the figures.
    """
    started = time.process_time()
    result = parse_shard(read_segment_bytes(segment), rules)
    return result, time.process_time() - started


def make_log(folder: Path, lines: int, *, days: int | None = None) -> Path:
    """Demo lines over a year (default) or ``days`` days, in one plain file."""
    path = folder / "access.log"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(iter_demo_lines(DemoLogOptions(lines=lines, seed=7, days=days)))
    return path


def segments_of(path: Path, segment_bytes: int) -> list[Segment]:
    reader = SegmentReader(path, segment_bytes=segment_bytes)
    return [Segment(s.source, s.start, s.end, s.content_hash, b"") for s in reader]


def timed_pass(client: Client, segments: list[Segment], rules: object) -> tuple[int, float, float]:
    """(lines, wall seconds, CPU seconds summed over the workers) of one pass."""
    started = time.perf_counter()
    futures = client.map(parse_range, segments, rules=rules, pure=False)
    done = client.gather(futures)
    wall = time.perf_counter() - started
    return sum(r.lines for r, _ in done), wall, sum(c for _, c in done)


def run_engine(
    name: str,
    make_cluster: Callable[[int], object],
    workers: int,
    segments: list[Segment],
    rules: DownloadRules,
    repeat: int,
) -> tuple[float, float]:
    """Best wall-clock lines/s over ``repeat`` passes (after a warm-up pass), and lines
    per CPU-second of one worker (the per-core figure, little affected by other load)."""
    cluster = make_cluster(workers)
    try:
        with Client(cluster) as client:
            client.wait_for_workers(workers, timeout=180)
            shared_rules = client.scatter(rules, broadcast=True)
            timed_pass(client, segments[:workers], shared_rules)  # warm-up: imports, first compile
            best = per_cpu = 0.0
            for _ in range(repeat):
                lines, seconds, cpu = timed_pass(client, segments, shared_rules)
                best = max(best, lines / seconds)
                per_cpu = max(per_cpu, lines / cpu)
            jobs = getattr(cluster, "workers", {})
            ids = [getattr(j, "job_id", None) for j in jobs.values()] if name == "slurm" else []
    finally:
        cluster.close()  # type: ignore[attr-defined]
    suffix = f" (Slurm jobs {', '.join(str(i) for i in ids if i)})" if ids else ""
    print(
        f"{name:6} {workers} worker(s): {best:10,.0f} lines/s wall clock, "
        f"{per_cpu:10,.0f} lines per CPU-second{suffix}",
        flush=True,
    )
    return best, per_cpu


def local_cluster(workers: int) -> LocalCluster:
    return LocalCluster(**local_cluster_kwargs(workers))


def slurm_cluster(workers: int) -> object:
    from dask_jobqueue import SLURMCluster

    config = WorkflowSettings(
        task_runner=TaskRunnerKind.DASK_SLURM,
        slurm=SlurmSettings(cores=1, memory="2GB", walltime="00:30:00", workers=workers),
    )
    kwargs = slurm_cluster_kwargs(config, log_directory=tempfile.mkdtemp(prefix="bench-slurm-"))
    return SLURMCluster(**kwargs)


def slurm_available() -> bool:
    try:
        probe = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0 and "idle" in probe.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=600_000)
    parser.add_argument("--segment-mb", type=float, default=4)
    parser.add_argument("--engines", default="dask,slurm")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    manifest = {r.package: r.category for r in read_manifest(MANIFEST)}
    rules = bioconductor_rules(manifest=manifest, client_key=b"benchmark")
    engines = {"dask": local_cluster, "slurm": slurm_cluster}
    with tempfile.TemporaryDirectory() as folder:
        path = make_log(Path(folder), args.lines)
        segments = segments_of(path, int(args.segment_mb * 1024 * 1024))
        size_mb = path.stat().st_size / 1e6
        print(f"{args.lines:,} demo lines, {size_mb:.0f} MB, {len(segments)} segments")
        per_core: list[float] = []
        for name in args.engines.split(","):
            if name == "slurm" and not slurm_available():
                print("slurm: skipped (no Slurm node answers; deployment/slurm/single-node.sh)")
                continue
            one, cpu_one = run_engine(name, engines[name], 1, segments, rules, args.repeat)
            two, _ = run_engine(name, engines[name], 2, segments, rules, args.repeat)
            print(f"{name:6} speed-up with 2 workers: {two / one:.2f}x (goal >= 1.7x)")
            per_core.append(cpu_one)
    if per_core:
        core = max(per_core)
        cores = math.ceil(PYPI_DAY_LINES / 3600 / core)
        print(
            f"per core: {core:,.0f} lines per CPU-second -> a PyPI-scale day "
            f"({PYPI_DAY_LINES:,} lines) in one hour needs {cores} Slurm cores "
            "(at perfect scaling)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
