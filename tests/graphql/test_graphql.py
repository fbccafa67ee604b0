"""/graphql gives REST's numbers for the same questions; limits and errors in GraphQL shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.test import Client

from stats.graphql import schema as graphql_schema
from stats.graphql.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from stats.models import Package
from stats.services.aggregation import refresh_registry_stats
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario(name="bioc", start=dt.date(2023, 11, 25), end=dt.date(2024, 1, 10))
    refresh_registry_stats(registry=built.registry)
    built.registry.refresh_from_db()
    return built


def gql(client: Client, query: str, variables: dict | None = None) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
    )
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _series(rows: list[dict], key: str) -> list[tuple]:
    return [(r[key], r["downloads"], r["distinctClients"]) for r in rows]


PACKAGE_QUERY = """
query ($name: String!) {
  registry(name: "bioc") {
    package(name: $name) {
      name category downloadScore rank downloadsTotal distinctClientsTotal
      monthly { month downloads distinctClients }
      yearly { year downloads distinctClients }
      versions { version downloads firstDay lastDay }
    }
  }
}
"""


@pytest.mark.parametrize("name", ["alpha", "beta", "gamma"])
def test_package_detail_equals_rest(client: Client, scenario: Scenario, name: str) -> None:
    rest = client.get(f"/api/v1/registries/bioc/packages/{name}").json()
    body = gql(client, PACKAGE_QUERY, {"name": name})
    assert "errors" not in body
    package = body["data"]["registry"]["package"]
    assert package["downloadsTotal"] == rest["downloads_total"] > 0
    assert package["distinctClientsTotal"] == rest["distinct_clients_total"] > 0
    assert (package["downloadScore"], package["rank"]) == (rest["download_score"], rest["rank"])
    assert package["category"] == rest["category"]
    assert _series(package["monthly"], "month") == [
        (m["month"], m["downloads"], m["distinct_clients"]) for m in rest["monthly"]
    ]
    assert _series(package["yearly"], "year") == [
        (y["year"], y["downloads"], y["distinct_clients"]) for y in rest["yearly"]
    ]
    assert [(v["version"], v["downloads"]) for v in package["versions"]] == [
        (v["version"], v["downloads"]) for v in rest["versions"]
    ]
    # And both equal the facts.
    assert (rest["downloads_total"], rest["distinct_clients_total"]) == scenario.expected(
        packages=[name]
    )


@pytest.mark.parametrize(
    "period", ["last-week", "last-month", "2023-12-01:2024-01-05", "2024-01-01"]
)
def test_point_and_daily_equal_rest(client: Client, scenario: Scenario, period: str) -> None:
    query = """
    query ($period: String!) {
      registry(name: "bioc") {
        downloads(period: $period) { start end downloads distinctClients }
        daily(period: $period) { day downloads distinctClients }
        package(name: "alpha") {
          downloads(period: $period) { start end downloads distinctClients }
          daily(period: $period) { day downloads distinctClients }
        }
      }
    }"""
    registry = gql(client, query, {"period": period})["data"]["registry"]
    for graph, suffix in ((registry, ""), (registry["package"], "/alpha")):
        point = client.get(f"/api/v1/downloads/point/{period}{suffix}?registry=bioc").json()
        assert graph["downloads"] == {
            "start": point["start"],
            "end": point["end"],
            "downloads": point["downloads"],
            "distinctClients": point["distinct_clients"],
        }
        days = client.get(f"/api/v1/downloads/range/{period}{suffix}?registry=bioc").json()
        assert _series(graph["daily"], "day") == [
            (d["day"], d["downloads"], d["distinct_clients"]) for d in days["downloads"]
        ]
    start, end = (dt.date.fromisoformat(registry["downloads"][k]) for k in ("start", "end"))
    expected = scenario.expected(packages=["alpha"], start=start, end=end)
    assert (
        registry["package"]["downloads"]["downloads"],
        registry["package"]["downloads"]["distinctClients"],
    ) == expected


def test_dates_filter_the_same_as_a_period(client: Client, scenario: Scenario) -> None:
    query = """{ registry(name: "bioc") { package(name: "beta") {
      a: downloads(start: "2023-12-03", end: "2024-01-02") { downloads distinctClients }
      b: downloads(period: "2023-12-03:2024-01-02") { downloads distinctClients }
      monthly(start: "2023-12-15", end: "2024-01-01") { month }
      yearly(startYear: 2024) { year }
    } } }"""
    package = gql(client, query)["data"]["registry"]["package"]
    assert package["a"] == package["b"]
    assert (package["a"]["downloads"], package["a"]["distinctClients"]) == scenario.expected(
        packages=["beta"], start=dt.date(2023, 12, 3), end=dt.date(2024, 1, 2)
    )
    assert [m["month"] for m in package["monthly"]] == ["2023-12", "2024-01"]
    assert [y["year"] for y in package["yearly"]] == [2024]


def test_top_categories_and_package_list_equal_rest(client: Client, scenario: Scenario) -> None:
    query = """{ registry(name: "bioc") {
      name validThrough dataGeneration
      top(period: "last-month", limit: 2) {
        start end packages { rank package category downloads distinctClients }
      }
      software: top(period: "last-year", category: "software") { packages { package downloads } }
      categories {
        name packagesCount downloadsTotal distinctClientsTotal
        monthly { month downloads distinctClients }
      }
      packages(order: SCORE, limit: 10) { name category downloadsTotal downloadScore rank active }
    } }"""
    registry = gql(client, query)["data"]["registry"]
    assert registry["validThrough"] == scenario.registry.valid_through.isoformat()
    top = client.get("/api/v1/top/bioc/last-month?limit=2").json()
    assert (registry["top"]["start"], registry["top"]["end"]) == (top["start"], top["end"])
    assert [
        (p["rank"], p["package"], p["category"], p["downloads"], p["distinctClients"])
        for p in registry["top"]["packages"]
    ] == [
        (p["rank"], p["package"], p["category"], p["downloads"], p["distinct_clients"])
        for p in top["packages"]
    ]
    software = client.get("/api/v1/top/bioc/last-year?category=software").json()
    assert [(p["package"], p["downloads"]) for p in registry["software"]["packages"]] == [
        (p["package"], p["downloads"]) for p in software["packages"]
    ]
    for category in registry["categories"]:
        rest = client.get(f"/api/v1/registries/bioc/categories/{category['name']}").json()
        assert (
            category["packagesCount"],
            category["downloadsTotal"],
            category["distinctClientsTotal"],
        ) == (rest["packages"], rest["downloads_total"], rest["distinct_clients_total"])
        assert _series(category["monthly"], "month") == [
            (m["month"], m["downloads"], m["distinct_clients"]) for m in rest["monthly"]
        ]
    rest_list = client.get("/api/v1/registries/bioc/packages?order=score").json()["items"]
    assert registry["packages"] == [
        {
            "name": r["name"],
            "category": r["category"],
            "downloadsTotal": r["downloads_total"],
            "downloadScore": r["download_score"],
            "rank": r["rank"],
            "active": r["active"],
        }
        for r in rest_list
    ]


def test_registries_and_unknown_names(client: Client, scenario: Scenario) -> None:
    body = gql(client, '{ registries { name } registry(name: "nope") { name } }')
    assert body == {"data": {"registries": [{"name": "bioc"}], "registry": None}}
    body = gql(client, '{ registry(name: "bioc") { package(name: "nope") { name } } }')
    assert body["data"]["registry"]["package"] is None


def test_errors_come_in_graphql_shape(client: Client, scenario: Scenario) -> None:
    body = gql(
        client, '{ registry(name: "bioc") { downloads(period: "yesterday") { downloads } } }'
    )
    assert body["data"] is None or body["data"]["registry"] is None
    [error] = body["errors"]
    assert "Invalid period" in error["message"] and "yesterday" in error["message"]
    assert error["path"] == ["registry", "downloads"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"

    body = gql(client, '{ registry(name: "bioc") { top(category: "nope") { start } } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = gql(client, '{ registry(name: "bioc") { top(limit: 1000) { start } } }')
    assert "limit must be between 1 and 100" in body["errors"][0]["message"]
    body = gql(client, '{ registry(name: "bioc") { nosuchfield } }')
    assert "nosuchfield" in body["errors"][0]["message"]
    assert not body.get("data")


def _nested(depth_limit: int) -> str:
    """registry { package { registry ... { name } } } of that operation depth.

    As graphql-depth-limit counts: the top-level field is depth 0.
    """
    opening, closing, depth = "", "", 0
    while depth < depth_limit:
        field = 'registry(name: "bioc")' if depth == 0 else ("package" if depth % 2 else "registry")
        if field == "package":
            field = 'package(name: "alpha")'
        opening += field + " { "
        closing += "} "
        depth += 1
    return "{ " + opening + "name " + closing + "}"


def test_query_limits(client: Client, scenario: Scenario) -> None:
    assert "errors" not in gql(client, _nested(MAX_DEPTH))
    body = gql(client, _nested(MAX_DEPTH + 1))
    assert "data" not in body or body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]

    aliases = " ".join(f"a{i}: registries {{ name }}" for i in range(MAX_ALIASES + 1))
    body = gql(client, "{ " + aliases + " }")
    assert "aliases" in body["errors"][0]["message"]
    ok = " ".join(f"a{i}: registries {{ name }}" for i in range(MAX_ALIASES))
    assert "errors" not in gql(client, "{ " + ok + " }")

    huge = "{ " + " ".join("registries { name }" for _ in range(MAX_TOKENS // 4)) + " }"
    body = gql(client, huge)
    assert "token" in body["errors"][0]["message"].lower()


def test_get_queries_and_graphiql_without_cdn(client: Client, scenario: Scenario) -> None:
    response = client.get(
        "/graphql", {"query": "{ registries { name } }"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"registries": [{"name": "bioc"}]}}
    assert response.has_header("ETag")
    again = client.get(
        "/graphql",
        {"query": "{ registries { name } }"},
        HTTP_ACCEPT="application/json",
        HTTP_IF_NONE_MATCH=response["ETag"],
    )
    assert again.status_code == 304

    page = client.get("/graphql", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "graphiql" in html.lower()
    assert "unpkg.com" not in html and "cdn" not in html.lower()
    assert "/static/vendor/graphiql/graphiql.min.js" in html


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"null", "JSON object"),
        (b"123", "JSON object"),
        (b'"{ registries { name } }"', "JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"query": "{ registries { name } }\xff"}', "not UTF-8"),
        (b'{"query": "{ registries { name } }", "variables": ' + b"[" * 5000, "nested"),
        (b'{"query": "{ registries { name } }", "variables": {"a": ' + b"1" * 5000 + b"}}", "long"),
        (b"{not json", "Unable to parse"),
        (b'{"query": "{ registries { name } }", "variables": 5}', "variables"),
        (b"[]", "Batching"),
        (b'{"query": null}', "No GraphQL query"),
    ],
)
def test_malformed_requests_are_400_json_with_a_message(
    client: Client, scenario: Scenario, body: bytes, says: str
) -> None:
    """Bodies that are not a GraphQL request: 400 in GraphQL's error shape, never a 500."""
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert says in error["message"], error


