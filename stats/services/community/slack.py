"""Slack workspace users: total, active and inactive (Slack's own 14-day billing activity).

``users.list`` gives the people (deleted accounts and bots left out); ``team.billableInfo``
says which of them are active. Without the admin scope it needs, only the total is kept.
Both are paginated by ``response_metadata.next_cursor``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stats.models import CommunityMetricName
from stats.services.community.base import (
    CollectionContext,
    Collector,
    CollectorOutcome,
    metrics_record,
)
from stats.services.community.http import ApiClient, SourceError

SLACKBOT = "USLACKBOT"


class SlackCollector(Collector):
    name = "slack"

    def missing(self, context: CollectionContext) -> str | None:
        if not context.source.slack_enabled:
            return "Slack is not enabled for the registry"
        if context.settings.slack_token is None:
            return "no Slack token (STATS_COMMUNITY__SLACK_TOKEN)"
        return None

    def collect(self, context: CollectionContext) -> CollectorOutcome:
        outcome = CollectorOutcome(self.name)
        token = context.settings.slack_token
        assert token is not None
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
        with context.client(context.settings.slack_api_url, headers) as client:
            people = {
                member["id"]
                for member in _pages(client, "users.list", "members")
                if _is_person(member)
            }
            active: int | None
            try:
                billing = _pages(client, "team.billableInfo", "billable_info")
                active = sum(
                    1
                    for user_id, info in billing
                    if user_id in people and info.get("billing_active")
                )
            except SourceError as exc:
                outcome.skip(f"active users: {exc}")
                active = None
        total = len(people)
        outcome.written = metrics_record(
            registry=context.registry,
            day=context.day,
            values={
                CommunityMetricName.SLACK_USERS_TOTAL: total,
                CommunityMetricName.SLACK_USERS_ACTIVE: active,
                CommunityMetricName.SLACK_USERS_INACTIVE: None
                if active is None
                else total - active,
            },
        )
        outcome.detail = f"{total} users, {active if active is not None else '?'} active"
        return outcome


def _is_person(member: dict[str, Any]) -> bool:
    return not (member.get("deleted") or member.get("is_bot") or member.get("id") == SLACKBOT)


def _pages(client: ApiClient, method: str, key: str) -> Iterator[Any]:
    """Items of a cursor-paginated Web API method; ``ok: false`` raises with Slack's error."""
    cursor = ""
    while True:
        body = client.get(method, {"limit": 200, "cursor": cursor or None}, conditional=False).data
        if not isinstance(body, dict) or not body.get("ok"):
            error = body.get("error") if isinstance(body, dict) else "not a JSON object"
            raise SourceError(f"Slack {method}: {error}")
        items = body.get(key) or []
        yield from items.items() if isinstance(items, dict) else items
        cursor = (body.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return
