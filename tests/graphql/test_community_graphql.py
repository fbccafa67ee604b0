"""registry { community { ... } } gives /api/v1/community/'s numbers; limits, errors, access."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.test import Client

from stats.graphql.community import MAX_SERIES_REPOSITORIES
from stats.graphql.schema import MAX_DEPTH
from stats.graphql.types import MAX_DAILY_DAYS
from stats.models import Registry, RepositoryDay
from tests.factories import CommunityMetricFactory, RegistryFactory, RepositoryFactory
from tests.web.test_community_page import Community, build_community

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def community() -> Community:
    return build_community()


def gql(client: Client, query: str, variables: dict | None = None) -> dict:
    response = client.post(
        "/graphql",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
    )
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def community_of(client: Client, query: str, variables: dict | None = None) -> dict:
    body = gql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]["registry"]["community"]


LATEST = ("stars", "forks", "networkForks", "watchers", "openIssues", "releases")
REST_LATEST = ("stars", "forks", "network_forks", "watchers", "open_issues", "releases")


def test_repositories_equal_rest_pages(client: Client, community: Community) -> None:
    query = """
    query ($kind: RepositoryKindEnum, $first: Int!, $offset: Int!) {
      registry(name: "nf-core") { community {
        repositoryCount(kind: $kind)
        repositories(kind: $kind, first: $first, offset: $offset) {
          name kind description archived htmlUrl
          stars forks networkForks watchers openIssues releases
        }
      } }
    }"""
    for kind in (None, "pipeline", "core"):
        for page in (1, 2):
            suffix = f"&kind={kind}" if kind else ""
            rest = client.get(
                f"/api/v1/community/nf-core/repositories?page={page}&page_size=2{suffix}"
            )
            graph = community_of(
                client,
                query,
                {"kind": kind.upper() if kind else None, "first": 2, "offset": 2 * (page - 1)},
            )
            if rest.status_code == 404:  # REST answers 404 past the last page
                assert graph["repositories"] == []
                continue
            body = rest.json()
            assert graph["repositoryCount"] == body["count"]
            assert [
                (
                    r["name"],
                    r["kind"].lower(),
                    r["description"],
                    r["archived"],
                    r["htmlUrl"],
                    *(r[f] for f in LATEST),
                )
                for r in graph["repositories"]
            ] == [
                (
                    r["name"],
                    r["kind"],
                    r["description"],
                    r["archived"],
                    r["html_url"],
                    *(r[f] for f in REST_LATEST),
                )
                for r in body["items"]
            ]
    everything = community_of(client, query, {"kind": None, "first": 10, "offset": 0})
    assert [r["name"] for r in everything["repositories"]] == [
        "oldpipe",
        "rnaseq",
        "sarek",
        "tools",
    ]
    assert everything["repositories"][1]["stars"] == 919


@pytest.mark.parametrize(
    ("start", "end"), [(None, None), ("2024-03-05", "2024-03-12"), ("2024-03-20", "2024-03-20")]
)
def test_series_equal_rest(
    client: Client, community: Community, start: str | None, end: str | None
) -> None:
    query = """
    query ($start: Date, $end: Date) {
      registry(name: "nf-core") { community {
        repositories(first: 10) {
          name
          series(start: $start, end: $end) {
            day stars forks networkForks watchers openIssues openPrs releases contributors
            views uniqueViews clones uniqueClones issuesOpened issuesClosed prsOpened prsClosed
          }
        }
      } }
    }"""
    graph = community_of(client, query, {"start": start, "end": end})
    period = "&".join(f"{k}={v}" for k, v in (("start", start), ("end", end)) if v)
    rest_names = {
        "day": "day",
        "stars": "stars",
        "forks": "forks",
        "networkForks": "network_forks",
        "watchers": "watchers",
        "openIssues": "open_issues",
        "openPrs": "open_prs",
        "releases": "releases",
        "contributors": "contributors",
        "views": "views",
        "uniqueViews": "unique_visitors",
        "clones": "clones",
        "uniqueClones": "unique_cloners",
        "issuesOpened": "issues_opened",
        "issuesClosed": "issues_closed_on_day",
        "prsOpened": "prs_opened",
        "prsClosed": "prs_closed_on_day",
    }
    compared = 0
    for repository in graph["repositories"]:
        rest = client.get(
            f"/api/v1/community/nf-core/repositories/{repository['name']}?{period}"
        ).json()["series"]
        assert repository["series"] == [
            {ours: row[theirs] for ours, theirs in rest_names.items()} for row in rest
        ], repository["name"]
        compared += len(rest)
    assert compared > 0
    rnaseq = next(r for r in graph["repositories"] if r["name"] == "rnaseq")
    by_day = {d["day"]: d for d in rnaseq["series"]}
    if start is None:
        assert by_day["2024-03-10"]["views"] == 109
        assert by_day["2024-03-10"]["uniqueViews"] == 39
        assert sum(d["issuesOpened"] for d in rnaseq["series"]) == 1


def test_summary_and_metrics_equal_rest(client: Client, community: Community) -> None:
    query = """
    {
      registry(name: "nf-core") { community {
        summary(days: 30) {
          repositories pipelines core
          totals { stars forks networkForks watchers openIssues releases }
          metrics { name value day }
          recent {
            days issuesOpened issuesClosed issuesOpen medianIssuesCloseSeconds
            medianIssuesResponseSeconds prsOpened prsClosed prsOpen medianPrsCloseSeconds
            medianPrsResponseSeconds
          }
        }
        members: metric(name: GITHUB_MEMBERS) { day value }
        recentMembers: metric(name: GITHUB_MEMBERS, start: "2024-03-20") { day value }
      } }
    }"""
    graph = community_of(client, query)
    rest = client.get("/api/v1/community/nf-core/summary?days=30").json()
    summary = graph["summary"]
    assert summary["repositories"] == rest["repositories"] == 4
    assert (summary["pipelines"], summary["core"]) == (
        rest["kinds"]["pipeline"],
        rest["kinds"]["core"],
    )
    assert summary["totals"] == {
        "stars": rest["totals"]["stars"],
        "forks": rest["totals"]["forks"],
        "networkForks": rest["totals"]["network_forks"],
        "watchers": rest["totals"]["watchers"],
        "openIssues": rest["totals"]["open_issues"],
        "releases": rest["totals"]["releases"],
    }
    assert summary["totals"]["stars"] == 919 + 410 + 261
    assert {m["name"]: (m["value"], m["day"]) for m in summary["metrics"]} == {
        name: (m["value"], m["day"]) for name, m in rest["metrics"].items()
    }
    recent = rest["recent"]
    assert summary["recent"] == {
        "days": recent["days"],
        "issuesOpened": recent["issues_opened"],
        "issuesClosed": recent["issues_closed"],
        "issuesOpen": recent["issues_open"],
        "medianIssuesCloseSeconds": recent["median_issues_close_seconds"],
        "medianIssuesResponseSeconds": recent["median_issues_response_seconds"],
        "prsOpened": recent["prs_opened"],
        "prsClosed": recent["prs_closed"],
        "prsOpen": recent["prs_open"],
        "medianPrsCloseSeconds": recent["median_prs_close_seconds"],
        "medianPrsResponseSeconds": recent["median_prs_response_seconds"],
    }
    assert summary["recent"]["medianIssuesResponseSeconds"] == 7200
    assert graph["members"] == client.get("/api/v1/community/nf-core/metrics/github_members").json()
    assert graph["recentMembers"] == [{"day": "2024-03-20", "value": 100}]


def test_counts_beyond_32_bits_are_answered_as_rest_answers_them(
    client: Client, community: Community
) -> None:
    """GraphQL's Int is 32-bit: a metric (a 64-bit column the import takes up to 2**63-1)
    or a sum of repositories' counts beyond it failed the whole ``community`` field."""
    registry = Registry.objects.get(name="nf-core")
    RepositoryDay.objects.filter(repository__registry=registry).update(stars=2**31 - 1)
    CommunityMetricFactory(
        registry=registry, name="twitter_followers", day=dt.date(2024, 3, 21), value=2**63 - 1
    )
    graph = community_of(
        client,
        """{ registry(name: "nf-core") { community {
          summary(days: 30) { totals { stars } metrics { name value } }
          metric(name: TWITTER_FOLLOWERS) { day value }
        } } }""",
    )
    rest = client.get("/api/v1/community/nf-core/summary?days=30").json()
    assert graph["summary"]["totals"]["stars"] == rest["totals"]["stars"] == 3 * (2**31 - 1)
    metrics = {m["name"]: m["value"] for m in graph["summary"]["metrics"]}
    assert metrics["twitter_followers"] == rest["metrics"]["twitter_followers"]["value"]
    assert graph["metric"][-1] == {"day": "2024-03-21", "value": 2**63 - 1}


