"""The community page: its numbers are /api/v1/community/'s, it is cached and access-checked.

``build_community`` is also the data of the GraphQL and browser tests of the community.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from stats.models import Registry
from stats.selectors.community import contributor_weeks, organisation_series
from stats.services.legacy_import import SeriesKind, series_import, stats_import
from tests.factories import (
    CommunityMetricFactory,
    CommunitySourceFactory,
    ContributorFactory,
    ContributorWeekFactory,
    MembershipFactory,
    OrganisationFactory,
    RegistryFactory,
    RepositoryDayFactory,
    RepositoryFactory,
    RepositoryIssueFactory,
    UptimeCheckFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FIRST_DAY = dt.date(2024, 3, 1)
LAST_DAY = dt.date(2024, 3, 20)
PAGE = "/r/nf-core/packages/stats/community/"


@dataclass
class Community:
    registry: Registry
    now: dt.datetime


def build_community(name: str = "nf-core") -> Community:
    """Three repositories with gaps in their days, contributors, metrics, uptime, issues."""
    registry = RegistryFactory(name=name, title="nf-core", timezone="Europe/Amsterdam")
    CommunitySourceFactory(registry=registry)
    rnaseq = RepositoryFactory(
        registry=registry,
        name="rnaseq",
        kind="pipeline",
        description="RNA sequencing analysis pipeline",
        html_url="https://github.com/nf-core/rnaseq",
    )
    sarek = RepositoryFactory(registry=registry, name="sarek", kind="pipeline")
    tools = RepositoryFactory(registry=registry, name="tools", kind="core")
    RepositoryFactory(registry=registry, name="oldpipe", kind="pipeline", archived=True)
    for i in range(20):
        RepositoryDayFactory(
            repository=rnaseq,
            day=FIRST_DAY + dt.timedelta(days=i),
            stars=900 + i,
            forks=700 + i // 2,
            watchers=200,
            open_issues=120 - i % 3,
            releases=31,
            views=100 + i,
            unique_visitors=30 + i,
            clones=20 + i,
            unique_cloners=5 + i % 3,
        )
    RepositoryDayFactory(repository=sarek, day=dt.date(2024, 3, 5), stars=400, forks=300)
    RepositoryDayFactory(
        repository=sarek,
        day=dt.date(2024, 3, 10),
        stars=410,
        forks=None,
        watchers=None,
        views=50,
        unique_visitors=10,
    )
    RepositoryDayFactory(repository=tools, day=FIRST_DAY, stars=260, forks=90, releases=12)
    RepositoryDayFactory(repository=tools, day=LAST_DAY, stars=261, forks=91, releases=13)

    alice = ContributorFactory(repository=rnaseq, login="alice", commits=4)
    bob = ContributorFactory(repository=rnaseq, login="bob", commits=2)
    alice_tools = ContributorFactory(repository=tools, login="alice", commits=5)
    carol = ContributorFactory(repository=sarek, login="carol", commits=0)
    ContributorWeekFactory(contributor=alice, week=dt.date(2024, 2, 25), commits=3)
    ContributorWeekFactory(contributor=alice, week=dt.date(2024, 3, 3), commits=1)
    ContributorWeekFactory(contributor=bob, week=dt.date(2024, 3, 10), commits=2)
    ContributorWeekFactory(contributor=alice_tools, week=dt.date(2024, 3, 10), commits=5)
    ContributorWeekFactory(contributor=carol, week=dt.date(2024, 3, 10), commits=0)

    for metric, day, value in (
        ("github_members", dt.date(2024, 3, 19), 95),
        ("github_members", LAST_DAY, 100),
        ("slack_users_total", LAST_DAY, 3000),
        ("slack_users_active", LAST_DAY, 900),
        ("slack_users_inactive", LAST_DAY, 2100),
        ("youtube_subscribers", LAST_DAY, 5000),
        ("twitter_followers", dt.date(2024, 3, 18), 4000),
    ):
        CommunityMetricFactory(registry=registry, name=metric, day=day, value=value)

    now = timezone.now()
    for url, hours_ago, available in (
        ("https://nf-co.re", 0.1, True),
        ("https://nf-co.re", 0.2, False),
        ("https://nf-co.re", 72, True),
        ("https://nf-co.re", 20 * 24, True),
        ("https://nf-co.re", 100 * 24, False),
        ("https://nf-co.re/docs", 0.1, True),
    ):
        UptimeCheckFactory(
            registry=registry,
            url=url,
            checked_at=now - dt.timedelta(hours=hours_ago),
            available=available,
            status_code=200 if available else 503,
        )
    RepositoryIssueFactory(
        repository=rnaseq,
        number=1,
        created_at=now - dt.timedelta(days=3),
        closed_at=now - dt.timedelta(days=1),
        first_response_at=now - dt.timedelta(days=3) + dt.timedelta(hours=2),
    )
    RepositoryIssueFactory(
        repository=rnaseq, number=2, kind="pr", created_at=now - dt.timedelta(days=2)
    )
    return Community(registry=registry, now=now)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def community() -> Community:
    return build_community()


def chart(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html)
    assert match, chart_id
    return json.loads(match.group(1))


def _number(text: str) -> int | None:
    text = text.strip()
    return None if text == "—" else int(text.replace(",", ""))


def rest_daily_sums(client: Client, registry: str) -> dict[str, dict[str, int | None]]:
    """Per day, from the REST per-repository series: each repository's latest stars and forks
    on or before the day, summed; views, clones and their uniques summed over the day."""
    names = [
        r["name"]
        for r in client.get(f"/api/v1/community/{registry}/repositories?page_size=100").json()[
            "items"
        ]
    ]
    series = {
        name: client.get(f"/api/v1/community/{registry}/repositories/{name}").json()["series"]
        for name in names
    }
    measured = ("stars", "forks", "watchers", "views", "unique_visitors", "clones")
    days = sorted(  # days with issue counts only are not repository days
        {d["day"] for rows in series.values() for d in rows if any(d[f] for f in measured)}
    )
    first, last = dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])
    sums: dict[str, dict[str, int | None]] = {}
    day = first
    while day <= last:
        key = day.isoformat()
        row: dict[str, int | None] = {}
        for field in ("stars", "forks"):
            latest = [
                next(
                    (d[field] for d in reversed(rows) if d["day"] <= key and d[field] is not None),
                    None,
                )
                for rows in series.values()
            ]
            known = [v for v in latest if v is not None]
            row[field] = sum(known) if known else None
        for field in ("views", "unique_visitors", "clones", "unique_cloners"):
            values = [d[field] for rows in series.values() for d in rows if d["day"] == key]
            known = [v for v in values if v is not None]
            row[field] = sum(known) if known else None
        sums[key] = row
        day += dt.timedelta(days=1)
    return sums


def test_charts_and_tables_equal_the_rest_series(client: Client, community: Community) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    expected = rest_daily_sums(client, "nf-core")
    assert list(expected) == [(FIRST_DAY + dt.timedelta(days=i)).isoformat() for i in range(20)]
    stars = chart(html, "stars-chart")
    assert stars["labels"] == list(expected)
    assert stars["datasets"][0]["data"] == [row["stars"] for row in expected.values()]
    # 1 March: rnaseq 900 + tools 260; 5 March: sarek's 400 joins; 20 March: every latest.
    assert stars["datasets"][0]["data"][0] == 1160
    assert stars["datasets"][0]["data"][4] == 904 + 400 + 260
    assert stars["datasets"][0]["data"][-1] == 919 + 410 + 261
    forks = chart(html, "forks-chart")
    assert forks["datasets"][0]["data"] == [row["forks"] for row in expected.values()]
    assert forks["datasets"][0]["data"][9] == 704 + 300 + 90  # sarek's empty fork count kept
    traffic = chart(html, "traffic-chart")
    assert [d["label"] for d in traffic["datasets"]] == [
        "Views",
        "Unique visitors",
        "Clones",
        "Unique cloners",
    ]
    for dataset, field in zip(
        traffic["datasets"], ("views", "unique_visitors", "clones", "unique_cloners"), strict=True
    ):
        assert dataset["data"] == [row[field] for row in expected.values()], field
    assert traffic["datasets"][0]["data"][9] == 109 + 50
    # The table fallback holds the same numbers, day by day.
    table = {
        day: [_number(c) for c in cells]
        for day, cells in (
            (m.group(1), re.findall(r'<td class="text-end">([^<]+)</td>', m.group(2)))
            for m in re.finditer(r'<tr data-day="([\d-]+)">(.*?)</tr>', html)
        )
    }
    assert table == {
        day: [
            row[f]
            for f in ("stars", "forks", "views", "unique_visitors", "clones", "unique_cloners")
        ]
        for day, row in expected.items()
    }
    for chart_id in ("stars-chart", "forks-chart", "traffic-chart", "contributors-chart"):
        assert re.search(rf'<canvas id="{chart_id}" [^>]*role="img" aria-label="[^"]+"', html)
    # Summed latest stars on the last day are the summary's total.
    summary = client.get("/api/v1/community/nf-core/summary").json()
    assert stars["datasets"][0]["data"][-1] == summary["totals"]["stars"]


def test_summary_repositories_and_metrics_equal_rest(client: Client, community: Community) -> None:
    html = client.get(PAGE).content.decode()
    summary = client.get("/api/v1/community/nf-core/summary").json()

    def shown(attribute: str, name: str) -> int | None:
        match = re.search(rf'data-{attribute}="{name}">([^<]+)<', html)
        assert match, name
        return _number(match.group(1))

    assert shown("summary", "repositories") == summary["repositories"] == 4
    assert shown("summary", "pipelines") == summary["kinds"]["pipeline"] == 3
    assert shown("summary", "core") == summary["kinds"]["core"] == 1
    assert shown("summary", "stars") == summary["totals"]["stars"]
    assert shown("summary", "forks") == summary["totals"]["forks"] == 709 + 300 + 91
    for name, value in summary["metrics"].items():
        assert shown("metric", name) == value["value"], name
    assert shown("metric", "github_members") == 100
    assert "X followers" in html and "YouTube subscribers" in html
    assert shown("summary", "contributors") == 2  # alice and bob; carol made no commit

    rest = client.get("/api/v1/community/nf-core/repositories?page_size=100").json()["items"]
    for kind in ("pipeline", "core"):
        section = re.search(rf'id="repositories-{kind}">(.*?)</table>', html, re.S).group(1)
        rows = {
            m.group(1): [
                _number(c) for c in re.findall(r'<td class="text-end">([^<]+)</td>', m.group(2))
            ]
            for m in re.finditer(r'<tr data-repository="([^"]+)">(.*?)</tr>', section, re.S)
        }
        assert rows == {
            r["name"]: [r["stars"], r["forks"], r["watchers"], r["open_issues"], r["releases"]]
            for r in rest
            if r["kind"] == kind
        }
    assert 'href="https://github.com/nf-core/rnaseq"' in html
    recent = re.search(r'<tr data-recent="issues">(.*?)</tr>', html).group(1)
    cells = re.findall(r'<td class="text-end">([^<]+)</td>', recent)
    assert (
        [_number(c) for c in cells[:3]]
        == [
            summary["recent"]["issues_opened"],
            summary["recent"]["issues_closed"],
            summary["recent"]["issues_open"],
        ]
        == [1, 1, 0]
    )
    assert cells[4] == "2.0 h"  # answered two hours after it was opened


def test_uptime_equals_rest_for_each_period(client: Client, community: Community) -> None:
    html = client.get(PAGE).content.decode()
    today = dt.datetime.now(tz=ZoneInfo("Europe/Amsterdam")).date()
    shown = {
        (url, int(days)): text.strip()
        for url, row in re.findall(r'<tr data-url="([^"]+)">(.*?)</tr>', html, re.S)
        for days, text in re.findall(r'<td class="text-end" data-period="(\d+)">([^<]+)</td>', row)
    }
    assert {url for url, _ in shown} == {"https://nf-co.re", "https://nf-co.re/docs"}
    for days in (1, 7, 30, 365):
        start = today - dt.timedelta(days=days - 1)
        rest = client.get(f"/api/v1/community/nf-core/uptime?start={start}&end={today}").json()[
            "urls"
        ]
        for row in rest:
            assert float(shown[(row["url"], days)].rstrip(" %")) == row["uptime_percent"]
    assert float(shown[("https://nf-co.re", 365)].rstrip(" %")) == 60.0  # 3 of 5 checks
    assert float(shown[("https://nf-co.re/docs", 1)].rstrip(" %")) == 100.0
    last = re.search(r'<tr data-url="https://nf-co.re">.*?<td class="small">([^<]+)<', html, re.S)
    rest = client.get("/api/v1/community/nf-core/uptime").json()["urls"][0]
    checked = dt.datetime.fromisoformat(rest["last_checked_at"])
    local = checked.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%d %H:%M")
    assert last.group(1).startswith(f"{local} · up, 42 ms")  # in the registry's timezone


def test_contributor_weeks_count_people_once(community: Community) -> None:
    weeks = contributor_weeks(registry=community.registry)
    assert [
        (w["week"].isoformat(), w["active"], w["commits"], w["contributors"]) for w in weeks
    ] == [
        ("2024-02-25", 1, 3, 1),
        ("2024-03-03", 1, 1, 1),
        ("2024-03-10", 2, 7, 2),  # alice on two repositories counts once
    ]
    later = contributor_weeks(registry=community.registry, start=dt.date(2024, 3, 3))
    assert [w["contributors"] for w in later] == [1, 2]  # earlier weeks still count


def test_contributor_chart_and_table(client: Client, community: Community) -> None:
    html = client.get(PAGE).content.decode()
    total = chart(html, "contributors-chart")
    active = chart(html, "active-chart")
    assert total["labels"] == active["labels"] == ["2024-02-25", "2024-03-03", "2024-03-10"]
    assert total["datasets"][0]["data"] == [1, 1, 2]
    assert active["datasets"][0]["data"] == [1, 1, 2]
    assert active["datasets"][0]["type"] == total["datasets"][0]["type"] == "bar"
    assert re.search(r'<tr data-week="2024-03-10">.*?<td class="text-end">7</td>', html)


def test_organisation_series_by_kind_and_period(community: Community) -> None:
    core = organisation_series(registry=community.registry, kind="core")
    assert [(r["day"], r["stars"]) for r in (core[0], core[-1])] == [
        (FIRST_DAY, 260),
        (LAST_DAY, 261),
    ]
    assert core[5]["stars"] == 260 and core[5]["views"] is None  # carried, not measured
    window = organisation_series(
        registry=community.registry, start=dt.date(2024, 3, 10), end=dt.date(2024, 3, 12)
    )
    assert [r["day"].day for r in window] == [10, 11, 12]
    assert window[0]["stars"] == 909 + 410 + 260  # sarek's day before the window counts
    assert window[0]["repositories"] == 3


def test_default_registry_path_and_index_link(client: Client, settings) -> None:
    default = settings.STATS.tabfiles.default_registry
    plain = RegistryFactory(name=default)
    assert client.get("/packages/stats/community/").status_code == 404  # no community yet
    assert "community-link" not in client.get("/packages/stats/").content.decode()
    RepositoryDayFactory(repository=RepositoryFactory(registry=plain, name="core"), stars=7)
    caches["default"].clear()
    page = client.get("/packages/stats/community/")
    assert page.status_code == 200
    assert chart(page.content.decode(), "stars-chart")["datasets"][0]["data"] == [7]
    index = client.get("/packages/stats/").content.decode()
    assert '<a href="/packages/stats/community/">' in index
    build_community()
    other = client.get("/r/nf-core/packages/stats/").content.decode()
    assert '<a href="/r/nf-core/packages/stats/community/">' in other


def test_cached_with_validators(client: Client, community: Community) -> None:
    first = client.get(PAGE)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    RepositoryDayFactory(
        repository=community.registry.repositories.get(name="tools"),
        day=LAST_DAY + dt.timedelta(days=1),
        stars=999,
    )
    assert client.get(PAGE).content == first.content  # served from the cache
    caches["default"].clear()
    assert b"999" in client.get(PAGE).content


def test_private_registry_404_except_to_members(client: Client, community: Community) -> None:
    organisation = OrganisationFactory(name="nf-core-org")
    Registry.objects.filter(pk=community.registry.pk).update(
        is_public=False, organisation=organisation
    )
    assert client.get(PAGE).status_code == 404
    assert client.get("/r/nobody/packages/stats/community/").status_code == 404
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(PAGE).status_code == 404
    member = MembershipFactory(organisation=organisation).user
    client.force_login(member)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert chart(response.content.decode(), "stars-chart")["datasets"][0]["data"][0] == 1160


def test_real_nfcore_stats_import(client: Client) -> None:
    """nf-core/stats' real per-pipeline JSON and PR series, imported, then shown as REST."""
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "nfcore"
    registry = RegistryFactory(name="nf-core")
    payload = json.loads((fixtures / "nfcore_stats_regulatory_stats.json").read_text())
    stats_import(registry=registry, payload=payload, day=dt.date(2025, 7, 16))
    series_import(
        registry=registry,
        kind=SeriesKind.GITHUB_PRS,
        text=(fixtures / "nfcore_stats_static_github_prs.csv").read_text(),
    )
    assert client.get(PAGE).status_code == 200  # the first request also loads every URL
    caches["default"].clear()
    started = time.perf_counter()
    response = client.get(PAGE)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 2.0, elapsed  # uncached
    html = response.content.decode()
    rest = client.get("/api/v1/community/nf-core/repositories?page_size=100").json()
    assert rest["count"] == len(payload) > 50
    shown: dict[str, list[int | None]] = {}
    for kind in ("pipeline", "core"):
        section = re.search(rf'id="repositories-{kind}">(.*?)</table>', html, re.S)
        rows = {
            m.group(1): [
                _number(c) for c in re.findall(r'<td class="text-end">([^<]+)</td>', m.group(2))
            ]
            for m in re.finditer(
                r'<tr data-repository="([^"]+)">(.*?)</tr>',
                section.group(1) if section else "",
                re.S,
            )
        }
        shown.update(rows)
    everything = []
    for page in range(1, rest["count"] // 100 + 2):
        everything += client.get(
            f"/api/v1/community/nf-core/repositories?page_size=100&page={page}"
        ).json()["items"]
    assert shown == {
        r["name"]: [r["stars"], r["forks"], r["watchers"], r["open_issues"], r["releases"]]
        for r in everything
    }
    summary = client.get("/api/v1/community/nf-core/summary").json()
    stars = chart(html, "stars-chart")
    assert stars["labels"] == ["2025-07-16"]
    assert stars["datasets"][0]["data"] == [summary["totals"]["stars"]]
    assert sum(r["stars"] or 0 for r in everything) == summary["totals"]["stars"] > 0
    members = re.search(r'data-metric="github_prs_open"', html)
    assert members is None  # only the metrics a curator recognises get a card


@pytest.mark.parametrize(
    "start", ["2024-02-01", "2024-03-01", "2024-03-04", "2024-03-11", "2024-03-20"]
)
def test_series_from_a_start_is_the_whole_series_cut(community: Community, start: str) -> None:
    whole = organisation_series(registry=community.registry)
    cut = organisation_series(registry=community.registry, start=dt.date.fromisoformat(start))
    assert cut == [row for row in whole if row["day"] >= dt.date.fromisoformat(start)]
    assert organisation_series(registry=community.registry, start=dt.date(2024, 3, 21)) == []


def test_page_shows_the_last_year(client: Client, community: Community) -> None:
    tools = community.registry.repositories.get(name="tools")
    RepositoryDayFactory(repository=tools, day=dt.date(2022, 6, 1), stars=100, forks=1)
    RepositoryDayFactory(repository=tools, day=dt.date(2023, 1, 1), stars=150, forks=2)
    stars = chart(client.get(PAGE).content.decode(), "stars-chart")
    assert len(stars["labels"]) == 365
    assert stars["labels"][0] == (LAST_DAY - dt.timedelta(days=364)).isoformat()
    assert stars["labels"][-1] == LAST_DAY.isoformat()
    assert stars["datasets"][0]["data"][0] == 150  # tools' count of 1 January 2023, carried
    assert stars["datasets"][0]["data"][-1] == 919 + 410 + 261
