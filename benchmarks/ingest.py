"""Ingestion throughput, end to end (file read -> facts committed), with peak memory.

Prints lines/s for a generated Bioconductor log spread over three months, for the same
number of generated lines in one day (the shape of a real daily log), and for the real
logs of tests/fixtures/logs repeated to the same size, plain and gzip, on SQLite and on
PostgreSQL, with one polars thread (the per-core figure) and with all cores; then
GoAccess on the same plain file and the ratio. Each measurement runs in a fresh
process so peak RSS is that run's own.

    python benchmarks/ingest.py [--lines 1000000] [--databases sqlite,postgresql] [--repeat 3]

Not a test: it prints figures for the issue notes. "cpu s" is the ingesting process's own
CPU time (not the database server's), steadier than wall time on a shared machine;
"lines/cpu s" divides the lines by it (on SQLite, where the database runs inside the
process, it is close to lines/s; on PostgreSQL the server's share is left out).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "logs"
REAL_LOGS = (
    "elastic_apache_logs.log.gz",
    "nasa_jul95_xaa.log.gz",
    "secrepo_access-2018-12-15.log.gz",
)
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stats_bench_ingest"


def make_inputs(workdir: Path, lines: int) -> dict[str, Path]:
    """Generated and real logs of ``lines`` lines, plain and gzip."""
    sys.path.insert(0, str(REPO))
    from stats.demo.logs import DemoLogOptions, write_demo_logs

    # Three months in one file: far denser in (package, day) facts than a real daily log.
    generated = write_demo_logs(
        workdir / "generated", DemoLogOptions(lines=lines, seed=7, months=3, files=1)
    ).files[0]
    # The same number of lines in one day, as the registry's daily log files come.
    one_day = write_demo_logs(
        workdir / "generated-1day", DemoLogOptions(lines=lines, seed=7, days=1, files=1)
    ).files[0]
    real = workdir / "real.log"
    sources = [gzip.decompress((FIXTURES / name).read_bytes()) for name in REAL_LOGS]
    sources = [s if s.endswith(b"\n") else s + b"\n" for s in sources]
    written = 0
    with real.open("wb") as out:
        while written < lines:
            for chunk in sources:
                take = chunk.splitlines(keepends=True)[: lines - written]
                out.write(b"".join(take))
                written += len(take)
                if written >= lines:
                    break
    inputs = {"gen-3months": generated, "gen-1day": one_day, "real": real}
    for name, path in list(inputs.items()):
        packed = path.with_suffix(path.suffix + ".gz")
        with path.open("rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        inputs[f"{name}.gz"] = packed
    return inputs


def generated_log(workdir: Path, lines: int) -> Path:
    """The gen-3months input alone, of ``lines`` lines (for the memory figures)."""
    sys.path.insert(0, str(REPO))
    from stats.demo.logs import DemoLogOptions, write_demo_logs

    options = DemoLogOptions(lines=lines, seed=7, months=3, files=1)
    return write_demo_logs(workdir / f"generated-{lines}", options).files[0]


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        db = workdir / "bench.sqlite3"
        db.unlink(missing_ok=True)
        return f"sqlite:///{db}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


def run_child(db_url: str, path: Path, threads: int | None, workdir: Path) -> dict[str, float]:
    env = dict(os.environ, DATABASE_URL=db_url, STATS_DATABASE_URL=db_url)
    env["STATS_DATA_DIR"] = str(workdir / "data")
    if threads:
        env["POLARS_MAX_THREADS"] = str(threads)
        env["OPENBLAS_NUM_THREADS"] = "1"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child(path: Path) -> None:
    """One measured ingestion into a fresh registry, printed as JSON."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from stats.logparse.native import native_available
    from stats.models import Registry
    from stats.services.ingestion import ingest_log_files
    from stats.services.manifest import manifest_load, read_manifest
    from stats.services.registries import registry_configure

    call_command("migrate", verbosity=0)
    Registry.objects.filter(name="bench").delete()
    registry, _ = registry_configure(name="bench", rule_set="bioconductor")
    manifest_load(
        registry=registry,
        rows=read_manifest(REPO / "stats" / "demo" / "data" / "bioconductor_manifest.csv.gz"),
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    summary = ingest_log_files(registry=registry, paths=[path])
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "lines": summary.lines,
                "downloads": summary.downloads,
                "malformed": summary.malformed,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "lines_per_s": summary.lines / seconds,
                "peak_mb": peak_mb,
                "scanner": "native (C)" if native_available() else "polars",
            }
        )
    )


