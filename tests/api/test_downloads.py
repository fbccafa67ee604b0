"""/downloads/point and /downloads/range: numbers equal those computed from the facts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from stats.models import Registry
from stats.services.aggregation import refresh_registry_stats
from tests.factories import RegistryFactory
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db

VT = dt.date(2024, 2, 9)  # the day before the newest line (2024-02-10 23:59)


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario()
    refresh_registry_stats(registry=built.registry)
    assert Registry.objects.get(pk=built.registry.pk).valid_through == VT
    return built


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


POINT_CASES = [
    ("last-day", VT, VT),
    ("last-week", VT - dt.timedelta(days=6), VT),
    ("last-month", VT - dt.timedelta(days=29), VT),
    ("last-year", VT - dt.timedelta(days=364), VT),
    ("2024-01-01", dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
    # a whole year, a whole month and days
    ("2023-01-01:2024-02-05", dt.date(2023, 1, 1), dt.date(2024, 2, 5)),
    ("2023-12-25:2024-02-05", dt.date(2023, 12, 25), dt.date(2024, 2, 5)),
]


def test_point_of_a_package(client: Client, scenario: Scenario) -> None:
    for period, start, end in POINT_CASES:
        body = client.get(f"/api/v1/downloads/point/{period}/alpha?registry=bioc").json()
        downloads, distinct = scenario.expected(packages=["alpha"], start=start, end=end)
        assert body == {
            "downloads": downloads,
            "distinct_clients": distinct,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "package": "alpha",
            "registry": "bioc",
        }, period
        if start != end:
            assert downloads > 0


def test_point_of_the_registry_is_a_union(client: Client, scenario: Scenario) -> None:
    body = client.get("/api/v1/downloads/point/last-month?registry=bioc").json()
    start = VT - dt.timedelta(days=29)
    downloads, distinct = scenario.expected(start=start, end=VT)
    assert (body["downloads"], body["distinct_clients"]) == (downloads, distinct)
    per_package = sum(
        scenario.expected(packages=[p], start=start, end=VT)[1] for p in scenario.packages
    )
    assert distinct < per_package
    assert body["package"] is None


def test_bulk_point_maps_names_and_unknown_to_null(client: Client, scenario: Scenario) -> None:
    response = client.get(
        "/api/v1/downloads/point/2024-01-01:2024-01-31/gamma,alpha,nope?registry=bioc"
    )
    body = response.json()
    assert list(body) == ["gamma", "alpha", "nope"]
    assert body["nope"] is None
    for name in ("gamma", "alpha"):
        expected = scenario.expected(
            packages=[name], start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31)
        )
        assert (body[name]["downloads"], body[name]["distinct_clients"]) == expected

    rows = _csv(
        client.get(
            "/api/v1/downloads/point/2024-01-01:2024-01-31/gamma,alpha,nope?registry=bioc&format=csv"
        )
    )
    assert [r["package"] for r in rows] == ["gamma", "alpha", "nope"]
    for row in rows[:2]:
        assert int(row["downloads"]) == body[row["package"]]["downloads"]
        assert int(row["distinct_clients"]) == body[row["package"]]["distinct_clients"]
    assert rows[2]["downloads"] == ""


def test_range_of_a_package_has_every_day(client: Client, scenario: Scenario) -> None:
    body = client.get("/api/v1/downloads/range/2024-02-05:2024-02-20/beta?registry=bioc").json()
    days = body["downloads"]
    assert [d["day"] for d in days] == [
        (dt.date(2024, 2, 5) + dt.timedelta(days=i)).isoformat() for i in range(16)
    ]
    for entry in days:
        day = _day(entry["day"])
        expected = scenario.expected(packages=["beta"], start=day, end=day)
        assert (entry["downloads"], entry["distinct_clients"]) == expected
    assert days[-1]["downloads"] == 0  # after the last fact

    response = client.get(
        "/api/v1/downloads/range/2024-02-05:2024-02-20/beta?registry=bioc",
        HTTP_ACCEPT="text/csv",
    )
    assert "Accept" in response["Vary"]
    rows = _csv(response)
    assert [(r["day"], int(r["downloads"]), int(r["distinct_clients"])) for r in rows] == [
        (d["day"], d["downloads"], d["distinct_clients"]) for d in days
    ]


def test_range_of_the_registry_unions_categories_per_day(
    client: Client, scenario: Scenario
) -> None:
    body = client.get("/api/v1/downloads/range/last-week?registry=bioc").json()
    assert len(body["downloads"]) == 7
    for entry in body["downloads"]:
        day = _day(entry["day"])
        assert (entry["downloads"], entry["distinct_clients"]) == scenario.expected(
            start=day, end=day
        )


def test_bulk_range(client: Client, scenario: Scenario) -> None:
    body = client.get("/api/v1/downloads/range/last-week/alpha,nope?registry=bioc").json()
    assert body["nope"] is None
    assert (
        sum(d["downloads"] for d in body["alpha"]["downloads"])
        == scenario.expected(packages=["alpha"], start=VT - dt.timedelta(days=6), end=VT)[0]
    )
    too_long = client.get("/api/v1/downloads/range/2020-01-01:2024-01-01/alpha,beta?registry=bioc")
    assert too_long.status_code == 400
    assert "at most 550 days" in too_long.json()["message"]


def test_errors_are_json_with_a_message(client: Client, scenario: Scenario, settings) -> None:
    cases = [
        ("/api/v1/downloads/point/last-week/nope?registry=bioc", 404, "Unknown package 'nope'"),
        ("/api/v1/downloads/range/last-week/nope?registry=bioc", 404, "Unknown package 'nope'"),
        ("/api/v1/downloads/point/last-week/alpha?registry=nope", 404, "Unknown registry 'nope'"),
        ("/api/v1/downloads/point/last-fortnight/alpha?registry=bioc", 400, "last-fortnight"),
        (
            "/api/v1/downloads/point/2024-02-30/alpha?registry=bioc",
            400,
            "'2024-02-30' is not a date",
        ),
        (
            "/api/v1/downloads/range/2024-02-01:2024-01-01?registry=bioc",
            400,
            "start date 2024-02-01 is after end date 2024-01-01",
        ),
        ("/api/v1/downloads/point/last-week/a,b,c?registry=bioc", 400, "at most 2"),
    ]
    settings.STATS = settings.STATS.model_copy(
        update={"api": settings.STATS.api.model_copy(update={"max_bulk_packages": 2})}
    )
    for url, status, message in cases:
        response = client.get(url)
        assert response.status_code == status, url
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert message in response.json()["message"], url


def test_registry_parameter_is_needed_only_when_ambiguous(
    client: Client, scenario: Scenario
) -> None:
    assert client.get("/api/v1/downloads/point/last-day/alpha").status_code == 200
    RegistryFactory(name="hidden", is_public=False)
    assert client.get("/api/v1/downloads/point/last-day/alpha").status_code == 200
    RegistryFactory(name="other")
    response = client.get("/api/v1/downloads/point/last-day/alpha")
    assert response.status_code == 400
    assert "registry parameter is required" in response.json()["message"]
    assert "bioc, other" in response.json()["message"]
    hidden = client.get("/api/v1/downloads/point/last-day/alpha?registry=hidden")
    assert hidden.status_code == 404


def test_relative_period_on_a_registry_without_data(client: Client) -> None:
    RegistryFactory(name="empty")
    response = client.get("/api/v1/downloads/point/last-week?registry=empty")
    assert response.status_code == 400
    assert "no downloads have been counted yet" in response.json()["message"]
    fixed = client.get("/api/v1/downloads/point/2024-01-01?registry=empty").json()
    assert (fixed["downloads"], fixed["distinct_clients"]) == (0, 0)