def test_uptime_equals_rest(client: Client, community: Community) -> None:
    query = """
    query ($start: Date, $end: Date) {
      registry(name: "nf-core") { community { uptime(start: $start, end: $end) {
        start end
        urls { url checks available uptimePercent lastCheckedAt lastAvailable lastLatencyMs }
        days { url day checks available uptimePercent }
      } } }
    }"""
    today = dt.datetime.now(tz=ZoneInfo("Europe/Amsterdam")).date()
    for start, end in ((None, None), (today - dt.timedelta(days=6), today), (today, today)):
        variables = {"start": start and start.isoformat(), "end": end and end.isoformat()}
        graph = community_of(client, query, variables)["uptime"]
        period = "&".join(f"{k}={v}" for k, v in variables.items() if v)
        rest = client.get(f"/api/v1/community/nf-core/uptime?{period}").json()
        assert [
            (u["url"], u["checks"], u["available"], u["uptimePercent"]) for u in graph["urls"]
        ] == [(u["url"], u["checks"], u["available"], u["uptime_percent"]) for u in rest["urls"]]
        assert [u["lastLatencyMs"] for u in graph["urls"]] == [
            u["last_latency_ms"] for u in rest["urls"]
        ]
        assert [
            (d["url"], d["day"], d["checks"], d["available"], d["uptimePercent"])
            for d in graph["days"]
        ] == [
            (d["url"], d["day"], d["checks"], d["available"], d["uptime_percent"])
            for d in rest["days"]
        ]
        assert (graph["start"], graph["end"]) == (rest["start"], rest["end"])
    everything = community_of(client, query, {"start": None, "end": None})["uptime"]
    assert {u["url"]: u["uptimePercent"] for u in everything["urls"]} == {
        "https://nf-co.re": 60.0,
        "https://nf-co.re/docs": 100.0,
    }