def test_malformed_get_variables_and_wrong_methods_are_json(
    client: Client, scenario: Scenario
) -> None:
    deep = '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.get("/graphql", {"query": "{ registries { name } }", "variables": deep})
    assert response.status_code == 400, response.content
    assert "nested" in response.json()["errors"][0]["message"]

    response = client.put("/graphql", "{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()["errors"][0]["message"]

    response = client.post("/graphql", "query=x", content_type="text/plain")
    assert response.status_code == 400
    assert "content type" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query ($name: String!) { registry(name: $name) { name } }", {"name": "bi\x00oc"}),
        (
            'query ($p: String!) { registry(name: "bioc") { package(name: $p) { name } } }',
            {"p": "al\x00pha"},
        ),
        ('{ registry(name: "bi\\u0000oc") { name } }', None),
        ('{ registry(name: "bioc") { top(category: "so\\u{0}ft") { start } } }', None),
    ],
)
def test_a_nul_in_a_string_argument_is_400_not_a_database_error(
    client: Client, scenario: Scenario, query: str, variables: dict | None
) -> None:
    """PostgreSQL refuses NUL in text: a lookup by such a name answered the database's
    message as a GraphQL error."""
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "The request contains a NUL character"}]}


def test_a_database_failure_is_masked(
    client: Client, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's own message (SQL, server details) never reaches the client."""

    def failing(*args: object, **kwargs: object) -> None:
        raise OperationalError('relation "stats_registry" is locked by pid 4242')

    monkeypatch.setattr(graphql_schema, "resolve_registry", failing)
    body = gql(client, '{ registry(name: "bioc") { name } }')
    assert body["data"] is None or body["data"]["registry"] is None
    assert [e["message"] for e in body["errors"]] == ["Internal error"]


@pytest.mark.parametrize(
    "query",
    [
        "{}",
        "query { }",
        '{ registry(name: "bioc") { } }',
        "query A { registries { name } } query B { }",
        "{ ...F } fragment F on Query { }",
    ],
)
def test_an_empty_selection_set_is_a_syntax_error(
    client: Client, scenario: Scenario, query: str
) -> None:
    """graphql-core 3.3 parses ``{}``; strawberry's depth limiter then failed on it and
    answered Python's own message, 'max() arg is an empty sequence'."""
    for response in (
        client.post("/graphql", json.dumps({"query": query}), content_type="application/json"),
        client.get("/graphql", {"query": query}, HTTP_ACCEPT="application/json"),
    ):
        assert response.status_code < 500
        [error] = response.json()["errors"]
        assert error["message"].startswith("Syntax Error: Expected Name, found '}'"), error


def test_download_counts_beyond_32_bits_are_answered(client: Client, scenario: Scenario) -> None:
    """GraphQL's Int is 32-bit: an all-time total past 2**31 failed the whole field."""
    Package.objects.filter(registry=scenario.registry, name="alpha").update(downloads_total=2**33)
    body = gql(client, '{ registry(name: "bioc") { packages(limit: 1) { name downloadsTotal } } }')
    assert "errors" not in body, body
    assert body["data"]["registry"]["packages"] == [{"name": "alpha", "downloadsTotal": 2**33}]
