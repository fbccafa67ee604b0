"""Serving at Bioconductor scale: REST req/s and latency, bioc_pkg_stats.tab, a one-day refresh.

1. Fills a fresh PostgreSQL database (dropped and recreated) with the real manifest's
   packages and 15 years of generated daily summaries (benchmarks/_fill.py).
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
import datetime as dt
import json
import logging
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _fill

REPO = _fill.REPO
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

WRK_SCRIPT = r"""
-- wrk runs for -d seconds even when every thread stopped early at the request limit,
-- and reports that as the duration: each thread measures its own time to the limit
-- (LuaJIT's ffi clock), and done() uses the longest.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *out);
]]
local function now()
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, t)  -- CLOCK_MONOTONIC
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end
local threads = {}
function setup(thread) threads[#threads + 1] = thread end
local paths, n, finished, limit, bust, started = {}, 0, 0, 0, false, nil
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  limit = tonumber(args[2])
  bust = args[3] == "1"
end
function request()
  if started == nil then started = now() end
  n = n + 1
  local path = paths[(n - 1) % #paths + 1]
  if bust then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "nocache=" .. n
  end
  return wrk.format("GET", path)
end
function response(status, headers, body)
  finished = finished + 1
  if limit > 0 and finished >= limit then
    wrk.thread:set("elapsed", now() - started)
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local longest = 0
  for _, thread in ipairs(threads) do
    local elapsed = thread:get("elapsed")
    if elapsed == nil then longest = nil break end  -- this thread ran the whole duration
    if elapsed > longest then longest = elapsed end
  end
  if longest ~= nil and longest > 0 then seconds = longest end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "max_ms": %f, ' ..
    '"non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVERS = {
    # Rust HTTP/1.1 with keep-alive; one Python thread per worker, as a sync worker has.
    "granian": "granian --interface wsgi --workers 2 --blocking-threads 1 --host 127.0.0.1 "
    "--port {port} --log-level warning emgapiv2.wsgi:application",
    # Python HTTP parsing, a new connection per request: ~2,400 hello-world req/s here.
    "gunicorn": "gunicorn emgapiv2.wsgi:application -w 2 -b 127.0.0.1:{port} --log-level warning",
}


@contextmanager
def serving(url: str, workdir: Path, kind: str) -> Iterator[str]:
    """A production server on loopback: 2 workers, Redis cache, debug off."""
    import httpx

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "STATS_DATABASE_URL": url, **SERVER_ENV}
    log = (workdir / "server.log").open("wb")
    program, *rest = SERVERS[kind].format(port=port).split()
    command = [str(Path(sys.executable).parent / program), *rest]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{kind} did not start; see {workdir / 'server.log'}")
            time.sleep(0.3)
        for _ in range(10):  # both workers import everything before any timing
            httpx.get(f"{base}/api/v1/registries", timeout=30)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def run_wrk(
    base: str,
    paths: list[str],
    *,
    bust: bool,
    args: argparse.Namespace,
    workdir: Path,
    connections: int,
) -> tuple[int, float, float, float, int]:
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT)
    listing = workdir / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{args.duration}s", "--timeout", "10s"]
    command += ["-s", str(script), base, "--", str(listing), str(args.max_requests)]
    command.append("1" if bust else "0")
    out = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk failed: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("RESULT ") :])
    return r["requests"], r["seconds"], r["p50_ms"], r["p99_ms"], r["non_2xx"] + r["socket_errors"]


def _httpx_worker(job: tuple[str, list[str], bool, float, int, int]) -> tuple[list[float], int]:
    import httpx

    base, paths, bust, deadline, limit, offset = job
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, timeout=10) as client:
        n = offset
        while time.monotonic() < deadline and len(latencies) < limit:
            path = paths[n % len(paths)]
            if bust:
                path += ("&" if "?" in path else "?") + f"nocache={offset}-{n}"
            n += 1
            start = time.perf_counter()
            status = client.get(path).status_code
            latencies.append(time.perf_counter() - start)
            errors += status != 200
    return latencies, errors


def run_httpx(
    base: str, paths: list[str], *, bust: bool, args: argparse.Namespace, connections: int
) -> tuple[int, float, float, float, int]:
    """Fallback without wrk: N client processes, each one connection in a closed loop."""
    import multiprocessing

    deadline = time.monotonic() + args.duration
    limit = max(1, args.max_requests // connections)
    jobs = [(base, paths, bust, deadline, limit, i * 100_000) for i in range(connections)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(connections) as pool:
        results = pool.map(_httpx_worker, jobs)
    seconds = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    return len(latencies), seconds, _pct(latencies, 50) * 1e3, _pct(latencies, 99) * 1e3, errors


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else 0.0


def measure_endpoints(
    base: str, names: list[str], args: argparse.Namespace, workdir: Path
) -> list[Load]:
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
                base, paths, bust=bust, args=args, connections=conns, **extra
            )
            loads.append(Load(name, mode, conns, requests, seconds, p50, p99, errors))
            print(
                f"  {name:<18} {mode:<9} c={conns:<3} {loads[-1].rps:8.0f} req/s "
                f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}",
                flush=True,
            )
    return loads


