"""The GitHub collector against recorded responses served from 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from stats.models import (
    CollectionRun,
    CommunityMetric,
    Contributor,
    ContributorWeek,
    Release,
    Repository,
    RepositoryDay,
    RepositoryIssue,
)
from stats.services.community import CollectorStatus, collect_registry_community
from tests.community.conftest import serve_github_org
from tests.community.replay import ReplayServer, Reply, fixture

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 14)


def _collect(registry, day: dt.date = DAY):
    return collect_registry_community(registry=registry, names=["github"], day=day)


def test_collects_repositories_pages_members_and_day(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    report = _collect(nfcore)
    outcome = report.outcome("github")
    assert outcome.status == CollectorStatus.OK, outcome
    # Link pagination: both pages of repositories and of members were read.
    assert {r.name: r.kind for r in Repository.objects.all()} == {
        "airrflow": "pipeline",
        "rnaseq": "pipeline",
        "tools": "core",
    }
    members = CommunityMetric.objects.get(name="github_members", day=DAY)
    assert members.value == 5
    day = RepositoryDay.objects.get(repository__name="airrflow", day=DAY)
    # The real airrflow repository object: 40 stars, 26 forks, 26 network, 122 subscribers.
    assert (day.stars, day.forks, day.network_forks, day.watchers, day.open_issues) == (
        40,
        26,
        26,
        122,
        18,
    )
    assert day.releases == 2
    assert set(
        Release.objects.filter(repository__name="airrflow").values_list("tag_name", flat=True)
    ) == {
        "3.2.0",
        "1.0.0",
    }
    tools = RepositoryDay.objects.get(repository__name="tools", day=DAY)
    assert (tools.stars, tools.watchers, tools.network_forks) == (260, 140, 200)


def test_traffic_window_upserts_every_day(nfcore, community_settings, server: ReplayServer) -> None:
    serve_github_org(server)
    _collect(nfcore)
    rows = RepositoryDay.objects.filter(repository__name="airrflow", views__isnull=False).order_by(
        "day"
    )
    assert [r.day for r in rows] == [dt.date(2024, 3, 1) + dt.timedelta(days=i) for i in range(14)]
    first = rows[0]
    assert (first.views, first.unique_visitors, first.clones, first.unique_cloners) == (
        120,
        30,
        20,
        9,
    )
    assert sum(r.views for r in rows) == fixture("github/traffic_views_airrflow.json")["count"]
    # A second run the next day re-reads the window: a changed day is overwritten, not added.
    views = fixture("github/traffic_views_airrflow.json")
    views["views"][-1]["count"] = 999
    server.json("/repos/nf-core/airrflow/traffic/views", views)
    _collect(nfcore, DAY + dt.timedelta(days=1))
    again = RepositoryDay.objects.get(repository__name="airrflow", day=dt.date(2024, 3, 14))
    assert again.views == 999
    assert (
        RepositoryDay.objects.filter(repository__name="airrflow", views__isnull=False).count() == 14
    )


def test_missed_days_are_backfilled_from_the_window(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    views = fixture("github/traffic_views_airrflow.json")
    views["views"] = views["views"][:5]  # the first run saw only 1-5 March
    server.json("/repos/nf-core/airrflow/traffic/views", views)
    _collect(nfcore, dt.date(2024, 3, 5))
    missed = RepositoryDay.objects.filter(repository__name="airrflow", day=dt.date(2024, 3, 10))
    assert not missed.filter(views__isnull=False).exists()
    server.json(
        "/repos/nf-core/airrflow/traffic/views", fixture("github/traffic_views_airrflow.json")
    )
    _collect(nfcore, dt.date(2024, 3, 14))  # runs of 6-13 March were missed
    backfilled = RepositoryDay.objects.get(repository__name="airrflow", day=dt.date(2024, 3, 10))
    assert (backfilled.views, backfilled.unique_visitors) == (44, 15)


def test_contributors_weeks_without_zero_weeks(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    _collect(nfcore)
    people = dict(
        Contributor.objects.filter(repository__name="airrflow").values_list("login", "commits")
    )
    assert people == {"ssnn-airr": 3, "ggabernet": 5}
    weeks = ContributorWeek.objects.filter(contributor__repository__name="airrflow")
    assert weeks.count() == 4  # 8 weeks recorded, 4 of them empty
    assert sum(w.additions for w in weeks) == 120 + 10 + 500 + 7
    assert sum(w.commits for w in weeks) == 8
    assert RepositoryDay.objects.get(repository__name="airrflow", day=DAY).contributors == 2


def test_contributors_202_retried_then_skipped_not_zero(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    computing = Reply(202, {})
    server.add("/repos/nf-core/rnaseq/stats/contributors", computing)  # 202 every time
    server.add(
        "/repos/nf-core/tools/stats/contributors",
        computing,
        Reply(200, fixture("github/stats_contributors_airrflow.json")),
    )
    outcome = _collect(nfcore).outcome("github")
    assert outcome.status == CollectorStatus.PARTIAL
    assert any("rnaseq: contributors" in s for s in outcome.skipped)
    # 1 try + 2 retries, then given up; nothing written, not zeros.
    assert len(server.requests_to("/repos/nf-core/rnaseq/stats/contributors")) == 3
    assert not Contributor.objects.filter(repository__name="rnaseq").exists()
    assert RepositoryDay.objects.get(repository__name="rnaseq", day=DAY).contributors is None
    # tools answered 202 once, then the statistics: retried and written.
    assert Contributor.objects.filter(repository__name="tools").count() == 2


def test_issues_medians_and_first_response(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    _collect(nfcore)
    issues = RepositoryIssue.objects.filter(repository__name="airrflow")
    assert issues.count() == 5
    first = {i.number: i.first_response_at for i in issues}
    assert first[301] == dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)  # not the bot, not the author
    assert first[302] is None  # only its author answered
    assert first[303] == dt.datetime(2024, 3, 2, 10, tzinfo=dt.UTC)
    day = RepositoryDay.objects.get(repository__name="airrflow", day=DAY)
    assert (day.issues_total, day.issues_closed, day.prs_total, day.prs_closed, day.open_prs) == (
        2,
        1,
        3,
        2,
        1,
    )
    assert day.median_issue_close_seconds == 2 * 86400
    assert day.median_pr_close_seconds == (4 * 3600 + 86400) / 2
    assert day.median_issue_response_seconds == 2 * 3600
    assert day.median_pr_response_seconds == (3600 + 6 * 3600) / 2


def test_issues_are_incremental_with_since(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    _collect(nfcore)
    repository = Repository.objects.get(name="airrflow")
    assert repository.issues_since == dt.datetime(2024, 3, 4, 12, tzinfo=dt.UTC)
    closed = fixture("github/issues_airrflow.json")[1]
    closed.update(
        state="closed", closed_at="2024-03-15T08:00:00Z", updated_at="2024-03-15T08:00:00Z"
    )
    server.json("/repos/nf-core/airrflow/issues", [closed])
    server.json("/repos/nf-core/airrflow/issues/comments", [])
    _collect(nfcore, DAY + dt.timedelta(days=1))
    asked = server.requests_to("/repos/nf-core/airrflow/issues")[-1]
    assert asked.query["since"] == "2024-03-04T12:00:00Z"
    assert asked.query["state"] == "all"
    assert RepositoryIssue.objects.get(repository=repository, number=302).closed_at is not None
    day = RepositoryDay.objects.get(repository=repository, day=DAY + dt.timedelta(days=1))
    assert (day.issues_total, day.issues_closed) == (2, 2)


def test_conditional_requests_use_etag(nfcore, community_settings, server: ReplayServer) -> None:
    serve_github_org(server)
    _collect(nfcore)
    server.add("/repos/nf-core/airrflow", Reply(304, None, {"etag": '"airrflow-etag"'}))
    _collect(nfcore, DAY + dt.timedelta(days=1))
    last = server.requests_to("/repos/nf-core/airrflow")[-1]
    assert last.headers["if-none-match"] == '"airrflow-etag"'
    # The 304 answered from the kept body: the day still has its numbers.
    assert (
        RepositoryDay.objects.get(repository__name="airrflow", day=DAY + dt.timedelta(days=1)).stars
        == 40
    )


def test_token_sent_in_header_never_logged(nfcore, community_settings, server, caplog) -> None:
    serve_github_org(server)
    server.add(
        "/repos/nf-core/tools/traffic/views",
        Reply(500, {"message": "boom"}),
        Reply(200, fixture("github/traffic_views_airrflow.json")),
    )
    with caplog.at_level(logging.DEBUG):
        _collect(nfcore)
    assert (
        server.seen[0].headers["authorization"]
        == "Bearer ghp_testtoken0000000000000000000000000000"
    )
    assert "ghp_testtoken" not in caplog.text
    assert all("ghp_testtoken" not in str(r.detail) for r in CollectionRun.objects.all())


def test_traffic_without_push_access_is_skipped(
    nfcore, community_settings, server: ReplayServer
) -> None:
    serve_github_org(server)
    denied = Reply(
        403, {"message": "Must have push access to repository"}, {"x-ratelimit-remaining": "4000"}
    )
    server.add("/repos/nf-core/rnaseq/traffic/views", denied)
    outcome = _collect(nfcore).outcome("github")
    assert outcome.status == CollectorStatus.PARTIAL
    assert any("rnaseq: traffic views" in s for s in outcome.skipped)
    assert not RepositoryDay.objects.filter(repository__name="rnaseq", views__isnull=False).exists()
    assert (
        RepositoryDay.objects.filter(repository__name="rnaseq", clones__isnull=False).count() == 14
    )


def test_pipeline_names_from_the_website_list(nfcore, community_settings, server) -> None:
    """Without a configured list, the real pipeline_names.json at the source's URL splits."""
    stats = community_settings.STATS
    community_settings.STATS = stats.model_copy(
        update={"community": stats.community.model_copy(update={"pipeline_names": []})}
    )
    nfcore.community_source.pipeline_names_url = server.url + "/pipeline_names.json"
    nfcore.community_source.save()
    server.json("/pipeline_names.json", fixture("nfcore/website_pipeline_names.json"))
    serve_github_org(server)
    _collect(nfcore)
    kinds = dict(Repository.objects.values_list("name", "kind"))
    assert kinds == {"airrflow": "pipeline", "rnaseq": "pipeline", "tools": "core"}
