"""The WSGI front cache (emgapiv2/front_cache.py) on real Redis, around Django's real handler."""

from __future__ import annotations

import datetime as dt
import io
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
import redis
from django.core.handlers.wsgi import WSGIHandler
from django.db.models import F
from django.test import override_settings

from emgapiv2.front_cache import ResponseCacheFront
from stats.models import Registry
from stats.web.caching import clear_local_entries
from tests.factories import PackageFactory, RegistryFactory

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/11"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Answer:
    status: str
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split()[0])


class CountingApp:
    """Django's WSGI handler, counting the requests that reach it."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return self.django(environ, start_response)


@pytest.fixture
def prefix() -> Iterator[str]:
    if not _redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379 (task services starts one)")
    prefix = f"test-front-{uuid.uuid4().hex}"
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=cache):
        clear_local_entries()
        yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    clear_local_entries()


def _rate_limit(settings: Any, per_address: int) -> None:
    update = {"enabled": True, "per_address": per_address}
    settings.STATS = settings.STATS.model_copy(
        update={"ratelimit": settings.STATS.ratelimit.model_copy(update=update)}
    )


@pytest.fixture
def counting(prefix: str, settings: Any) -> CountingApp:
    _rate_limit(settings, 1000)  # counted as in production (the suite turns it off)
    return CountingApp()


@pytest.fixture
def front(counting: CountingApp) -> ResponseCacheFront:
    return ResponseCacheFront(counting, REDIS_URL)


@pytest.fixture
def registry() -> Registry:
    registry = RegistryFactory(name="bioc", valid_through=dt.date(2024, 1, 9), data_generation=1)
    PackageFactory(registry=registry, name="alpha", downloads_total=5)
    return registry


def call(app: Any, path: str, method: str = "GET", **headers: str) -> Answer:
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": "10.1.2.3",
        "wsgi.input": io.BytesIO(),
        **headers,
    }
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Answer(seen["status"], dict(seen["headers"]), body)


def test_a_hit_replays_djangos_answer_without_django(front, counting, registry):
    url = "/api/v1/registries/bioc/packages/alpha"
    first = call(front, url)
    second = call(front, url)
    assert first.code == second.code == 200
    assert counting.calls == 1
    assert second.body == first.body
    assert b'"alpha"' in first.body
    volatile = {"X-RateLimit-Remaining"}
    assert {k: v for k, v in second.headers.items() if k not in volatile} == {
        k: v for k, v in first.headers.items() if k not in volatile
    }
    assert "X-Stats-Front-Cache" not in first.headers
    assert "ETag" in second.headers and "Last-Modified" in second.headers
    # Counted once per request, by the front on hits and by Django on the miss.
    remaining = int(first.headers["X-RateLimit-Remaining"])
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining - 1


def test_formats_hosts_and_queries_are_kept_apart(front, counting, registry):
    url = "/api/v1/registries/bioc/packages/alpha"
    as_json = call(front, url)
    as_csv = call(front, url, HTTP_ACCEPT="text/csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert call(front, url).headers["Content-Type"].startswith("application/json")
    assert call(front, url, HTTP_ACCEPT="text/csv").body == as_csv.body
    assert counting.calls == 2
    call(front, url, HTTP_HOST="localhost")
    call(front, url + "?format=csv")
    assert counting.calls == 4
    assert as_json.body != as_csv.body


def test_a_refresh_is_seen_at_once(front, counting, registry):
    url = "/api/v1/registries/bioc/packages"
    before = call(front, url)
    assert call(front, url).body == before.body  # a hit: the front now holds the tokens
    assert counting.calls == 1
    PackageFactory(registry=registry, name="beta")
    registry.data_generation += 1
    registry.save(update_fields=["data_generation"])  # signals the change after commit
    after = call(front, url)
    assert counting.calls == 2
    assert b'"beta"' in after.body and b'"beta"' not in before.body
    assert after.headers["ETag"] != before.headers["ETag"]
    assert call(front, url).body == after.body
    assert counting.calls == 2


def test_unsignalled_changes_are_caught_by_the_tokens_max_age(counting, registry, settings):
    settings.STATS = settings.STATS.model_copy(
        update={"api": settings.STATS.api.model_copy(update={"front_tokens_max_age": 0.0})}
    )
    front = ResponseCacheFront(counting, REDIS_URL)
    url = "/api/v1/registries/bioc/packages"
    assert b'"beta"' not in call(front, url).body
    assert b'"beta"' not in call(front, url).body
    assert counting.calls == 1
    PackageFactory(registry=registry, name="beta")
    Registry.objects.filter(pk=registry.pk).update(data_generation=F("data_generation") + 1)
    assert b'"beta"' in call(front, url).body
    assert counting.calls == 2


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"HTTP_AUTHORIZATION": "Bearer nope"}),
        ("GET", {"HTTP_ORIGIN": "https://example.org"}),
        ("GET", {"HTTP_COOKIE": "sessionid=abc"}),
        ("HEAD", {}),
    ],
)
def test_requests_that_may_differ_go_to_django(front, counting, registry, method, headers):
    url = "/api/v1/registries/bioc/packages/alpha"
    call(front, url)
    call(front, url, method=method, **headers)
    call(front, url, method=method, **headers)
    assert counting.calls == 3


def test_conditional_requests_get_304_from_django(front, counting, registry):
    url = "/api/v1/registries/bioc/packages/alpha"
    first = call(front, url)
    again = call(front, url, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.code == 304
    assert counting.calls == 2


def test_private_registries_and_errors_are_not_stored(front, counting, registry):
    RegistryFactory(name="hidden", is_public=False, data_generation=1)
    for url in ("/api/v1/registries/hidden/packages", "/api/v1/registries/bioc/packages/nope"):
        first = call(front, url)
        call(front, url)
        assert first.code == 404
    assert counting.calls == 4


def test_the_rate_limit_counts_each_request_once(front, counting, registry, settings):
    _rate_limit(settings, 3)
    url = "/api/v1/registries/bioc/packages/alpha"
    answers = [call(front, url) for _ in range(4)]
    assert [a.code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert b"Rate limit exceeded" in answers[3].body
    assert "Retry-After" in answers[3].headers
    assert counting.calls == 2  # the miss, then the 429 (answered by Django)


def test_redis_down_passes_everything_to_django(counting, registry, settings):
    front = ResponseCacheFront(counting, "redis://127.0.0.1:1/0")
    url = "/api/v1/registries/bioc/packages/alpha"
    assert call(front, url).code == 200
    assert call(front, url).code == 200
    assert counting.calls == 2


def _stored_keys(prefix: str) -> list[bytes]:
    return list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}:*front*"))


def test_a_local_copy_is_replayed_only_while_redis_holds_the_same_entry(
    front, counting, registry, prefix
):
    url = "/api/v1/registries/bioc/packages/alpha"
    first = call(front, url)
    assert call(front, url).body == first.body  # fetched from Redis, now copied locally
    assert call(front, url).body == first.body  # Redis answers "same" instead of the body
    assert counting.calls == 1
    (key,) = _stored_keys(prefix)
    client = redis.Redis.from_url(REDIS_URL)
    # Another process stored a different answer under the key: that one is replayed.
    blob = client.get(key)
    changed = blob.replace(b'"alpha"', b'"ALPHA"')
    assert changed != blob
    client.set(key, b"0123456789abcdef" + changed[16:])
    assert b'"ALPHA"' in call(front, url).body
    assert counting.calls == 1
    client.delete(key)  # gone from Redis: the local copy is not used
    assert b'"alpha"' in call(front, url).body
    assert counting.calls == 2
