"""/api/v1/community/{registry}/...: repositories (paginated), series, summary, uptime."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from stats.models import CommunityMetric, Repository, RepositoryDay, UptimeCheck
from stats.services.community import collect_registry_community
from tests.community.conftest import serve_github_org
from tests.community.replay import ReplayServer

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 14)


@pytest.fixture
def collected(nfcore, community_settings, server: ReplayServer):
    serve_github_org(server)
    collect_registry_community(registry=nfcore, names=["github"], day=DAY)
    return nfcore


def test_repositories_paginated_with_latest_numbers(client: Client, collected, settings) -> None:
    body = client.get("/api/v1/community/nf-core/repositories").json()
    assert body["count"] == 3
    rows = {r["name"]: r for r in body["items"]}
    assert rows["airrflow"]["stars"] == 40
    assert rows["airrflow"]["watchers"] == 122
    assert rows["airrflow"]["releases"] == 2
    assert rows["tools"]["kind"] == "core"
    pipelines = client.get("/api/v1/community/nf-core/repositories?kind=pipeline").json()
    assert [r["name"] for r in pipelines["items"]] == ["airrflow", "rnaseq"]
    # A newer day wins over an older one.
    RepositoryDay.objects.create(
        repository=Repository.objects.get(name="tools"), day=DAY + dt.timedelta(days=1), stars=261
    )
    rows = {
        r["name"]: r for r in client.get("/api/v1/community/nf-core/repositories").json()["items"]
    }
    assert rows["tools"]["stars"] == 261


def test_repository_series_has_traffic_and_issue_days(client: Client, collected) -> None:
    body = client.get(
        "/api/v1/community/nf-core/repositories/airrflow?start=2024-03-01&end=2024-03-14"
    ).json()
    assert body["kind"] == "pipeline"
    assert sorted(body["releases"]) == ["1.0.0", "3.2.0"]
    days = {d["day"]: d for d in body["series"]}
    assert len(days) == 14
    assert days["2024-03-01"]["views"] == 120
    assert days["2024-03-01"]["issues_opened"] == 1  # 301
    assert days["2024-03-02"]["issues_opened"] == 1 and days["2024-03-02"]["prs_opened"] == 1
    assert days["2024-03-02"]["prs_closed_on_day"] == 1  # 303 closed the same day
    assert days["2024-03-14"]["stars"] == 40
    assert days["2024-03-14"]["median_issue_response_seconds"] == 7200
    assert client.get("/api/v1/community/nf-core/repositories/nope").status_code == 404
    bad = client.get(
        "/api/v1/community/nf-core/repositories/airrflow?start=2024-03-10&end=2024-03-01"
    )
    assert bad.status_code == 400


def test_summary_and_metric_series(client: Client, collected) -> None:
    body = client.get("/api/v1/community/nf-core/summary").json()
    assert body["repositories"] == 3
    assert body["kinds"] == {"pipeline": 2, "core": 1}
    assert body["totals"]["stars"] == 40 + 900 + 260
    assert body["metrics"]["github_members"]["value"] == 5
    CommunityMetric.objects.create(
        registry=collected, name="github_members", day=DAY - dt.timedelta(days=1), value=4
    )
    series = client.get("/api/v1/community/nf-core/metrics/github_members").json()
    assert series == [{"day": "2024-03-13", "value": 4}, {"day": "2024-03-14", "value": 5}]
    assert client.get("/api/v1/community/nf-core/metrics/not_a_metric").status_code in (400, 422)


def test_uptime_percentages_per_day_and_period(client: Client, nfcore) -> None:
    def check(day: int, hour: int, up: bool, url: str = "https://nf-co.re") -> UptimeCheck:
        return UptimeCheck(
            registry=nfcore,
            url=url,
            checked_at=dt.datetime(2024, 3, day, hour, tzinfo=dt.UTC),
            status_code=200 if up else 503,
            latency_ms=80 if up else None,
            available=up,
        )

    UptimeCheck.objects.bulk_create(
        [check(1, h, True) for h in range(4)]
        + [check(2, 0, True), check(2, 1, False), check(2, 2, True), check(2, 3, False)]
        + [check(2, 5, True, "https://nf-co.re/docs")]
    )
    body = client.get("/api/v1/community/nf-core/uptime").json()
    days = {(d["url"], d["day"]): d for d in body["days"]}
    assert days[("https://nf-co.re", "2024-03-01")]["uptime_percent"] == 100.0
    assert days[("https://nf-co.re", "2024-03-02")]["uptime_percent"] == 50.0
    urls = {u["url"]: u for u in body["urls"]}
    assert urls["https://nf-co.re"]["checks"] == 8
    assert urls["https://nf-co.re"]["uptime_percent"] == 75.0
    assert urls["https://nf-co.re"]["last_available"] is False
    one_day = client.get("/api/v1/community/nf-core/uptime?start=2024-03-02&end=2024-03-02").json()
    assert {u["url"]: u["uptime_percent"] for u in one_day["urls"]} == {
        "https://nf-co.re": 50.0,
        "https://nf-co.re/docs": 100.0,
    }


def test_uptime_days_are_the_registry_timezone(client: Client, nfcore) -> None:
    nfcore.timezone = "America/New_York"
    nfcore.save(update_fields=["timezone"])
    UptimeCheck.objects.create(
        registry=nfcore,
        url="https://nf-co.re",
        checked_at=dt.datetime(2024, 3, 2, 3, tzinfo=dt.UTC),  # 22:00 on 1 March in New York
        status_code=200,
        latency_ms=50,
        available=True,
    )
    body = client.get("/api/v1/community/nf-core/uptime").json()
    assert [d["day"] for d in body["days"]] == ["2024-03-01"]


def test_private_registry_is_not_served(client: Client, nfcore) -> None:
    nfcore.is_public = False
    nfcore.save(update_fields=["is_public"])
    assert client.get("/api/v1/community/nf-core/repositories").status_code == 404
    assert client.get("/api/v1/community/nf-core/uptime").status_code == 404


def test_a_huge_page_number_is_422_not_an_offset_overflow(client: Client, nfcore) -> None:
    Repository.objects.create(registry=nfcore, name="rnaseq", kind="pipeline")
    response = client.get("/api/v1/community/nf-core/repositories?page=99999999999999999999999")
    assert response.status_code == 422, response.content
    assert response.json()["message"].startswith("Invalid request: query.page")
