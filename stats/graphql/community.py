"""``registry { community { ... } }``: the REST community endpoints' numbers in GraphQL.

Every resolver calls :mod:`stats.selectors.community`, as /api/v1/community/ does, so
both answer the same question with the same numbers. ``community`` is null for a
registry without community data. Lists are bounded: at most ``MAX_REPOSITORIES``
repositories per call, ``MAX_SERIES_REPOSITORIES`` when their daily series are asked
for too, and at most ``MAX_DAILY_DAYS`` days per series.

The field is mounted on :class:`stats.graphql.types.RegistryType` by
:func:`mount_community` (called in :mod:`stats.graphql.schema`), so the community
types live here, beside their resolvers.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from django.http import Http404
from strawberry.types.nodes import SelectedField

from stats.graphql.types import MAX_DAILY_DAYS, MAX_LIST, BigInt, bad_input
from stats.models import CommunityMetricName, Registry, Repository, RepositoryKind
from stats.selectors.community import (
    LATEST_FIELDS,
    get_repository,
    has_community_data,
    metric_series,
    organisation_summary,
    repository_list,
    repository_series,
    uptime_days,
    uptime_summary,
)

MAX_REPOSITORIES = MAX_LIST
DEFAULT_REPOSITORIES = 100
"""As REST's page size; the cap when series are asked for."""
MAX_SERIES_REPOSITORIES = 20
"""Each repository's series is its own few queries: fewer repositories per call then."""
MAX_SUMMARY_DAYS = 3650
MAX_UPTIME_DAYS = 5000
"""Rows of uptime per day (URLs times days) one call may return."""


@strawberry.enum(description="Pipelines or the organisation's other (core) repositories.")
class RepositoryKindEnum(Enum):
    PIPELINE = RepositoryKind.PIPELINE.value
    CORE = RepositoryKind.CORE.value


CommunityMetricEnum = strawberry.enum(
    Enum("CommunityMetricEnum", {m.name: m.value for m in CommunityMetricName}),
    description="Organisation-wide numbers recorded per day.",
)


