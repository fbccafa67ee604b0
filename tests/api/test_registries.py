"""/registries, packages (list and detail) and categories."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

import pytest
from django.test import Client

from stats.services.aggregation import refresh_registry_stats
from tests.factories import PackageFactory, RegistryFactory
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario(start=dt.date(2023, 11, 25), end=dt.date(2024, 1, 10))
    refresh_registry_stats(registry=built.registry)
    return built


def _month_range(text: str) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(text + "-01")
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def _csv_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_registries(client: Client, scenario: Scenario) -> None:
    RegistryFactory(name="hidden", is_public=False)
    body = client.get("/api/v1/registries").json()
    assert [r["name"] for r in body] == ["bioc"]
    assert body[0]["packages"] == 3
    assert body[0]["categories"] == ["annotation", "software"]
    assert body[0]["valid_through"] == "2024-01-09"
    assert body[0]["data_generation"] == 1


def test_package_detail_series_equal_the_facts(client: Client, scenario: Scenario) -> None:
    body = client.get("/api/v1/registries/bioc/packages/alpha").json()
    assert body["name"] == "alpha"
    assert body["category"] == "software"
    assert [m["month"] for m in body["monthly"]] == ["2023-11", "2023-12", "2024-01"]
    for month in body["monthly"]:
        start, end = _month_range(month["month"])
        expected = scenario.expected(packages=["alpha"], start=start, end=end)
        assert (month["downloads"], month["distinct_clients"]) == expected
    for year in body["yearly"]:
        start, end = dt.date(year["year"], 1, 1), dt.date(year["year"], 12, 31)
        expected = scenario.expected(packages=["alpha"], start=start, end=end)
        assert (year["downloads"], year["distinct_clients"]) == expected
    assert (body["downloads_total"], body["distinct_clients_total"]) == scenario.expected(
        packages=["alpha"]
    )
    versions = defaultdict(int)
    for fact in scenario.facts:
        if fact.package == "alpha":
            for version, count in fact.versions.items():
                versions[version] += count
    assert {v["version"]: v["downloads"] for v in body["versions"]} == dict(versions)
    assert body["rank"] in (1, 2, 3)

    rows = _csv_rows(client.get("/api/v1/registries/bioc/packages/alpha?format=csv"))
    assert [(r["period"], int(r["downloads"]), int(r["distinct_clients"])) for r in rows] == [
        (m["month"], m["downloads"], m["distinct_clients"]) for m in body["monthly"]
    ] + [(str(y["year"]), y["downloads"], y["distinct_clients"]) for y in body["yearly"]]


def test_category_detail_is_a_union(client: Client, scenario: Scenario) -> None:
    body = client.get("/api/v1/registries/bioc/categories/software").json()
    assert body["packages"] == 2
    assert (body["downloads_total"], body["distinct_clients_total"]) == scenario.expected(
        category="software"
    )
    for month in body["monthly"]:
        start, end = _month_range(month["month"])
        expected = scenario.expected(category="software", start=start, end=end)
        assert (month["downloads"], month["distinct_clients"]) == expected
    separate = sum(scenario.expected(packages=[p])[1] for p in ("alpha", "beta"))
    assert body["distinct_clients_total"] < separate

    response = client.get("/api/v1/registries/bioc/categories/software", HTTP_ACCEPT="text/csv")
    rows = _csv_rows(response)
    assert [int(r["downloads"]) for r in rows] == [m["downloads"] for m in body["monthly"]] + [
        y["downloads"] for y in body["yearly"]
    ]


def test_unknown_names_are_404_json(client: Client, scenario: Scenario) -> None:
    for url, message in [
        ("/api/v1/registries/bioc/packages/nope", "Unknown package 'nope'"),
        ("/api/v1/registries/bioc/categories/nope", "Unknown category 'nope'"),
        ("/api/v1/registries/nope/packages/alpha", "Unknown registry 'nope'"),
        ("/api/v1/registries/nope/packages", "Unknown registry 'nope'"),
        ("/api/v1/registries/bioc/packages?category=nope", "Unknown category 'nope'"),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert message in response.json()["message"]


def test_package_list_pages_filters_and_orders(client: Client, scenario: Scenario) -> None:
    body = client.get("/api/v1/registries/bioc/packages?order=downloads").json()
    assert body["count"] == 3
    totals = {p: scenario.expected(packages=[p])[0] for p in scenario.packages}
    assert [p["name"] for p in body["items"]] == sorted(totals, key=lambda p: (-totals[p], p))
    assert {p["name"]: p["downloads_total"] for p in body["items"]} == totals
    assert {p["name"]: p["category"] for p in body["items"]} == {
        "alpha": "software",
        "beta": "software",
        "gamma": "annotation",
    }

    by_score = client.get("/api/v1/registries/bioc/packages?order=score").json()["items"]
    assert [p["rank"] for p in by_score] == [1, 2, 3]

    page = client.get("/api/v1/registries/bioc/packages?order=name&page=2&page_size=2").json()
    assert page["count"] == 3
    assert [p["name"] for p in page["items"]] == ["gamma"]

    filtered = client.get("/api/v1/registries/bioc/packages?category=software&q=ET").json()
    assert [p["name"] for p in filtered["items"]] == ["beta"]


def test_package_detail_reads_the_registry_once(
    client: Client, scenario: Scenario, django_assert_num_queries
) -> None:
    # registry (cache key and view), package with category, months, years, versions
    with django_assert_num_queries(5):
        body = client.get("/api/v1/registries/bioc/packages/alpha?fresh=1").json()
    assert body["name"] == "alpha" and body["monthly"]
    with django_assert_num_queries(1):  # a cache hit: the registry's generation only
        assert client.get("/api/v1/registries/bioc/packages/alpha?fresh=1").json() == body


@pytest.mark.parametrize("packages", [3, 60])
def test_package_list_query_count_is_constant(
    client: Client, django_assert_max_num_queries, packages: int
) -> None:
    registry = RegistryFactory(name="many")
    for i in range(packages):
        PackageFactory(registry=registry, name=f"pkg{i:03d}", downloads_total=i)
    # The registry row (read once, for the cache key and the view), then the list.
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/registries/many/packages?page_size=100").json()
    assert body["count"] == packages
    assert body["items"][0]["name"] == f"pkg{packages - 1:03d}"
