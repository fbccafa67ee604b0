"""X/Twitter account: followers, following, posts (API v2 ``users/by/username``)."""

from __future__ import annotations

from stats.models import CommunityMetricName
from stats.services.community.base import (
    CollectionContext,
    Collector,
    CollectorOutcome,
    metrics_record,
)
from stats.services.community.http import SourceError


class TwitterCollector(Collector):
    name = "twitter"

    def missing(self, context: CollectionContext) -> str | None:
        if not context.source.twitter_username:
            return "no X/Twitter account set for the registry"
        if context.settings.twitter_bearer is None:
            return "no X/Twitter bearer token (STATS_COMMUNITY__TWITTER_BEARER)"
        return None

    def collect(self, context: CollectionContext) -> CollectorOutcome:
        bearer = context.settings.twitter_bearer
        assert bearer is not None
        username = context.source.twitter_username.lstrip("@")
        headers = {"Authorization": f"Bearer {bearer.get_secret_value()}"}
        with context.client(context.settings.twitter_api_url, headers) as client:
            body = client.get(
                f"users/by/username/{username}",
                {"user.fields": "public_metrics"},
                conditional=False,
            ).data
        data = (body or {}).get("data") if isinstance(body, dict) else None
        if not data:
            errors = (body or {}).get("errors") if isinstance(body, dict) else None
            raise SourceError(f"X/Twitter account {username!r}: {errors or 'no data'}")
        metrics = data.get("public_metrics") or {}
        values = {
            CommunityMetricName.TWITTER_FOLLOWERS: metrics.get("followers_count"),
            CommunityMetricName.TWITTER_FOLLOWING: metrics.get("following_count"),
            CommunityMetricName.TWITTER_POSTS: metrics.get("tweet_count"),
        }
        written = metrics_record(registry=context.registry, day=context.day, values=values)
        return CollectorOutcome(self.name, written=written, detail=f"@{username}")