def _period(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise bad_input("start must not be after end")


@strawberry.type(description="One repository on one day; null: not measured that day.")
class RepositoryDayNode:
    day: dt.date
    stars: int | None
    forks: int | None
    network_forks: int | None
    watchers: int | None
    open_issues: int | None
    open_prs: int | None
    releases: int | None
    contributors: int | None
    views: int | None = strawberry.field(description="GitHub traffic: page views that day.")
    unique_views: int | None = strawberry.field(description="REST's unique_visitors.")
    clones: int | None
    unique_clones: int | None = strawberry.field(description="REST's unique_cloners.")
    issues_opened: int = strawberry.field(description="Issues opened that day (UTC).")
    issues_closed: int = strawberry.field(description="REST's issues_closed_on_day.")
    prs_opened: int
    prs_closed: int = strawberry.field(description="REST's prs_closed_on_day.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RepositoryDayNode:
        return cls(
            day=row["day"],
            stars=row["stars"],
            forks=row["forks"],
            network_forks=row["network_forks"],
            watchers=row["watchers"],
            open_issues=row["open_issues"],
            open_prs=row["open_prs"],
            releases=row["releases"],
            contributors=row["contributors"],
            views=row["views"],
            unique_views=row["unique_visitors"],
            clones=row["clones"],
            unique_clones=row["unique_cloners"],
            issues_opened=row["issues_opened"],
            issues_closed=row["issues_closed_on_day"],
            prs_opened=row["prs_opened"],
            prs_closed=row["prs_closed_on_day"],
        )


@strawberry.type(description="A repository with its latest numbers, as REST's repository list.")
class RepositoryNode:
    name: str
    kind: RepositoryKindEnum
    description: str
    archived: bool
    html_url: str
    stars: int | None
    forks: int | None
    network_forks: int | None
    watchers: int | None
    open_issues: int | None
    releases: int | None
    repository: strawberry.Private[Repository]

    @classmethod
    def from_model(cls, row: Repository) -> RepositoryNode:
        latest = {f: getattr(row, f"latest_{f}", None) for f in LATEST_FIELDS}
        return cls(
            name=row.name,
            kind=RepositoryKindEnum(row.kind),
            description=row.description,
            archived=row.archived,
            html_url=row.html_url,
            repository=row,
            **latest,
        )

    @strawberry.field(
        description=f"Recorded days from start to end (both included), as REST's "
        f"/community/{{registry}}/repositories/{{name}}; at most {MAX_DAILY_DAYS} days per call."
    )
    def series(
        self, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[RepositoryDayNode]:
        _period(start, end)
        rows = repository_series(repository=self.repository, start=start, end=end)
        if len(rows) > MAX_DAILY_DAYS:
            raise bad_input(
                f"a series holds at most {MAX_DAILY_DAYS} days ({len(rows)} recorded): "
                "narrow start and end"
            )
        return [RepositoryDayNode.from_row(row) for row in rows]


@strawberry.type(description="Sums of many repositories' counts: BigInt, beyond 32 bits.")
class RepositoryTotals:
    stars: BigInt
    forks: BigInt
    network_forks: BigInt
    watchers: BigInt
    open_issues: BigInt
    releases: BigInt


@strawberry.type
class MetricValue:
    name: str
    value: BigInt
    day: dt.date


@strawberry.type
class MetricPoint:
    day: dt.date
    value: BigInt


@strawberry.type(description="Issues and pull requests of the last `days` days.")
class RecentIssues:
    days: int
    issues_opened: int
    issues_closed: int
    issues_open: int
    median_issues_close_seconds: float | None
    median_issues_response_seconds: float | None
    prs_opened: int
    prs_closed: int
    prs_open: int
    median_prs_close_seconds: float | None
    median_prs_response_seconds: float | None


@strawberry.type(description="The organisation, as REST's /community/{registry}/summary.")
class CommunitySummary:
    repositories: int
    pipelines: int
    core: int
    totals: RepositoryTotals = strawberry.field(
        description="Each repository's latest numbers, summed."
    )
    metrics: list[MetricValue] = strawberry.field(
        description="Each organisation metric's latest value (members, Slack, YouTube, X)."
    )
    recent: RecentIssues


@strawberry.type
class UptimeUrlNode:
    url: str
    checks: int
    available: int
    uptime_percent: float | None
    last_checked_at: dt.datetime | None
    last_available: bool | None
    last_latency_ms: int | None


@strawberry.type
class UptimeDayNode:
    url: str
    day: dt.date
    checks: int
    available: int
    uptime_percent: float | None


@strawberry.type(description="As REST's /community/{registry}/uptime: per URL and per day.")
class UptimeNode:
    start: dt.date | None
    end: dt.date | None
    urls: list[UptimeUrlNode]
    days: list[UptimeDayNode]


def _selects(fields: list[Any], name: str) -> bool:
    """Whether the query asks for ``name`` anywhere below these fields (fragments too)."""
    for field in fields:
        if isinstance(field, SelectedField) and field.name == name:
            return True
        if _selects(getattr(field, "selections", []) or [], name):
            return True
    return False


@strawberry.type(description="The registry's community: GitHub organisation, chat, uptime.")
class CommunityNode:
    registry: strawberry.Private[Registry]

    @strawberry.field
    def summary(self, days: int = 30) -> CommunitySummary:
        if not 1 <= days <= MAX_SUMMARY_DAYS:
            raise bad_input(f"days must be between 1 and {MAX_SUMMARY_DAYS}")
        found = organisation_summary(registry=self.registry, days=days)
        return CommunitySummary(
            repositories=found["repositories"],
            pipelines=found["kinds"][RepositoryKind.PIPELINE.value],
            core=found["kinds"][RepositoryKind.CORE.value],
            totals=RepositoryTotals(**found["totals"]),
            metrics=[
                MetricValue(name=name, value=m["value"], day=m["day"])
                for name, m in found["metrics"].items()
            ],
            recent=RecentIssues(**found["recent"]),
        )

    @strawberry.field(description="How many repositories `repositories` can page through.")
    def repository_count(self, kind: RepositoryKindEnum | None = None) -> int:
        return repository_list(registry=self.registry, kind=_kind(kind)).count()

    @strawberry.field(
        description=f"By name, as REST's paginated list: `first` (default "
        f"{DEFAULT_REPOSITORIES}) at most {MAX_REPOSITORIES}, or {MAX_SERIES_REPOSITORIES} when "
        "their series are asked for."
    )
    def repositories(
        self,
        info: strawberry.Info,
        kind: RepositoryKindEnum | None = None,
        first: int | None = None,
        offset: int = 0,
    ) -> list[RepositoryNode]:
        with_series = _selects(info.selected_fields, "series")
        maximum = MAX_SERIES_REPOSITORIES if with_series else MAX_REPOSITORIES
        if first is None:
            first = min(DEFAULT_REPOSITORIES, maximum)
        if not 1 <= first <= maximum:
            raise bad_input(f"first must be between 1 and {maximum}")
        if offset < 0:
            raise bad_input("offset must not be negative")
        rows = repository_list(registry=self.registry, kind=_kind(kind))[offset : offset + first]
        return [RepositoryNode.from_model(row) for row in rows]

    @strawberry.field(description="One repository by name; null when there is none.")
    def repository(self, name: str) -> RepositoryNode | None:
        try:
            found = get_repository(registry=self.registry, name=name)
        except Http404:
            return None
        row = repository_list(registry=self.registry).get(pk=found.pk)
        return RepositoryNode.from_model(row)

    @strawberry.field(description="One organisation metric per day.")
    def metric(
        self,
        name: CommunityMetricEnum,  # type: ignore[valid-type]
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[MetricPoint]:
        _period(start, end)
        rows = metric_series(registry=self.registry, name=name.value, start=start, end=end)
        return [MetricPoint(day=r["day"], value=r["value"]) for r in rows]

    @strawberry.field(description="Days in the registry's timezone, both ends included.")
    def uptime(self, start: dt.date | None = None, end: dt.date | None = None) -> UptimeNode:
        _period(start, end)
        days = uptime_days(registry=self.registry, start=start, end=end)
        if len(days) > MAX_UPTIME_DAYS:
            raise bad_input(f"at most {MAX_UPTIME_DAYS} uptime days per call: narrow start/end")
        return UptimeNode(
            start=start,
            end=end,
            urls=[
                UptimeUrlNode(**row)
                for row in uptime_summary(registry=self.registry, start=start, end=end)
            ],
            days=[UptimeDayNode(**row) for row in days],
        )


def _kind(kind: RepositoryKindEnum | None) -> RepositoryKind | None:
    return None if kind is None else RepositoryKind(kind.value)


@strawberry.type
class _CommunityField:
    @strawberry.field(
        description="Community numbers (GitHub, Slack, YouTube, X, uptime); null when the "
        "registry has none."
    )
    def community(self) -> CommunityNode | None:
        registry: Registry = self  # type: ignore[assignment]  # the resolved registry
        if not has_community_data(registry=registry):
            return None
        return CommunityNode(registry=registry)


def mount_community(registry_type: type) -> None:
    """Add ``community`` to the registry type (before the schema is built; once)."""
    definition = registry_type.__strawberry_definition__  # type: ignore[attr-defined]
    if any(f.python_name == "community" for f in definition.fields):
        return
    definition.fields.append(_CommunityField.__strawberry_definition__.fields[0])  # type: ignore[attr-defined]
