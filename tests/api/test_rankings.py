"""/top and /trending."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from stats import bitmaps
from stats.services.aggregation import refresh_registry_stats
from stats.services.bulk import insert_facts
from tests.factories import LogSegmentFactory, RegistryFactory
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db

VT = dt.date(2024, 6, 30)


def test_top_orders_by_downloads_with_distinct_clients(client: Client) -> None:
    scenario = build_scenario(start=dt.date(2024, 1, 20), end=dt.date(2024, 2, 10))
    refresh_registry_stats(registry=scenario.registry)
    start, end = dt.date(2024, 1, 11), dt.date(2024, 2, 9)  # last-month
    body = client.get("/api/v1/top/bioc/last-month?limit=2").json()
    assert (body["start"], body["end"]) == (start.isoformat(), end.isoformat())
    expected = {p: scenario.expected(packages=[p], start=start, end=end) for p in scenario.packages}
    order = sorted(expected, key=lambda p: (-expected[p][0], p))
    assert [r["package"] for r in body["packages"]] == order[:2]
    for row in body["packages"]:
        assert (row["downloads"], row["distinct_clients"]) == expected[row["package"]]
    assert [r["rank"] for r in body["packages"]] == [1, 2]

    annotation = client.get("/api/v1/top/bioc/last-month?category=annotation").json()
    assert [r["package"] for r in annotation["packages"]] == ["gamma"]

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/top/bioc/last-month?limit=2&format=csv").content.decode()
            )
        )
    )
    assert [(r["package"], int(r["downloads"]), int(r["distinct_clients"])) for r in rows] == [
        (r["package"], r["downloads"], r["distinct_clients"]) for r in body["packages"]
    ]
    assert client.get("/api/v1/top/bioc/nonsense").status_code == 400
    assert client.get("/api/v1/top/bioc/last-month?category=nope").status_code == 404


def _daily(scenario: Scenario, package: str, first: dt.date, last: dt.date, per_day: int) -> None:
    segment = scenario.segments[0]
    day = first
    rows = []
    while day <= last:
        rows.append(
            (
                segment.pk,
                scenario.packages[package].pk,
                day,
                per_day,
                0,
                bitmaps.to_bytes(range(per_day)),
                {},
            )
        )
        day += dt.timedelta(days=1)
    insert_facts(rows)


def test_trending_compares_last_week_with_the_24_weeks_before(client: Client) -> None:
    scenario = Scenario(registry=RegistryFactory(name="trend"))
    for name in ("steady", "rising", "tiny", "newcomer", "faster"):
        scenario.add_package(name, "software")
    scenario.segments.append(
        LogSegmentFactory(
            registry=scenario.registry,
            last_line_at=dt.datetime.combine(VT + dt.timedelta(days=1), dt.time(6), dt.UTC),
        )
    )
    week_start = VT - dt.timedelta(days=6)
    baseline_start = week_start - dt.timedelta(days=168)
    before_week = week_start - dt.timedelta(days=1)
    _daily(scenario, "steady", baseline_start, VT, 20)
    _daily(scenario, "rising", baseline_start, before_week, 10)
    _daily(scenario, "rising", week_start, VT, 50)
    _daily(scenario, "faster", baseline_start, before_week, 10)
    _daily(scenario, "faster", week_start, VT, 80)
    _daily(scenario, "tiny", baseline_start, before_week, 1)
    _daily(scenario, "tiny", week_start, VT, 5)
    _daily(scenario, "newcomer", week_start, VT, 40)
    # Outside both windows: must not count.
    _daily(
        scenario,
        "steady",
        baseline_start - dt.timedelta(days=30),
        baseline_start - dt.timedelta(days=1),
        99,
    )
    refresh_registry_stats(registry=scenario.registry)

    body = client.get("/api/v1/trending/trend").json()
    assert body["last_week_end"] == VT.isoformat()
    assert body["last_week_start"] == week_start.isoformat()
    assert body["baseline_start"] == baseline_start.isoformat()
    assert body["baseline_end"] == before_week.isoformat()
    assert [(r["package"], r["increase"]) for r in body["packages"]] == [
        ("faster", 8.0),
        ("rising", 5.0),
        ("steady", 1.0),
    ]
    assert body["packages"][1]["last_week_daily_average"] == 50.0
    assert body["packages"][1]["baseline_daily_average"] == 10.0

    everyone = client.get("/api/v1/trending/trend?min_weekly_downloads=0&limit=10").json()
    assert [r["package"] for r in everyone["packages"]] == ["faster", "rising", "tiny", "steady"]
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/trending/trend?format=csv").content.decode())
        )
    )
    assert [(r["package"], float(r["increase"])) for r in rows] == [
        ("faster", 8.0),
        ("rising", 5.0),
        ("steady", 1.0),
    ]


def test_trending_without_data_is_400(client: Client) -> None:
    RegistryFactory(name="empty")
    response = client.get("/api/v1/trending/empty")
    assert response.status_code == 400
    assert "no downloads have been counted yet" in response.json()["message"]
