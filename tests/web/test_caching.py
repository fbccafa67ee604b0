"""The generation-keyed response cache: hits, 304s, invalidation, Ninja, Redis."""

from __future__ import annotations

import datetime as dt
import json
import socket
import uuid
from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.core.signals import request_finished
from django.db import close_old_connections
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import RequestFactory, override_settings
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.testing import TestClient

from stats.models import Registry
from stats.web.caching import cache_response, clear_local_entries
from tests.factories import RegistryFactory

pytestmark = pytest.mark.django_db

rf = RequestFactory()
DUMMY_BACKEND = "django.core.cache.backends.dummy.DummyCache"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()
    clear_local_entries()


def bump(name: str) -> None:
    Registry.objects.filter(name=name).update(data_generation=F("data_generation") + 1)


class CountingView:
    """A plain Django view that reports how often it really ran."""

    def __init__(self, status: int = 200) -> None:
        self.calls = 0
        self.status = status

    def __call__(self, request: HttpRequest, registry: str | None = None) -> HttpResponse:
        self.calls += 1
        name = registry or request.GET.get("registry")
        generations = list(Registry.objects.order_by("name").values_list("name", "data_generation"))
        fmt = "csv" if "text/csv" in request.headers.get("Accept", "") else "json"
        if fmt == "csv":
            return HttpResponse(f"registry,n\n{name},{self.calls}\n", content_type="text/csv")
        body = {"registry": name, "n": self.calls, "generations": generations}
        return JsonResponse(body, status=self.status)


@pytest.fixture
def view() -> tuple[CountingView, Callable[..., HttpResponse]]:
    counting = CountingView()
    return counting, cache_response()(counting)


@pytest.fixture
def registries() -> tuple[Registry, Registry]:
    return (
        RegistryFactory(name="bioconductor", valid_through=dt.date(2024, 5, 31)),
        RegistryFactory(name="nfcore", valid_through=dt.date(2024, 6, 2)),
    )


def get(decorated, path: str = "/x", registry: str | None = "bioconductor", **headers):
    request = rf.get(path, **headers)
    return decorated(request, registry=registry) if registry else decorated(request)


def test_repeated_get_is_served_from_cache_with_validators(view, registries):
    counting, decorated = view
    first = get(decorated)
    second = get(decorated)
    assert counting.calls == 1
    assert second.content == first.content
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert first["Last-Modified"] == "Sat, 01 Jun 2024 00:00:00 GMT"
    assert second["ETag"] == etag
    assert "Accept" in first["Vary"]


