"""Community numbers of a registry: repositories, their daily series, organisation, uptime."""

# No ``from __future__ import annotations``: @paginate wraps the view, and Ninja must
# evaluate its annotations outside this module.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from stats.api.common import BoundedPageNumberPagination, registry_or_error
from stats.api.errors import BadRequest
from stats.models import CommunityMetricName, RepositoryKind
from stats.selectors.community import (
    get_repository,
    metric_series,
    organisation_summary,
    repository_list,
    repository_series,
    uptime_days,
    uptime_summary,
)

router = Router(tags=["community"])

StartQuery = Query(None, description="First day (YYYY-MM-DD), inclusive.")
EndQuery = Query(None, description="Last day (YYYY-MM-DD), inclusive.")


class RepositoryRow(Schema):
    name: str = Field(..., examples=["rnaseq"])
    kind: RepositoryKind = Field(..., examples=["pipeline"])
    description: str = Field(..., examples=["RNA sequencing analysis pipeline"])
    archived: bool = Field(..., examples=[False])
    html_url: str = Field(..., examples=["https://github.com/nf-core/rnaseq"])
    stars: int | None = Field(None, alias="latest_stars", examples=[900])
    forks: int | None = Field(None, alias="latest_forks", examples=[700])
    network_forks: int | None = Field(None, alias="latest_network_forks", examples=[700])
    watchers: int | None = Field(None, alias="latest_watchers", examples=[200])
    open_issues: int | None = Field(None, alias="latest_open_issues", examples=[120])
    releases: int | None = Field(None, alias="latest_releases", examples=[31])


class RepositoryDayOut(Schema):
    day: dt.date = Field(..., examples=["2024-03-14"])
    stars: int | None = None
    forks: int | None = None
    network_forks: int | None = None
    watchers: int | None = None
    open_issues: int | None = None
    open_prs: int | None = None
    releases: int | None = None
    contributors: int | None = None
    views: int | None = Field(None, description="GitHub traffic: page views that day.")
    unique_visitors: int | None = None
    clones: int | None = None
    unique_cloners: int | None = None
    issues_total: int | None = None
    issues_closed: int | None = None
    prs_total: int | None = None
    prs_closed: int | None = None
    median_issue_close_seconds: float | None = None
    median_pr_close_seconds: float | None = None
    median_issue_response_seconds: float | None = Field(
        None, description="First answer by someone other than the author, bots excluded."
    )
    median_pr_response_seconds: float | None = None
    issues_opened: int = Field(0, description="Issues opened that day (UTC).")
    issues_closed_on_day: int = 0
    prs_opened: int = 0
    prs_closed_on_day: int = 0


class RepositoryOut(Schema):
    registry: str = Field(..., examples=["nf-core"])
    name: str = Field(..., examples=["rnaseq"])
    kind: RepositoryKind
    description: str
    archived: bool
    created_at: dt.datetime | None
    releases: list[str] = Field(..., examples=[["3.14.0", "3.13.2"]])
    series: list[RepositoryDayOut]


class MetricPoint(Schema):
    day: dt.date = Field(..., examples=["2024-03-14"])
    value: int = Field(..., examples=[1043])


class UptimeDay(Schema):
    url: str = Field(..., examples=["https://nf-co.re"])
    day: dt.date
    checks: int = Field(..., examples=[288])
    available: int = Field(..., examples=[287])
    uptime_percent: float | None = Field(..., examples=[99.653])


class UptimeUrl(Schema):
    url: str = Field(..., examples=["https://nf-co.re"])
    checks: int
    available: int
    uptime_percent: float | None = Field(..., examples=[99.9])
    last_checked_at: dt.datetime | None
    last_available: bool | None
    last_latency_ms: int | None


class UptimeOut(Schema):
    registry: str
    start: dt.date | None
    end: dt.date | None
    urls: list[UptimeUrl]
    days: list[UptimeDay]


def _period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise BadRequest("start: must not be after end")


@router.get(
    "/community/{registry}/repositories",
    response=list[RepositoryRow],
    operation_id="community_repositories",
    summary="Repositories of the registry's GitHub organisation with their latest numbers",
)
@paginate(BoundedPageNumberPagination)
def repositories(
    request: HttpRequest,
    registry: str,
    kind: RepositoryKind | None = Query(None, description="pipeline or core"),  # noqa: B008
) -> Any:
    return repository_list(registry=registry_or_error(request, registry), kind=kind)


@router.get(
    "/community/{registry}/repositories/{name}",
    response=RepositoryOut,
    operation_id="community_repository",
    summary="One repository: its daily series (counts, traffic, issues, contributors)",
)
def repository(
    request: HttpRequest,
    registry: str,
    name: str,
    start: dt.date | None = StartQuery,
    end: dt.date | None = EndQuery,
) -> Any:
    _period(start, end)
    found = get_repository(registry=registry_or_error(request, registry), name=name)
    return {
        "registry": registry,
        "name": found.name,
        "kind": found.kind,
        "description": found.description,
        "archived": found.archived,
        "created_at": found.created_at,
        "releases": list(found.releases.values_list("tag_name", flat=True)),
        "series": repository_series(repository=found, start=start, end=end),
    }


@router.get(
    "/community/{registry}/summary",
    response=dict[str, Any],
    operation_id="community_summary",
    summary="The organisation: repositories, summed latest numbers, members, Slack, videos...",
)
def summary(
    request: HttpRequest,
    registry: str,
    days: int = Query(30, ge=1, le=3650, description="Window of the recent issue numbers."),
) -> Any:
    return organisation_summary(registry=registry_or_error(request, registry), days=days)


@router.get(
    "/community/{registry}/metrics/{name}",
    response=list[MetricPoint],
    operation_id="community_metric",
    summary="One organisation metric per day (github_members, slack_users_active, ...)",
)
def metric(
    request: HttpRequest,
    registry: str,
    name: CommunityMetricName,
    start: dt.date | None = StartQuery,
    end: dt.date | None = EndQuery,
) -> Any:
    _period(start, end)
    found = registry_or_error(request, registry)
    return list(metric_series(registry=found, name=name, start=start, end=end))


@router.get(
    "/community/{registry}/uptime",
    response=UptimeOut,
    operation_id="community_uptime",
    summary="Website uptime: percentage per URL over the period and per day",
)
def uptime(
    request: HttpRequest,
    registry: str,
    start: dt.date | None = StartQuery,
    end: dt.date | None = EndQuery,
) -> Any:
    _period(start, end)
    found = registry_or_error(request, registry)
    return {
        "registry": found.name,
        "start": start,
        "end": end,
        "urls": uptime_summary(registry=found, start=start, end=end),
        "days": uptime_days(registry=found, start=start, end=end),
    }
