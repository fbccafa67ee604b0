"""Rate limits (429 + headers), CORS for public GETs only, security headers, body limits."""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django.fixtures import Settings

from stats.api.ratelimit import client_address
from stats.models import Role
from tests.accounts.helpers import bearer, member_token
from tests.factories import OrganisationFactory, RegistryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings: Settings):
    """Turn the limits on (the suite runs without them) at 3 per address, 5 per token."""
    caches["default"].clear()

    def set_limits(**values: object) -> None:
        ratelimit = settings.STATS.ratelimit.model_copy(update={"enabled": True, **values})
        settings.STATS = settings.STATS.model_copy(update={"ratelimit": ratelimit})

    # A day-long window: a test's few requests never straddle two windows.
    set_limits(per_address=3, per_token=5, window_seconds=86400)
    return set_limits


def test_429_with_headers_after_the_address_limit(client: Client, limits) -> None:
    before = time.time()
    answers = [client.get("/api/v1/health") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a["X-RateLimit-Limit"] for a in answers} == {"3"}
    refused = answers[-1]
    assert refused["Content-Type"].startswith("application/json")
    assert "Rate limit exceeded" in refused.json()["message"]
    retry = int(refused["Retry-After"])
    reset = int(refused["X-RateLimit-Reset"])
    assert 1 <= retry <= 86400
    assert before < reset <= before + 86401
    # Another address has its own bucket; pages outside the API are not limited.
    assert client.get("/api/v1/health", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert "X-RateLimit-Limit" not in client.get("/packages/stats/")


def test_a_token_has_its_own_larger_bucket(client: Client, limits) -> None:
    RegistryFactory(name="public-one")
    token = bearer(member_token(OrganisationFactory(), Role.VIEWER))
    for _ in range(3):
        client.get("/api/v1/health")
    assert client.get("/api/v1/health").status_code == 429
    statuses = [client.get("/api/v1/registries", **token).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # A made-up token does not escape the address's bucket.
    assert client.get("/api/v1/health", **bearer("sst_made_up")).status_code == 429


def test_windows_expire(client: Client, limits) -> None:
    limits(per_address=1, window_seconds=1)
    assert client.get("/api/v1/health").status_code == 200
    refused = client.get("/api/v1/health")
    if refused.status_code == 429:  # not at a window boundary
        time.sleep(int(refused["Retry-After"]))
    assert client.get("/api/v1/health").status_code == 200


def test_client_address_behind_proxies(rf) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
    assert client_address(request, 0) == "10.0.0.1"
    assert client_address(request, 1) == "1.2.3.4"  # what our one proxy saw; 6.6.6.6 forged
    assert client_address(request, 2) == "6.6.6.6"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1"), 1) == "10.0.0.1"


def test_cors_allows_reads_of_the_public_api_only(client: Client) -> None:
    response = client.get("/api/v1/health", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-RateLimit-Remaining" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/registries",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "authorization" not in preflight["Access-Control-Allow-Headers"].lower()
    write = client.options(
        "/api/v1/registries/x/rules",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
    )
    assert not write.has_header("Access-Control-Allow-Origin")
    assert not write.has_header("Access-Control-Allow-Methods")
    post = client.post("/api/v1/registries/x/refresh", HTTP_ORIGIN="https://example.org")
    assert not post.has_header("Access-Control-Allow-Origin")
    admin = client.get("/admin/login/", HTTP_ORIGIN="https://example.org")
    assert not admin.has_header("Access-Control-Allow-Origin")


def test_security_headers(client: Client, settings: Settings) -> None:
    plain = client.get("/api/v1/health")
    assert plain["X-Content-Type-Options"] == "nosniff"
    assert plain["X-Frame-Options"] == "DENY"
    assert not plain.has_header("Strict-Transport-Security")  # plain HTTP: no HSTS
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_tls = client.get("/api/v1/health", HTTP_X_FORWARDED_PROTO="https")
    assert behind_tls["Strict-Transport-Security"].startswith(
        f"max-age={settings.STATS.security.hsts_seconds}"
    )


def test_admin_needs_login_and_csrf(client: Client) -> None:
    response = client.get("/admin/stats/registry/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    login = strict.post("/admin/login/", {"username": "a", "password": "b"})
    assert login.status_code == 403  # no CSRF token


def test_oversized_bodies_are_413_json(client: Client, settings: Settings) -> None:
    security = settings.STATS.security.model_copy(
        update={"max_request_bytes": 2048, "max_import_bytes": 4096}
    )
    settings.STATS = settings.STATS.model_copy(update={"security": security})
    body = "x" * 3000
    big = client.post("/api/v1/registries/x/refresh", body, content_type="application/json")
    assert big.status_code == 413
    assert big.json()["limit"] == 2048
    # Imports may be larger: the same body passes the size check there (then 404/401...).
    imported = client.put("/api/v1/import/pipelines", body, content_type="application/json")
    assert imported.status_code != 413
    huge = client.put("/api/v1/import/pipelines", "x" * 5000, content_type="application/json")
    assert huge.status_code == 413 and huge.json()["limit"] == 4096
    bad = client.post(
        "/api/v1/registries/x/refresh",
        "{}",
        content_type="application/json",
        CONTENT_LENGTH="abc",
    )
    assert bad.status_code == 400


def test_body_beyond_django_limit_is_413_not_500(client: Client, settings) -> None:
    """Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) raised inside Ninja is 413 too."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    organisation = OrganisationFactory()
    RegistryFactory(name="mine", organisation=organisation)
    token = bearer(member_token(organisation, Role.CURATOR))
    response = client.put(
        "/api/v1/registries/mine/rules", "x" * 500, content_type="application/json", **token
    )
    assert response.status_code == 413, response.content
    assert response["Content-Type"].startswith("application/json")


def test_nul_characters_are_400_everywhere(client: Client) -> None:
    api = client.get("/api/v1/registries/a%00b/packages")
    assert api.status_code == 400 and "NUL" in api.json()["message"]
    assert client.get("/api/v1/registries?x=%00").status_code == 400
    assert client.get("/badge/a%00b/pkg").status_code == 400
    assert client.get("/r/a%00b/packages/stats/bioc/bioc_stats.tab").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/registries",
        "/r/nf-core/packages/stats/",
        "/badge/nf-core/rnaseq",
        "/graphql?query=%7Bregistries%7Bname%7D%7D",
        "/admin/login/",
    ],
)
def test_a_session_cookie_holding_nul_is_no_session(client: Client, path: str) -> None:
    """PostgreSQL refuses NUL in text: looking such a session key up failed, a 500 on every
    page (and 'Internal error' in GraphQL). Like any malformed key, it is no session."""
    RegistryFactory(name="nf-core")
    response = client.get(path, HTTP_COOKIE="sessionid=abcdefghij\x00klmnop")
    assert response.status_code == 200, response.content[:300]
    if path.startswith("/graphql"):
        assert response.json() == {"data": {"registries": [{"name": "nf-core"}]}}