def measure_tab(base: str) -> dict[str, object]:
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
        "warm_p50": _pct(warm, 50),
        "warm_p99": _pct(warm, 99),
    }


def measure_refresh(plan: _fill.Plan) -> tuple[float, str, int]:
    """Append the next day's facts as ingestion would, then time the incremental refresh."""
    import hashlib

    from django.db import transaction

    from stats.models import LogSegment, Registry, SegmentStatus
    from stats.services.aggregation import refresh_registry_stats
    from stats.services.bulk import insert_facts

    registry = Registry.objects.get(name="bioconductor")
    index = (registry.valid_through - plan.start).days + 1
    facts = _fill.new_day_facts(plan, index)
    day = plan.day(index)
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    with transaction.atomic():
        segment = LogSegment.objects.create(
            registry=registry,
            source=f"/var/log/bioc/access.log-{day:%Y%m%d}",
            start_offset=0,
            end_offset=len(facts) * 180,
            content_sha256=hashlib.sha256(str(day).encode()).hexdigest(),
            status=SegmentStatus.DONE,
            lines=len(facts) * 3,
            downloads=sum(f[2] for f in facts),
            first_line_at=midnight + dt.timedelta(seconds=4),
            last_line_at=midnight + dt.timedelta(days=1, seconds=30),  # rotated after midnight
            started_at=midnight + dt.timedelta(days=1, minutes=5),
            finished_at=midnight + dt.timedelta(days=1, minutes=6),
        )
        insert_facts((segment.pk, p, d, n, 0, ids, v) for p, d, n, ids, v in facts)
    vacuum_summaries()
    start = time.perf_counter()
    result = refresh_registry_stats(registry=registry)
    return time.perf_counter() - start, result.summary(), len(facts)


def vacuum_summaries() -> None:
    """VACUUM (ANALYZE) the tables a refresh writes, as autovacuum keeps them on a server
    that runs it (this one may not: then each --reuse run would leave the dead rows of
    the last refresh, and the next one would scan them)."""
    from django.db import connection

    tables = [
        "stats_package",
        "stats_packageday",
        "stats_packagemonth",
        "stats_packageyear",
        "stats_packageyearlines",
        "stats_packageversion",
        "stats_categoryday",
        "stats_categorymonth",
        "stats_categoryyear",
        "stats_logsegment",
        "stats_segmentday",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


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


def plan_from_database(url: str, args: argparse.Namespace) -> _fill.Plan:
    """The plan of an existing fill (--reuse): the same parameters give the same plan."""
    _fill.setup_django(url)  # new migrations since the fill
    from stats.demo.manifest import read_manifest
    from stats.models import Package

    ids = {
        name: (pk, category)
        for pk, name, category in Package.objects.filter(registry__name="bioconductor").values_list(
            "id", "name", "category_id"
        )
    }
    manifest = [p for p in read_manifest() if p.name in ids]
    return _fill.make_plan(manifest, ids, years=args.years, scale=args.scale, seed=args.seed)


def summary(loads: list[Load], tab: dict[str, object] | None, refresh: float | None) -> None:
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
        same = _fill.check_against_rebuild(url)
        _fill.drop_database(url)
        sys.exit(0 if same else 1)
    started = time.perf_counter()
    if args.reuse:
        plan = plan_from_database(args.database_url, args)
    else:
        report = _fill.fill_bioconductor(
            args.database_url, scale=args.scale, years=args.years, jobs=args.jobs, seed=args.seed
        )
        plan = report.plan
        print(
            f"fill (scale {args.scale:g}, {args.years} years {plan.start}..{_fill.END}): "
            f"{time.perf_counter() - started:.0f} s"
        )
        for name, seconds in report.steps.items():
            print(f"  {name:<48} {seconds:6.1f} s")
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
    tab: dict[str, object] | None = None
    if args.only & {"detail", "point", "range", "top", "tab"}:
        with (
            tempfile.TemporaryDirectory() as tmp,
            serving(args.database_url, Path(tmp), args.server) as base,
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
    seconds = None
    if "refresh" in args.only:
        seconds, text, facts = measure_refresh(plan)
        print(f"one-day refresh ({facts} new facts): {seconds:.2f} s — {text}")
    summary(loads, tab, seconds)
    print(f"\nload average at end: {loadavg()}")
    flush_redis()


if __name__ == "__main__":
    main()
