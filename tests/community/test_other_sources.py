"""Slack, YouTube and X/Twitter collectors; collectors without keys are not run."""

from __future__ import annotations

import datetime as dt

import pytest

from stats.models import CommunityMetric
from stats.services.community import CollectorStatus, collect_registry_community
from tests.community.replay import ReplayServer, Reply, fixture

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 14)


def _metrics() -> dict[str, int]:
    return dict(CommunityMetric.objects.filter(day=DAY).values_list("name", "value"))


def test_slack_users_total_active_inactive(
    nfcore, community_settings, server: ReplayServer
) -> None:
    server.json("/slack/users.list", fixture("slack/users_list_page1.json"), query={})
    server.json(
        "/slack/users.list",
        fixture("slack/users_list_page2.json"),
        query={"cursor": "dXNlcjpVMEc5V0ZYTlo="},
    )
    server.json("/slack/team.billableInfo", fixture("slack/team_billable_info.json"))
    outcome = collect_registry_community(registry=nfcore, names=["slack"], day=DAY).outcome("slack")
    assert outcome.status == CollectorStatus.OK, outcome
    # 7 members over 2 pages: Slackbot, a bot and a deleted account are not people.
    assert _metrics() == {
        "slack_users_total": 4,
        "slack_users_active": 3,
        "slack_users_inactive": 1,
    }
    assert (
        server.requests_to("/slack/users.list")[0].headers["authorization"]
        == "Bearer xoxb-test-token"
    )


def test_slack_without_admin_scope_keeps_the_total(nfcore, community_settings, server) -> None:
    server.json("/slack/users.list", fixture("slack/users_list_page2.json"))
    server.json("/slack/team.billableInfo", fixture("slack/team_billable_info_missing_scope.json"))
    outcome = collect_registry_community(registry=nfcore, names=["slack"], day=DAY).outcome("slack")
    assert outcome.status == CollectorStatus.PARTIAL
    assert "missing_scope" in outcome.skipped[0]
    assert _metrics() == {"slack_users_total": 2}


def test_slack_rate_limit_429_retry_after(nfcore, community_settings, server) -> None:
    server.add(
        "/slack/users.list",
        Reply(429, {"ok": False, "error": "ratelimited"}, {"retry-after": "120"}),
    )
    outcome = collect_registry_community(registry=nfcore, names=["slack"], day=DAY).outcome("slack")
    assert outcome.status == CollectorStatus.RATE_LIMITED
    assert outcome.resume_after is not None
    assert _metrics() == {}


def test_youtube_channel_statistics(nfcore, community_settings, server: ReplayServer) -> None:
    server.json("/youtube/v3/channels", fixture("youtube/channels_statistics.json"))
    outcome = collect_registry_community(registry=nfcore, names=["youtube"], day=DAY).outcome(
        "youtube"
    )
    assert outcome.status == CollectorStatus.OK
    assert _metrics() == {
        "youtube_subscribers": 6140,
        "youtube_views": 512345,
        "youtube_videos": 822,
    }
    sent = server.requests_to("/youtube/v3/channels")[0]
    assert sent.query == {
        "part": "statistics",
        "id": "UCyu4ZoZ8mXWNNoKvNVyEpLw",
    }  # no key in the URL
    assert sent.headers["x-goog-api-key"] == "AIza-test-key"


def test_twitter_followers(nfcore, community_settings, server: ReplayServer) -> None:
    server.json("/2/users/by/username/nf_core", fixture("twitter/users_by_username.json"))
    outcome = collect_registry_community(registry=nfcore, names=["twitter"], day=DAY).outcome(
        "twitter"
    )
    assert outcome.status == CollectorStatus.OK
    expected = fixture("nfcore/nfcore_stats_twitter_account_stats.json")
    assert _metrics() == {
        "twitter_followers": expected["followers_count"],
        "twitter_following": expected["following_count"],
        "twitter_posts": expected["tweet_count"],
    }


def test_sources_without_keys_are_not_run(nfcore, community_settings, server: ReplayServer) -> None:
    stats = community_settings.STATS
    community = stats.community.model_copy(
        update={"slack_token": None, "youtube_key": None, "twitter_bearer": None}
    )
    community_settings.STATS = stats.model_copy(update={"community": community})
    report = collect_registry_community(
        registry=nfcore, names=["slack", "youtube", "twitter"], day=DAY
    )
    assert [o.status for o in report.outcomes] == [CollectorStatus.NOT_CONFIGURED] * 3
    assert "STATS_COMMUNITY__SLACK_TOKEN" in report.outcome("slack").detail
    assert server.seen == []


def test_unknown_collector_name_is_refused(nfcore) -> None:
    with pytest.raises(ValueError, match="unknown community collector"):
        collect_registry_community(registry=nfcore, names=["mastodon"])
