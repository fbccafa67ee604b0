"""A production server on loopback for the load benchmarks (granian or gunicorn, 2 workers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nothing listens on now, for the server to bind."""
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
def serving(url: str, workdir: Path, kind: str, *, settings: dict[str, str]) -> Iterator[str]:
    """A production server on loopback: 2 workers, ``settings`` as environment variables
    (Redis cache, debug off); yields its base URL once both workers answer."""

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "STATS_DATABASE_URL": url, **settings}
    log = (workdir / "server.log").open("wb")
    program, *rest = SERVERS[kind].format(port=port).split()
    command = [str(Path(sys.executable).parent / program), *rest]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
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


def _healthy(base: str) -> bool:
    """Whether the server answers its health check (not yet listening: False)."""
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200
    except httpx.TransportError:
        return False
