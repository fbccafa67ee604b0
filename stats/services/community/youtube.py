"""YouTube channel statistics: subscribers, views, videos (Data API v3 ``channels``).

The API key goes in the ``X-Goog-Api-Key`` header, never in the URL, so it cannot leak
through request logs.
"""

from __future__ import annotations

from stats.models import CommunityMetricName
from stats.services.community.base import (
    CollectionContext,
    Collector,
    CollectorOutcome,
    metrics_record,
)
from stats.services.community.http import SourceError


class YouTubeCollector(Collector):
    name = "youtube"

    def missing(self, context: CollectionContext) -> str | None:
        if not context.source.youtube_channel_id:
            return "no YouTube channel set for the registry"
        if context.settings.youtube_key is None:
            return "no YouTube API key (STATS_COMMUNITY__YOUTUBE_KEY)"
        return None

    def collect(self, context: CollectionContext) -> CollectorOutcome:
        key = context.settings.youtube_key
        assert key is not None
        channel = context.source.youtube_channel_id
        headers = {"X-Goog-Api-Key": key.get_secret_value()}
        with context.client(context.settings.youtube_api_url, headers) as client:
            body = client.get("channels", {"part": "statistics", "id": channel}).data or {}
        items = body.get("items") or []
        if not items:
            raise SourceError(f"YouTube channel {channel!r} not found")
        stats = items[0].get("statistics") or {}
        hidden = bool(stats.get("hiddenSubscriberCount"))
        values = {
            CommunityMetricName.YOUTUBE_SUBSCRIBERS: None
            if hidden
            else _int(stats.get("subscriberCount")),
            CommunityMetricName.YOUTUBE_VIEWS: _int(stats.get("viewCount")),
            CommunityMetricName.YOUTUBE_VIDEOS: _int(stats.get("videoCount")),
        }
        written = metrics_record(registry=context.registry, day=context.day, values=values)
        return CollectorOutcome(self.name, written=written, detail=f"channel {channel}")


def _int(value: object) -> int | None:
    """The Data API sends counts as strings ("12345")."""
    try:
        return int(str(value))
    except ValueError:
        return None
