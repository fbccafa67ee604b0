"""Property-based tests of the published schemas: no input makes the server fail.

schemathesis generates requests from /api/v1/openapi.json (and the GraphQL schema at
/graphql) and sends them in-process through Django's WSGI application, against a
registry with real summaries. Every answer must be below 500, and every API error
JSON with a message. Write operations are called with a curator's token so the
generated bodies reach the code behind the auth check. Examples are bounded
(``MAX_EXAMPLES`` per operation, no deadline) so CI time stays small.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.cache import caches
from hypothesis import HealthCheck, Phase, given, settings

from emgapiv2.wsgi import application
from stats.models import Registry, Role
from stats.services.aggregation import refresh_registry_stats
from tests.accounts.helpers import member_token
from tests.factories import OrganisationFactory
from tests.selectors.scenario import build_scenario

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 15
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def curator_token() -> str:
    caches["default"].clear()
    scenario = build_scenario(
        name="bioconductor", start=dt.date(2023, 12, 20), end=dt.date(2024, 1, 5)
    )
    refresh_registry_stats(registry=scenario.registry)
    organisation = OrganisationFactory(name="bioc-core")
    Registry.objects.filter(pk=scenario.registry.pk).update(organisation=organisation)
    return member_token(organisation, Role.CURATOR)


def _check(response, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_openapi_operations_never_fail(curator_token: str) -> None:
    """Committed requests, as in production: a failed query in one request (answered 4xx)
    must not poison the test's shared transaction for the next ones (PostgreSQL)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    auth = {"Authorization": f"Bearer {curator_token}"}
    for operation in operations:
        headers = auth if operation.method.lower() != "get" else {}
        _fuzz_rest(operation, headers)


def _fuzz_rest(operation, headers: dict[str, str]) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @HYPOTHESIS
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call(headers=headers)
        _check(response, f"{label} {case.path_parameters} {case.query} {case.body!r:.200}")
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/json"), label
            assert "message" in response.json(), label

    run()


@pytest.mark.slow
def test_graphql_queries_never_fail(curator_token: str) -> None:
    schema = schemathesis.graphql.from_wsgi("/graphql", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        _fuzz_graphql(operation)


def _fuzz_graphql(operation) -> None:
    label = f"graphql {operation.label}"

    @HYPOTHESIS
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call()
        _check(response, f"{label} {case.body!r:.300}")

    run()


HOSTILE_VALUES = [
    "x" * 10_000,  # oversized
    "' OR 1=1 --",
    "bioconductor'; DROP TABLE stats_registry; --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "%00",
    "\u0000",
    "2024-13-45:2024-99-99",
    "9999-01-01:0001-01-01",
    "-1",
    "1e309",
    "☃" * 50,
    "{registry}",
]
HOSTILE_URLS = [
    "/api/v1/downloads/point/{v}?registry=bioconductor",
    "/api/v1/downloads/point/last-week/{v}?registry=bioconductor",
    "/api/v1/downloads/range/last-week?registry={v}",
    "/api/v1/downloads/range/{v}/alpha,beta?registry=bioconductor",
    "/api/v1/top/bioconductor/last-month?category={v}&limit={v}",
    "/api/v1/trending/{v}?limit={v}&min_weekly_downloads={v}",
    "/api/v1/registries/bioconductor/packages?q={v}&page={v}&order={v}&category={v}",
    "/api/v1/registries/bioconductor/packages/{v}?format={v}",
    "/api/v1/registries/{v}/categories/{v}",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_query_values_are_4xx_json(client, curator_token: str, url: str) -> None:
    from urllib.parse import quote

    for value in HOSTILE_VALUES:
        response = client.get(url.replace("{v}", quote(value, safe="")))
        assert response.status_code < 500, (url, value[:40], response.content[:200])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), (url, value[:40])
            assert response.json()["message"], (url, value[:40])
    assert Registry.objects.filter(name="bioconductor").exists()
