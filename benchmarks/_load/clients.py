"""Load clients: wrk with a Lua script, or without wrk a closed-loop httpx client.

Both stop at a number of requests or seconds, whichever comes first, and report
(requests, seconds, p50 ms, p99 ms, errors).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

# requests, seconds, p50 ms, p99 ms, errors (non-2xx answers and socket errors)
LoadResult = tuple[int, float, float, float, int]

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


def run_wrk(
    base: str,
    paths: list[str],
    *,
    bust: bool,
    duration: int,
    max_requests: int,
    workdir: Path,
    connections: int,
) -> LoadResult:
    """One thread, ``connections`` keep-alive connections; ``bust`` adds a unique ?nocache=."""
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT)
    listing = workdir / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["-s", str(script), base, "--", str(listing), str(max_requests)]
    command.append("1" if bust else "0")
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk failed: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("RESULT ") :])
    return r["requests"], r["seconds"], r["p50_ms"], r["p99_ms"], r["non_2xx"] + r["socket_errors"]


def _httpx_worker(job: tuple[str, list[str], bool, float, int, int]) -> tuple[list[float], int]:
    """One connection in a closed loop (a pool task): latencies in seconds, errors."""
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
    base: str,
    paths: list[str],
    *,
    bust: bool,
    duration: int,
    max_requests: int,
    connections: int,
) -> LoadResult:
    """Fallback without wrk: N client processes, each one connection in a closed loop."""
    import multiprocessing

    deadline = time.monotonic() + duration
    limit = max(1, max_requests // connections)
    jobs = [(base, paths, bust, deadline, limit, i * 100_000) for i in range(connections)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(connections) as pool:
        results = pool.map(_httpx_worker, jobs)
    seconds = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    return (
        len(latencies),
        seconds,
        percentile(latencies, 50) * 1e3,
        percentile(latencies, 99) * 1e3,
        errors,
    )


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank ``q`` percentile of sorted values (0.0 when there are none)."""
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else 0.0
