"""Serving at Bioconductor scale: REST req/s and latency, bioc_pkg_stats.tab, a one-day refresh.

1. Fills a fresh PostgreSQL database (dropped and recreated) with the real manifest's
   packages and 15 years of generated daily summaries (benchmarks/_fill/).
2. Serves it with granian (2 workers of one Python thread; ``--server gunicorn`` for 2
   sync workers), STATS_DEBUG off, Redis response cache.
3. Loads it from a second process on loopback: wrk with a small Lua script (or, without
   wrk, a closed-loop httpx client), bounded in requests and seconds, and reports req/s,
   p50 and p99 of package detail, point, range and top, cached (one URL repeated, warm)
   and uncached (a different package per request AND a unique ``nocache`` query
   parameter, so no request is ever served from the response cache; the cached
   response is still stored, as in production).
4. Times bioc_pkg_stats.tab cold (rendered: cache-busting parameter) and warm.
5. Appends one new day of facts for every package as ingestion does (a LogSegment and
   its SegmentDownloads via stats.services.bulk.insert_facts) and times
   stats.services.aggregation.refresh_registry_stats (after a VACUUM ANALYZE of the
   summary tables, as autovacuum would have run; the test server has it off).
6. Prints the figures next to the goals of issue 4.

    python benchmarks/api.py [--scale full|small|tiny|0.3] [--duration 10] [--reuse]
    python benchmarks/api.py --reuse --only top,tab,refresh
        # parts: detail, point, range, top, tab, parts (cached request in process), refresh
    python benchmarks/api.py --check-fill   # the fill equals a rebuild from the same facts

The rate limit stays on (counted in Redis per request, as in production) with a limit no
run reaches.
Not a test: it prints figures for the issue notes.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._fill.bioconductor import fill_bioconductor, plan_from_database
from benchmarks._fill.check import check_against_rebuild
from benchmarks._fill.database import drop_database
from benchmarks._fill.next_day import measure_refresh
from benchmarks._fill.plan import END
from benchmarks._load.clients import percentile, run_httpx, run_wrk
from benchmarks._load.servers import SERVERS, serving

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/stats_bench_api"
REDIS_URL = "redis://127.0.0.1:6379/13"
SCALES = {"full": 1.0, "small": 0.1, "tiny": 0.02}
CACHED_PACKAGE = "limma"
TAB_PATH = "/packages/stats/bioc/bioc_pkg_stats.tab"
SERVER_ENV = {
    "REDIS_URL": REDIS_URL,
    "STATS_REDIS_URL": REDIS_URL,
    "STATS_DEBUG": "false",
    "STATS_RATELIMIT__PER_ADDRESS": "1000000000",  # counted as in production, never hit
}
PARTS = ("detail", "point", "range", "top", "tab", "parts", "refresh")
GOALS = {"cached_rps": 3000, "cached_p99_ms": 20, "uncached_p99_ms": 50, "tab_ms": 100}


@dataclass
class Load:
    name: str
    mode: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_scale(text: str) -> float:
    return SCALES[text] if text in SCALES else float(text)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure_endpoints(
    base: str, names: list[str], args: argparse.Namespace, workdir: Path
) -> list[Load]:
    """Each chosen endpoint cached (one URL, warm) then uncached (no request a cache hit)."""
    import httpx

    use_wrk = shutil.which("wrk") is not None
    run = run_wrk if use_wrk else run_httpx
    extra = {"workdir": workdir} if use_wrk else {}
    shuffled = random.Random(5).sample(names, len(names))
    endpoints = {  # part of --only: (label, path)
        "detail": ("package detail", "/api/v1/registries/bioconductor/packages/{}"),
        "point": (
            "point last-month",
            "/api/v1/downloads/point/last-month/{}?registry=bioconductor",
        ),
        "range": (
            "range last-month",
            "/api/v1/downloads/range/last-month/{}?registry=bioconductor",
        ),
        "top": ("top last-month", "/api/v1/top/bioconductor/last-month"),
    }
    loads = []
    for part, (name, template) in endpoints.items():
        if part not in args.only:
            continue
        one = template.format(CACHED_PACKAGE)
        for _ in range(6):  # warms the cache, and each worker's first use of the view
            if httpx.get(base + one, timeout=60).status_code != 200:
                sys.exit(f"{one} did not answer 200")
        for mode, paths, bust, conns in (
            ("cached", [one], False, args.connections),
            ("uncached", [template.format(n) for n in shuffled], True, args.uncached_connections),
        ):
            requests, seconds, p50, p99, errors = run(
                base,
                paths,
                bust=bust,
                duration=args.duration,
                max_requests=args.max_requests,
                connections=conns,
                **extra,
            )
            loads.append(Load(name, mode, conns, requests, seconds, p50, p99, errors))
            print(
                f"  {name:<18} {mode:<9} c={conns:<3} {loads[-1].rps:8.0f} req/s "
                f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}",
                flush=True,
            )
    return loads


def measure_tab(base: str) -> dict[str, float]:
    """Cold: rendered (a cache-busting parameter, 5 times); warm: 30 repeats of the plain URL."""
    import httpx

    def get(path: str) -> tuple[float, int]:
        start = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            sys.exit(f"{path}: {response.status_code}")
        return elapsed * 1e3, len(response.content)

    with httpx.Client(base_url=base, timeout=120) as client:
        first, size = get(TAB_PATH)
        cold = [get(f"{TAB_PATH}?nocache={i}")[0] for i in range(5)]
        for _ in range(6):  # each worker fetches it from Redis once, then keeps a local copy
            get(TAB_PATH)
        warm = sorted(get(TAB_PATH)[0] for _ in range(30))
    return {
        "bytes": size,
        "first": first,
        "cold_median": statistics.median(cold),
        "cold_max": max(cold),
        "warm_p50": percentile(warm, 50),
        "warm_p99": percentile(warm, 99),
    }


def cached_request_parts(path: str) -> list[tuple[str, float]]:
    """Where a cached API response's time goes, in this process (no HTTP): ms per call."""
    from django.core.cache import caches
    from django.test import Client

    from stats.api.ratelimit import count_request
    from stats.selectors.generations import registry_generation

    client = Client()
    client.get(path)  # stores it
    cache = caches["default"]
    cache.set("bench:probe", b"x" * 200)

    def each(call: object, runs: int = 300) -> float:
        call()  # type: ignore[operator]
        start = time.perf_counter()
        for _ in range(runs):
            call()  # type: ignore[operator]
        return (time.perf_counter() - start) / runs * 1e3

    return [
        ("whole cached request (Django test client)", each(lambda: client.get(path))),
        (
            "  data generation query (registry_generation)",
            each(lambda: registry_generation("bioconductor")),
        ),
        ("  rate-limit count (count_request)", each(lambda: count_request("bench", 10**9, 60))),
        ("  response-cache get (small entry)", each(lambda: cache.get("bench:probe"))),
    ]


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def summary(loads: list[Load], tab: dict[str, float] | None, refresh: float | None) -> None:
    print("\nSummary (goals of issue 4; this machine: 2 cores shared)")
    print(f"{'what':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   {'goal':<38} met")
    for load in loads:
        if load.mode == "cached":
            goal = f">={GOALS['cached_rps']} req/s, p99 <={GOALS['cached_p99_ms']} ms"
            met = load.rps >= GOALS["cached_rps"] and load.p99_ms <= GOALS["cached_p99_ms"]
        else:
            goal = f"p99 <={GOALS['uncached_p99_ms']} ms"
            met = load.p99_ms <= GOALS["uncached_p99_ms"]
        met = met and not load.errors
        label = f"{load.name}, {load.mode} (c={load.connections})"
        print(
            f"{label:<44} {load.rps:8.0f} {load.p50_ms:8.1f} {load.p99_ms:8.1f}   "
            f"{goal:<38} {'yes' if met else 'NO'}"
        )
    tab_goal = f"<={GOALS['tab_ms']} ms (Bioconductor: 400-500 ms)"
    tab_rows = (
        (("cold (rendered), median", tab["cold_median"]), ("warm (cached), p50", tab["warm_p50"]))
        if tab
        else ()
    )
    for label, value in tab_rows:
        print(
            f"{'bioc_pkg_stats.tab ' + label:<44} {'':>8} {value:8.1f} {'':>8}   "
            f"{tab_goal:<38} {'yes' if value <= GOALS['tab_ms'] else 'NO'}"
        )
    if refresh is not None:
        print(
            f"{'one-day refresh':<44} {'':>8} {refresh * 1e3:8.0f} {'':>8}   "
            f"{'<=1000 ms (Bioconductor: 10.5 s/month)':<38} {'yes' if refresh <= 1 else 'NO'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument(
        "--scale",
        type=parse_scale,
        default=1.0,
        help="full (6,000 packages), small (10%%), tiny (2%%) or a fraction",
    )
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=2, help="fill processes")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the filled database of an earlier run (each run adds a day)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per load run")
    parser.add_argument("--connections", type=int, default=8, help="cached runs")
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default="granian",
        help="production server, 2 workers (default: granian, as deployed)",
    )
    parser.add_argument(
        "--uncached-connections",
        type=int,
        default=2,
        help="uncached runs (2 = one per worker, so no queueing)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--check-fill",
        action="store_true",
        help="only check, on a small database of its own, that the fill equals a rebuild",
    )
    args = parser.parse_args()
    # The same configuration in this process (in-process figures) as in the server.
    os.environ.update(SERVER_ENV)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no static
    print(f"load average at start: {loadavg()} ({os.cpu_count()} cores)")
    if shutil.which("wrk") is None:
        print("wrk not found (Debian: apt-get install -y wrk): using the httpx client instead")
    if args.check_fill:
        url = args.database_url + "_check"
        print("fill vs rebuild_registry_stats from the same facts:")
        same = check_against_rebuild(url)
        drop_database(url)
        sys.exit(0 if same else 1)
    started = time.perf_counter()
    if args.reuse:
        plan = plan_from_database(
            args.database_url, years=args.years, scale=args.scale, seed=args.seed
        )
    else:
        report = fill_bioconductor(
            args.database_url, scale=args.scale, years=args.years, jobs=args.jobs, seed=args.seed
        )
        plan = report.plan
        print(
            f"fill (scale {args.scale:g}, {args.years} years {plan.start}..{END}): "
            f"{time.perf_counter() - started:.0f} s"
        )
        for name, step_seconds in report.steps.items():
            print(f"  {name:<48} {step_seconds:6.1f} s")
        for table, count in report.rows.items():
            print(f"  {table:<24} {count:>12,} rows")
    from django.db import connections

    from stats.models import Package

    names = list(
        Package.objects.filter(registry__name="bioconductor").values_list("name", flat=True)
    )
    connections.close_all()
    flush_redis()
    client = "wrk 1 thread" if shutil.which("wrk") else "httpx processes"
    print(
        f"\nserving: {SERVERS[args.server].format(port='PORT')}\n"
        f"  Redis cache {REDIS_URL}; client: {client}, "
        f"<= {args.duration} s and <= {args.max_requests} requests per run"
    )
    print(
        f"uncached = a different package per request + unique ?nocache= (never a cache hit); "
        f"load average {loadavg()}"
    )
    loads: list[Load] = []
    tab: dict[str, float] | None = None
    if args.only & {"detail", "point", "range", "top", "tab"}:
        with (
            tempfile.TemporaryDirectory() as tmp,
            serving(args.database_url, Path(tmp), args.server, settings=SERVER_ENV) as base,
        ):
            loads = measure_endpoints(base, names, args, Path(tmp))
            tab = measure_tab(base) if "tab" in args.only else None
    if tab is not None:
        print(
            f"  bioc_pkg_stats.tab {tab['bytes'] / 1e6:.1f} MB: first request "
            f"{tab['first']:.0f} ms, cold median {tab['cold_median']:.0f} ms "
            f"(max {tab['cold_max']:.0f}), warm p50 {tab['warm_p50']:.1f} ms "
            f"p99 {tab['warm_p99']:.1f} ms"
        )
    print(f"load average after serving: {loadavg()}")
    if "parts" in args.only:
        point = f"/api/v1/downloads/point/last-month/{CACHED_PACKAGE}?registry=bioconductor"
        print("cached point request, in process (ms per call):")
        for label, ms in cached_request_parts(point):
            print(f"  {label:<48} {ms:6.2f}")
    refresh_seconds: float | None = None
    if "refresh" in args.only:
        refresh_seconds, text, facts = measure_refresh(plan)
        print(f"one-day refresh ({facts} new facts): {refresh_seconds:.2f} s — {text}")
    summary(loads, tab, refresh_seconds)
    print(f"\nload average at end: {loadavg()}")
    flush_redis()


if __name__ == "__main__":
    main()
