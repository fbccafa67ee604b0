"""The app as deployed: granian serving emgapiv2.wsgi (front cache on Redis) over real HTTP.

The front cache's rules are tested in process (test_front_cache.py); this runs the
production server command of deployment/docker/entrypoint.sh against the test database
and checks what a client sees across processes: answers, validators, 304, JSON errors,
rate-limit headers, and a refresh in this process reaching the server's front at once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from django.db import connection
from django.test import override_settings

from emgapiv2.front_cache import ENTRY_PREFIX, MAX_BODY_BYTES
from stats.models import Package, PackageYearLines, Registry
from stats.web.caching import clear_local_entries
from stats.web.tabformat import year_lines
from tests.conftest import REPO_ROOT
from tests.factories import CategoryFactory, PackageFactory, RegistryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/10"  # this test's own database, emptied before use
GRANIAN = Path(sys.executable).parent / "granian"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "STATS_DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "STATS_REDIS_URL": REDIS_URL,
            "STATS_DEBUG": "false",
            "STATS_RATELIMIT__PER_ADDRESS": "1000",
            "STATS_API__FRONT_TOKENS_MAX_AGE": "3600",  # only the signalled epoch refreshes
        }
    )
    return env


@pytest.fixture
def shared_redis() -> Iterator[None]:
    """This process's cache is the server's (same Redis database and key prefix)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (task services starts one)")
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stats",
        }
    }
    with override_settings(CACHES=cache):
        clear_local_entries()
        yield
    client.flushdb()
    clear_local_entries()


@pytest.fixture
def registry() -> Registry:
    registry = RegistryFactory(name="bioc", data_generation=1)
    PackageFactory(registry=registry, name="alpha", downloads_total=5)
    return registry


def _wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not _answers(f"{base}/api/v1/health"):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "granian did not answer within 60 s"
        time.sleep(0.2)


def _answers(url: str) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return httpx.get(url, timeout=5).status_code == 200
    return False


@pytest.fixture
def server(shared_redis: None, registry: Registry, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    command = [
        str(GRANIAN),
        *("--interface", "wsgi", "--workers", "1", "--blocking-threads", "1"),
        *("--host", "127.0.0.1", "--port", str(port), "emgapiv2.wsgi:application"),
    ]
    log = (tmp_path / "granian.log").open("wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=_server_env(), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(base, process, tmp_path / "granian.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_the_served_app_answers_validates_and_refreshes(server: str, registry: Registry) -> None:
    url = f"{server}/api/v1/registries/bioc/packages"
    with httpx.Client(timeout=30) as client:  # one kept-alive connection, as browsers use
        first = client.get(url)
        second = client.get(url)
        assert first.status_code == second.status_code == 200
        assert [p["name"] for p in first.json()["items"]] == ["alpha"]
        assert second.content == first.content
        assert second.headers["ETag"] == first.headers["ETag"]
        assert "X-Stats-Front-Cache" not in second.headers  # internal marker never leaves
        used = [int(r.headers["X-RateLimit-Remaining"]) for r in (first, second)]
        assert used[0] - used[1] == 1  # each request counted once, replayed or not

        not_modified = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert not_modified.status_code == 304 and not_modified.content == b""

        missing = client.get(f"{server}/api/v1/registries/bioc/packages/nope")
        assert missing.status_code == 404
        assert "nope" in missing.json()["message"]

        PackageFactory(registry=registry, name="beta")
        registry.data_generation += 1
        registry.save(update_fields=["data_generation"])  # epoch in the shared Redis
        after = client.get(url)
        assert [p["name"] for p in after.json()["items"]] == ["alpha", "beta"]
        assert after.headers["ETag"] != first.headers["ETag"]


def test_a_large_file_is_sent_first_then_shared(server: str, registry: Registry) -> None:
    """A file too large for the front cache goes straight to the client; the server puts
    it into the shared cache once it is sent (close()), and every process replays it."""
    category = CategoryFactory(registry=registry, name="bioc")
    packages = Package.objects.bulk_create(
        Package(registry=registry, category=category, name=f"pkg{i:05d}") for i in range(4000)
    )
    cells = {month: (month, 10 * month) for month in range(1, 13)}
    PackageYearLines.objects.bulk_create(
        PackageYearLines(package=p, year=2024, lines=year_lines(2024, cells, 20, 780))
        for p in packages
    )
    url = f"{server}/r/bioc/packages/stats/bioc/bioc_pkg_stats.tab"
    shared = redis.Redis.from_url(REDIS_URL)
    with httpx.Client(timeout=30) as client:
        first = client.get(url)
        assert first.status_code == 200
        assert len(first.content) > MAX_BODY_BYTES
        assert first.text.count("\n") == 1 + 4000 * 13
        assert (
            first.text.startswith("Package\tYear\tMonth\t")
            and "pkg03999\t2024\tall\t20\t780\n" in first.text
        )
        deadline = time.monotonic() + 10
        while not shared.keys("*gencache*") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert shared.keys("*gencache*"), "the rendered file reaches the shared cache"
        assert not shared.keys(f"*{ENTRY_PREFIX}*"), "too large for the front cache"
        again = client.get(url)
        assert again.content == first.content
        assert again.headers["ETag"] == first.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