def test_community_is_null_without_data_and_for_hidden_registries(
    client: Client, community: Community
) -> None:
    RegistryFactory(name="plain")
    query = '{ registry(name: "%s") { name community { summary { repositories } } } }'
    assert gql(client, query % "plain")["data"]["registry"] == {"name": "plain", "community": None}
    Registry.objects.filter(pk=community.registry.pk).update(is_public=False)
    assert gql(client, query % "nf-core") == {"data": {"registry": None}}
    everything = gql(client, "{ registries { name community { summary { repositories } } } }")
    assert everything["data"]["registries"] == [{"name": "plain", "community": None}]


def test_repository_by_name(client: Client, community: Community) -> None:
    query = """
    query ($name: String!) {
      registry(name: "nf-core") { community { repository(name: $name) {
        name kind stars series(start: "2024-03-20") { day stars }
      } } }
    }"""
    found = community_of(client, query, {"name": "tools"})["repository"]
    assert found == {
        "name": "tools",
        "kind": "CORE",
        "stars": 261,
        "series": [{"day": "2024-03-20", "stars": 261}],
    }
    assert community_of(client, query, {"name": "nope"})["repository"] is None


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("repositories(first: 0) { name }", "first must be between 1 and 500"),
        ("repositories(first: 501) { name }", "first must be between 1 and 500"),
        ("repositories(offset: -1) { name }", "offset must not be negative"),
        (
            "repositories(first: 21) { name series { day } }",
            f"first must be between 1 and {MAX_SERIES_REPOSITORIES}",
        ),
        (
            'repositories(first: 2) { series(start: "2024-03-10", end: "2024-03-01") { day } }',
            "start must not be after end",
        ),
        ('uptime(start: "2024-03-10", end: "2024-03-01") { start }', "start must not be after end"),
        ("summary(days: 0) { repositories }", "days must be between 1 and 3650"),
    ],
)
def test_bad_input_in_graphql_shape(
    client: Client, community: Community, field: str, message: str
) -> None:
    body = gql(client, '{ registry(name: "nf-core") { community { ' + field + " } } }")
    assert body["data"] == {"registry": {"community": None}} or body["data"] is None
    (error,) = body["errors"]
    assert error["message"].startswith(message)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_series_limit_counts_fragments(client: Client, community: Community) -> None:
    query = """
    fragment days on RepositoryNode { series { day } }
    { registry(name: "nf-core") { community { repositories(first: 21) { ...days } } } }"""
    (error,) = gql(client, query)["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    RepositoryFactory(registry=community.registry, name="zz")
    fine = community_of(
        client,
        '{ registry(name: "nf-core") { community { repositories(first: 21) { name } } } }',
    )
    assert len(fine["repositories"]) == 5


def test_depth_limit_applies(client: Client, community: Community) -> None:
    within = '{ registry(name: "nf-core") { community { repositories { series { day } } } } }'
    assert "errors" not in gql(client, within)
    deep = (
        '{ registry(name: "nf-core") { package(name: "x") { registry { package(name: "x") {'
        ' registry { package(name: "x") { registry {'
        " community { repositories { series { day } } } } } } } } } } }"
    )
    body = gql(client, deep)
    assert body["data"] is None
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in body["errors"][0]["message"]


def test_series_of_more_than_two_years_needs_a_period(client: Client, community: Community) -> None:
    tools = community.registry.repositories.get(name="tools")
    RepositoryDay.objects.bulk_create(
        RepositoryDay(repository=tools, day=dt.date(2021, 1, 1) + dt.timedelta(days=n), stars=n)
        for n in range(MAX_DAILY_DAYS)
    )  # with its two days of 2024: one more than a call may return
    query = """
    query ($start: Date) { registry(name: "nf-core") { community {
      repository(name: "tools") { series(start: $start) { day stars } }
    } } }"""
    (error,) = gql(client, query)["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"a series holds at most {MAX_DAILY_DAYS} days (734 ")
    series = community_of(client, query, {"start": "2021-01-03"})["repository"]["series"]
    assert len(series) == MAX_DAILY_DAYS  # 730 days of 2021-2022 and two of 2024
    assert series[-1] == {"day": "2024-03-20", "stars": 261}