def median_run(
    kind: str, path: Path, threads: int | None, workdir: Path, repeat: int
) -> dict[str, float]:
    """The run of median lines/s among ``repeat`` runs, each into a fresh database."""
    runs = [run_child(database_url(kind, workdir), path, threads, workdir) for _ in range(repeat)]
    return sorted(runs, key=lambda r: r["lines_per_s"])[len(runs) // 2]


def goaccess(path: Path, workdir: Path) -> float | None:
    exe = shutil.which("goaccess")
    if exe is None:
        return None
    started = time.perf_counter()
    subprocess.run(
        [exe, str(path), "--log-format=COMBINED", "-o", str(workdir / "goaccess.json")],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--threads", default="1,0", help="polars threads; 0 = all cores")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per figure; the median is printed"
    )
    parser.add_argument(
        "--memory-lines",
        type=lambda text: [int(n) for n in text.split(",")],
        help="generated sizes whose peak memory is printed (default: lines/4, lines, 16 x lines)",
    )
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.memory_lines is None:
        args.memory_lines = [args.lines // 4, args.lines, args.lines * 16]
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        print(f"# generating inputs of {args.lines:,} lines in {workdir}", flush=True)
        inputs = make_inputs(workdir, args.lines)
        print(
            "# gen-3months: generated Bioconductor log over 3 months (~140k package-days per "
            "1M lines);\n# gen-1day: the same number of generated lines in one day, as a real "
            "daily log;\n# real: the real logs of tests/fixtures/logs repeated (no Bioconductor "
            "downloads)"
        )
        print(
            f"{'database':<11}{'input':<15}{'threads':>8}{'lines/s':>12}{'seconds':>9}"
            f"{'cpu s':>7}{'lines/cpu s':>13}{'peak MB':>9}{'downloads':>11}"
        )
        for kind in args.databases.split(","):
            for name, path in inputs.items():
                for threads in (int(t) for t in args.threads.split(",")):
                    r = median_run(kind, path, threads or None, workdir, args.repeat)
                    label = str(threads) if threads else "all"
                    print(
                        f"{kind:<11}{name:<15}{label:>8}{r['lines_per_s']:>12,.0f}"
                        f"{r['seconds']:>9.2f}{r['cpu_seconds']:>7.2f}"
                        f"{r['lines'] / r['cpu_seconds']:>13,.0f}{r['peak_mb']:>9.0f}"
                        f"{r['downloads']:>11,}",
                        flush=True,
                    )
        first_db = args.databases.split(",")[0]
        peaks = []
        for lines in args.memory_lines:
            path = inputs["gen-3months"] if lines == args.lines else generated_log(workdir, lines)
            run = run_child(database_url(first_db, workdir), path, 1, workdir)
            peaks.append(f"{run['peak_mb']:.0f} MB for {lines:,} lines")
            if path != inputs["gen-3months"]:
                path.unlink()
        print(f"# line scanner: {run['scanner']}")
        print(f"# peak memory (gen-3months, {first_db}): {', '.join(peaks)}", flush=True)
        for name in ("gen-3months", "gen-1day", "real"):
            timings = [goaccess(inputs[name], workdir) for _ in range(args.repeat)]
            if None in timings:
                print("# goaccess not installed (apt-get install goaccess)")
                break
            seconds = statistics.median(t for t in timings if t is not None)
            ours = median_run(args.databases.split(",")[0], inputs[name], 1, workdir, args.repeat)
            rate = args.lines / seconds
            print(
                f"# goaccess {name}: {rate:,.0f} lines/s; ours (1 thread, "
                f"{args.databases.split(',')[0]}): {ours['lines_per_s']:,.0f} lines/s; "
                f"ratio {ours['lines_per_s'] / rate:.2f}x"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