def test_conditional_get_is_answered_304(view, registries):
    counting, decorated = view
    first = get(decorated)
    again = get(decorated, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    since = get(decorated, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    other = get(decorated, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200
    assert counting.calls == 1


def test_bumped_generation_gives_new_content_and_etag(view, registries):
    counting, decorated = view
    first = get(decorated)
    bump("bioconductor")
    second = get(decorated, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert counting.calls == 2
    assert second.content != first.content
    assert second["ETag"] != first["ETag"]


def test_other_registry_bump_keeps_this_registry_cached(view, registries):
    counting, decorated = view
    first = get(decorated)
    bump("nfcore")
    nf = get(decorated, registry="nfcore")
    again = get(decorated)
    assert counting.calls == 2  # bioconductor once, nfcore once
    assert again.content == first.content
    assert json.loads(nf.content)["registry"] == "nfcore"


def test_registry_from_query_parameter(view, registries):
    counting, decorated = view
    get(decorated, "/x?registry=nfcore", registry=None)
    get(decorated, "/x?registry=nfcore", registry=None)
    assert counting.calls == 1
    bump("bioconductor")
    get(decorated, "/x?registry=nfcore", registry=None)
    assert counting.calls == 1
    bump("nfcore")
    get(decorated, "/x?registry=nfcore", registry=None)
    assert counting.calls == 2


def test_without_registry_any_bump_invalidates(view, registries):
    counting, decorated = view
    get(decorated, "/registries", registry=None)
    get(decorated, "/registries", registry=None)
    assert counting.calls == 1
    bump("nfcore")
    get(decorated, "/registries", registry=None)
    assert counting.calls == 2


def test_path_query_and_accept_are_part_of_the_key(view, registries):
    counting, decorated = view
    json_body = get(decorated, "/x?a=1", HTTP_ACCEPT="application/json")
    csv_body = get(decorated, "/x?a=1", HTTP_ACCEPT="text/csv")
    get(decorated, "/x?a=2", HTTP_ACCEPT="application/json")
    assert counting.calls == 3
    assert json_body["Content-Type"] == "application/json"
    assert csv_body["Content-Type"] == "text/csv"
    assert get(decorated, "/x?a=1", HTTP_ACCEPT="text/csv").content == csv_body.content
    assert counting.calls == 3


def test_credentials_unknown_registry_and_errors_bypass_the_cache(registries):
    counting = CountingView()
    decorated = cache_response()(counting)
    get(decorated, HTTP_AUTHORIZATION="Bearer x")
    get(decorated, HTTP_AUTHORIZATION="Bearer x")
    assert counting.calls == 2
    unknown = get(decorated, registry="nosuch")
    assert "ETag" not in unknown
    failing = CountingView(status=404)
    decorated_failing = cache_response()(failing)
    get(decorated_failing)
    get(decorated_failing)
    assert failing.calls == 2
    Registry.objects.filter(name="nfcore").update(is_public=False)
    get(decorated, registry="nfcore")
    get(decorated, registry="nfcore")
    assert counting.calls == 5


class Counts(Schema):
    registry: str
    generation: int
    calls: int


def ninja_router() -> tuple[Router, list[int]]:
    router = Router()
    calls: list[int] = []

    @router.get("/registries/{registry}/counts", response=Counts)
    @decorate_view(cache_response())
    def counts(request: HttpRequest, registry: str) -> dict[str, object]:
        calls.append(1)
        generation = Registry.objects.get(name=registry).data_generation
        return {"registry": registry, "generation": generation, "calls": len(calls)}

    return router, calls


def test_ninja_operation_is_cached_and_answers_304(registries):
    router, calls = ninja_router()
    client = TestClient(router)
    first = client.get("/registries/bioconductor/counts")
    assert first.status_code == 200
    assert first.json() == {"registry": "bioconductor", "generation": 0, "calls": 1}
    assert client.get("/registries/bioconductor/counts").json()["calls"] == 1
    # Ninja's TestClient does not upper-case header names: pass the WSGI variable.
    conditional = client.get(
        "/registries/bioconductor/counts", META={"HTTP_IF_NONE_MATCH": first["ETag"]}
    )
    assert conditional.status_code == 304
    bump("bioconductor")
    fresh = client.get(
        "/registries/bioconductor/counts", META={"HTTP_IF_NONE_MATCH": first["ETag"]}
    )
    assert fresh.status_code == 200
    assert fresh.json() == {"registry": "bioconductor", "generation": 1, "calls": 2}
    assert fresh["ETag"] != first["ETag"]
    assert len(calls) == 2


def _redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def test_works_with_real_redis(view, registries):
    if not _redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379 (task services starts one)")
    prefix = f"test-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": prefix,
        }
    }
    counting, decorated = view
    with override_settings(CACHES=redis_cache):
        assert caches["default"].__class__.__name__ == "RedisCache"
        try:
            first = get(decorated)
            second = get(decorated)
            assert counting.calls == 1
            assert second.content == first.content
            assert get(decorated, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
            client = caches["default"]._cache.get_client(write=False)
            assert client.keys(f"{prefix}:*gencache*"), "the entry is stored in Redis"
            bump("bioconductor")
            assert get(decorated).content != first.content
            assert counting.calls == 2
        finally:
            client = caches["default"]._cache.get_client(write=True)
            for key in client.keys(f"{prefix}:*"):
                client.delete(key)


def test_cache_outage_still_serves(view, registries):
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    counting, decorated = view
    with override_settings(CACHES=broken):
        response = get(decorated)
        get(decorated)
    assert response.status_code == 200
    assert counting.calls == 2
    assert json.loads(response.content)["registry"] == "bioconductor"


def test_large_bodies_are_kept_in_process_memory_too(registries):
    calls: list[int] = []

    def big(request: HttpRequest, registry: str) -> HttpResponse:
        calls.append(1)
        generation = Registry.objects.get(name=registry).data_generation
        return HttpResponse(f"{generation}\n".encode() * 200_000, content_type="text/plain")

    decorated = cache_response()(big)
    first = get(decorated)
    caches["default"].clear()  # as if another process's Redis entry expired
    assert get(decorated).content == first.content
    assert len(calls) == 1
    bump("bioconductor")
    assert get(decorated).content.startswith(b"1\n")
    assert len(calls) == 2
    with override_settings(CACHES={"default": {"BACKEND": DUMMY_BACKEND}}):
        get(decorated)
    assert len(calls) == 3, "DummyCache turns caching off, local copies included"


def test_a_large_entry_reaches_the_shared_cache_once_the_response_is_closed(registries):
    """The first reader of a large file does not wait for it to be stored in Redis."""
    calls: list[int] = []

    def big(request: HttpRequest, registry: str) -> HttpResponse:
        calls.append(1)
        return HttpResponse(b"x" * 300_000, content_type="text/plain")

    decorated = cache_response()(big)
    response = get(decorated)
    assert len(calls) == 1
    clear_local_entries()  # what another process sees before this response is closed
    get(decorated)  # rendered again, and not closed either
    assert len(calls) == 2, "not in the shared cache before close()"
    # What the WSGI server does after the last byte (without ending the test's database
    # connection, as Django's test client does).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    clear_local_entries()
    replayed = get(decorated)
    assert len(calls) == 2, "served from the shared cache after close()"
    assert replayed.content == response.content
    assert replayed["ETag"] == response["ETag"]
