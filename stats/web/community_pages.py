"""The community page at /packages/stats/community/ (and /r/<registry>/packages/stats/community/).

Stars, forks, GitHub traffic and contributors over time as charts with tables, the
repositories (pipelines and core), the organisation's members, Slack, YouTube and X,
and website uptime. Every number comes from :mod:`stats.selectors.community`, the
functions the REST community endpoints call, so the page and /api/v1/community/ agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from stats.models import CommunityMetricName, Registry, RepositoryKind
from stats.selectors.access import request_user
from stats.selectors.community import (
    contributor_weeks,
    has_community_data,
    last_repository_day,
    organisation_series,
    organisation_summary,
    repository_list,
    uptime_summary,
)
from stats.selectors.registries import resolve_registry
from stats.web.caching import cache_response
from stats.web.pages import page_url

WINDOW_DAYS = 365
"""The charts show the year ending at the last recorded day."""
UPTIME_PERIODS = (1, 7, 30, 365)
"""Uptime over the last day, week, month and year (days in the registry's timezone)."""
CACHE_SECONDS = 300
"""Community numbers change without a data generation bump (collections, uptime checks
every few minutes), so cached pages live minutes, not the hour of download pages."""

REPOSITORY_COLUMNS = ("stars", "forks", "watchers", "open_issues", "releases")
DAY_COLUMNS = ("stars", "forks", "views", "unique_visitors", "clones", "unique_cloners")
WEEK_COLUMNS = ("active", "commits", "additions", "deletions", "contributors")

METRIC_CARDS = (
    (CommunityMetricName.GITHUB_MEMBERS, "GitHub organisation members"),
    (CommunityMetricName.SLACK_USERS_TOTAL, "Slack users"),
    (CommunityMetricName.SLACK_USERS_ACTIVE, "Slack active users"),
    (CommunityMetricName.YOUTUBE_SUBSCRIBERS, "YouTube subscribers"),
    (CommunityMetricName.YOUTUBE_VIEWS, "YouTube views"),
    (CommunityMetricName.YOUTUBE_VIDEOS, "YouTube videos"),
    (CommunityMetricName.TWITTER_FOLLOWERS, "X followers"),
)


def _registry_name(request: HttpRequest, kwargs: dict[str, Any]) -> str:
    return kwargs.get("registry") or settings.STATS.tabfiles.default_registry


def _formatted(value: int | None) -> str:
    """A count as the other pages show it (1,234), or a dash when it was not measured."""
    return "—" if value is None else f"{value:,}"


def _line(label: str, data: list[Any], *, kind: str = "line") -> dict[str, Any]:
    return {"label": label, "data": data, "type": kind}


def _charts(days: list[dict[str, Any]], weeks: list[dict[str, Any]]) -> dict[str, Any]:
    """Chart specs for stats/static/stats/charts.js: labels, datasets, axis title."""
    labels = [d["day"].isoformat() for d in days]
    week_labels = [w["week"].isoformat() for w in weeks]

    def column(field: str) -> list[Any]:
        return [d[field] for d in days]

    return {
        "stars": {
            "labels": labels,
            "datasets": [_line("Stars", column("stars"))],
            "y_title": "Stars, all repositories",
        },
        "forks": {
            "labels": labels,
            "datasets": [_line("Forks", column("forks"))],
            "y_title": "Forks, all repositories",
        },
        "traffic": {
            "labels": labels,
            "datasets": [
                _line("Views", column("views")),
                _line("Unique visitors", column("unique_visitors")),
                _line("Clones", column("clones")),
                _line("Unique cloners", column("unique_cloners")),
            ],
            "y_title": "Per day",
        },
        "contributors": {
            "labels": week_labels,
            "datasets": [  # bars: a smoothed line would dip between equal weeks
                _line("Contributors so far", [w["contributors"] for w in weeks], kind="bar")
            ],
            "y_title": "Distinct contributors",
        },
        "active": {
            "labels": week_labels,
            "datasets": [
                _line("Contributors with commits", [w["active"] for w in weeks], kind="bar")
            ],
            "y_title": "Per week",
        },
    }


def _uptime(registry: Registry) -> list[dict[str, Any]]:
    """Per URL: the uptime percentage over each period ending today (registry's timezone)."""
    today = dt.datetime.now(tz=ZoneInfo(registry.timezone or "UTC")).date()
    urls: dict[str, dict[str, Any]] = {}
    for days in UPTIME_PERIODS:
        start = today - dt.timedelta(days=days - 1)
        for row in uptime_summary(registry=registry, start=start, end=today):
            entry = urls.setdefault(row["url"], {"url": row["url"], "periods": {}})
            entry["periods"][days] = row
            if days == UPTIME_PERIODS[-1]:
                entry["last"] = row
    for entry in urls.values():
        entry["cells"] = [
            {"days": days, "row": entry["periods"].get(days)} for days in UPTIME_PERIODS
        ]
    return [urls[url] for url in sorted(urls)]


def _duration(seconds: float | None) -> str | None:
    """A median time to close or answer, as a curator would say it."""
    if seconds is None:
        return None
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _recent(recent: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary's recent issue numbers as table rows: issues and pull requests."""
    rows = []
    for label, key in (("Issues", "issues"), ("Pull requests", "prs")):
        rows.append(
            {
                "label": label,
                "key": key,
                "opened": recent[f"{key}_opened"],
                "closed": recent[f"{key}_closed"],
                "open": recent[f"{key}_open"],
                "close": _duration(recent[f"median_{key}_close_seconds"]),
                "response": _duration(recent[f"median_{key}_response_seconds"]),
            }
        )
    return rows


def _repositories(registry: Registry) -> list[dict[str, Any]]:
    groups = []
    for kind, title in (
        (RepositoryKind.PIPELINE, "Pipelines"),
        (RepositoryKind.CORE, "Core repositories"),
    ):
        rows = list(repository_list(registry=registry, kind=kind))
        for row in rows:
            row.cells = [getattr(row, f"latest_{f}") for f in REPOSITORY_COLUMNS]
        if rows:
            groups.append({"kind": kind.value, "title": title, "rows": rows})
    return groups


@cache_response(_registry_name, vary_on_accept=False, timeout=CACHE_SECONDS)
def community_page(request: HttpRequest, registry: str | None = None) -> HttpResponse:
    """The registry's community: charts with tables, repositories, organisation, uptime."""
    found = resolve_registry(
        registry or settings.STATS.tabfiles.default_registry, user=request_user(request)
    )
    if not has_community_data(registry=found):
        raise Http404(f"No community numbers for {found.name}")
    last = last_repository_day(registry=found)
    days = (
        organisation_series(registry=found, start=last - dt.timedelta(days=WINDOW_DAYS - 1))
        if last
        else []
    )
    for day in days:  # formatted here: a year of rows is slow through template filters
        day["cells"] = [_formatted(day[f]) for f in DAY_COLUMNS]
    start = days[0]["day"] if days else None
    weeks = contributor_weeks(registry=found, start=start - dt.timedelta(days=6) if start else None)
    for week in weeks:
        week["cells"] = [_formatted(week[f]) for f in WEEK_COLUMNS]
    summary = organisation_summary(registry=found)
    metrics = summary["metrics"]
    context = {
        "registry": found,
        "registry_url": page_url("registry-index", found),
        "api_url": reverse("api-v1:openapi-view"),
        "api_summary_url": reverse("api-v1:summary", kwargs={"registry": found.name}),
        "api_repositories_url": reverse("api-v1:repositories", kwargs={"registry": found.name}),
        "api_uptime_url": reverse("api-v1:uptime", kwargs={"registry": found.name}),
        "summary": summary,
        "metric_cards": [
            {"name": name.value, "title": title, **metrics[name.value]}
            for name, title in METRIC_CARDS
            if name.value in metrics
        ],
        "recent": _recent(summary["recent"]),
        "slack_inactive": metrics.get(CommunityMetricName.SLACK_USERS_INACTIVE.value),
        "days": days,
        "weeks": weeks,
        "contributors_total": weeks[-1]["contributors"] if weeks else None,
        "charts": _charts(days, weeks),
        "groups": _repositories(found),
        "uptime": _uptime(found),
        "uptime_periods": UPTIME_PERIODS,
    }
    return render(request, "stats/community.html", context)
