"""Reads of community numbers: repositories, their daily series, the organisation, uptime."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.http import Http404

from stats.models import (
    CommunityMetric,
    ContributorWeek,
    IssueKind,
    Registry,
    Repository,
    RepositoryDay,
    RepositoryIssue,
    RepositoryKind,
    UptimeCheck,
)

LATEST_FIELDS = ("stars", "forks", "network_forks", "watchers", "open_issues", "releases")
DAY_FIELDS = (
    "stars",
    "forks",
    "network_forks",
    "watchers",
    "open_issues",
    "open_prs",
    "releases",
    "contributors",
    "views",
    "unique_visitors",
    "clones",
    "unique_cloners",
    "issues_total",
    "issues_closed",
    "prs_total",
    "prs_closed",
    "median_issue_close_seconds",
    "median_pr_close_seconds",
    "median_issue_response_seconds",
    "median_pr_response_seconds",
)


def _latest(field: str) -> Subquery:
    """The repository's most recent non-empty value of ``field``."""
    days = RepositoryDay.objects.filter(repository=OuterRef("pk"), **{f"{field}__isnull": False})
    return Subquery(days.order_by("-day").values(field)[:1])


def repository_list(*, registry: Registry, kind: RepositoryKind | None = None) -> QuerySet:
    """Repositories with their latest numbers, by name (one query, subqueries per number)."""
    rows = Repository.objects.filter(registry=registry)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.annotate(**{f"latest_{f}": _latest(f) for f in LATEST_FIELDS}).order_by("name")


def get_repository(*, registry: Registry, name: str) -> Repository:
    try:
        return Repository.objects.get(registry=registry, name=name)
    except Repository.DoesNotExist:
        raise Http404(f"Unknown repository {name!r} of registry {registry.name!r}") from None


def repository_series(
    *, repository: Repository, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Each recorded day's numbers plus issues and PRs opened and closed that day (UTC)."""
    days = RepositoryDay.objects.filter(repository=repository)
    if start:
        days = days.filter(day__gte=start)
    if end:
        days = days.filter(day__lte=end)
    rows = {d["day"]: {**d} for d in days.order_by("day").values("day", *DAY_FIELDS)}
    for column, kind, field in (
        ("issues_opened", IssueKind.ISSUE, "created_at"),
        ("issues_closed_on_day", IssueKind.ISSUE, "closed_at"),
        ("prs_opened", IssueKind.PULL_REQUEST, "created_at"),
        ("prs_closed_on_day", IssueKind.PULL_REQUEST, "closed_at"),
    ):
        for day, n in _per_day(repository, kind, field, start, end):
            rows.setdefault(day, {"day": day, **dict.fromkeys(DAY_FIELDS)})[column] = n
    series = [rows[d] for d in sorted(rows)]
    for row in series:
        for column in ("issues_opened", "issues_closed_on_day", "prs_opened", "prs_closed_on_day"):
            row.setdefault(column, 0)
    return series


def _per_day(
    repository: Repository, kind: str, field: str, start: dt.date | None, end: dt.date | None
) -> list[tuple[dt.date, int]]:
    issues = RepositoryIssue.objects.filter(
        repository=repository, kind=kind, **{f"{field}__isnull": False}
    ).annotate(on=TruncDate(field, tzinfo=dt.UTC))
    if start:
        issues = issues.filter(on__gte=start)
    if end:
        issues = issues.filter(on__lte=end)
    return list(issues.values("on").annotate(n=Count("id")).values_list("on", "n"))


def metric_series(
    *, registry: Registry, name: str, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet:
    rows = CommunityMetric.objects.filter(registry=registry, name=name)
    if start:
        rows = rows.filter(day__gte=start)
    if end:
        rows = rows.filter(day__lte=end)
    return rows.order_by("day").values("day", "value")


def latest_metrics(*, registry: Registry) -> dict[str, dict[str, Any]]:
    """Each organisation metric's most recent value and its day."""
    last = (
        CommunityMetric.objects.filter(registry=registry)
        .values("name")
        .annotate(last=Max("day"))
        .values_list("name", "last")
    )
    if not last:
        return {}
    wanted = Q()
    for name, day in last:
        wanted |= Q(name=name, day=day)
    rows = CommunityMetric.objects.filter(wanted, registry=registry)
    return {m.name: {"value": m.value, "day": m.day} for m in rows.order_by("name")}


def organisation_summary(*, registry: Registry, days: int = 30) -> dict[str, Any]:
    """Repositories by kind with summed latest numbers, organisation metrics, recent issues."""
    repositories = list(repository_list(registry=registry))
    totals = {f: sum(getattr(r, f"latest_{f}") or 0 for r in repositories) for f in LATEST_FIELDS}
    kinds = {k.value: sum(1 for r in repositories if r.kind == k) for k in RepositoryKind}
    since = _today() - dt.timedelta(days=days)
    issues = RepositoryIssue.objects.filter(repository__registry=registry)
    recent: dict[str, Any] = {"days": days}
    for kind, label in ((IssueKind.ISSUE, "issues"), (IssueKind.PULL_REQUEST, "prs")):
        of_kind = issues.filter(kind=kind)
        closed = list(
            of_kind.filter(closed_at__date__gte=since).values_list("created_at", "closed_at")
        )
        answered = list(
            of_kind.filter(
                created_at__date__gte=since, first_response_at__isnull=False
            ).values_list("created_at", "first_response_at")
        )
        recent[f"{label}_opened"] = of_kind.filter(created_at__date__gte=since).count()
        recent[f"{label}_closed"] = len(closed)
        recent[f"{label}_open"] = of_kind.filter(closed_at__isnull=True).count()
        recent[f"median_{label}_close_seconds"] = _median([c - o for o, c in closed if c])
        recent[f"median_{label}_response_seconds"] = _median([r - o for o, r in answered if r])
    return {
        "registry": registry.name,
        "repositories": len(repositories),
        "kinds": kinds,
        "totals": totals,
        "metrics": latest_metrics(registry=registry),
        "recent": recent,
    }


def _median(spans: list[dt.timedelta]) -> float | None:
    return statistics.median(s.total_seconds() for s in spans) if spans else None


def _today() -> dt.date:
    return dt.datetime.now(tz=dt.UTC).date()


def uptime_days(
    *, registry: Registry, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per URL and day (in the registry's timezone): checks, available, percentage, latency."""
    zone = ZoneInfo(registry.timezone or "UTC")
    checks = UptimeCheck.objects.filter(registry=registry).annotate(
        day=TruncDate("checked_at", tzinfo=zone)
    )
    if start:
        checks = checks.filter(day__gte=start)
    if end:
        checks = checks.filter(day__lte=end)
    rows = (
        checks.values("url", "day")
        .annotate(checks=Count("id"), available=Count("id", filter=Q(available=True)))
        .order_by("url", "day")
    )
    return [{**row, "uptime_percent": _percent(row["available"], row["checks"])} for row in rows]


def uptime_summary(
    *, registry: Registry, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per URL over the period: checks, available, percentage, mean latency, last check."""
    totals: dict[str, dict[str, Any]] = {}
    for row in uptime_days(registry=registry, start=start, end=end):
        entry = totals.setdefault(row["url"], {"url": row["url"], "checks": 0, "available": 0})
        entry["checks"] += row["checks"]
        entry["available"] += row["available"]
    seen: dict[str, Mapping[str, Any]] = {
        url: UptimeCheck.objects.filter(registry=registry, url=url)
        .order_by("-checked_at")
        .values("checked_at", "available", "latency_ms")
        .first()
        or {}
        for url in totals
    }
    return [
        {
            **entry,
            "uptime_percent": _percent(entry["available"], entry["checks"]),
            "last_checked_at": seen[url].get("checked_at"),
            "last_available": seen[url].get("available"),
            "last_latency_ms": seen[url].get("latency_ms"),
        }
        for url, entry in sorted(totals.items())
    ]


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 3) if whole else None


ORGANISATION_STATE_FIELDS = ("stars", "forks", "watchers")
"""Numbers a repository keeps until they change: summed over each one's latest value."""
ORGANISATION_FLOW_FIELDS = ("views", "unique_visitors", "clones", "unique_cloners")
"""Numbers of one day (GitHub traffic): summed over the repositories measured that day."""


def has_community_data(*, registry: Registry) -> bool:
    """Whether the registry has anything to show on a community page."""
    return (
        Repository.objects.filter(registry=registry).exists()
        or CommunityMetric.objects.filter(registry=registry).exists()
        or UptimeCheck.objects.filter(registry=registry).exists()
    )


def organisation_series(
    *,
    registry: Registry,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: RepositoryKind | None = None,
) -> list[dict[str, Any]]:
    """Every day from the first recorded one: the organisation's stars, forks and traffic.

    Stars, forks and watchers are each repository's most recent value on or before the
    day (as ``repository_list``'s latest numbers), summed, so the last day equals the
    summary's totals; traffic is the sum over repositories measured that day, None when
    none was. ``repositories`` counts those with a star count known by then.
    """
    repositories = Repository.objects.filter(registry=registry)
    if kind is not None:
        repositories = repositories.filter(kind=kind)
    days = RepositoryDay.objects.filter(repository__in=repositories)
    if end is not None:
        days = days.filter(day__lte=end)
    known: dict[str, dict[int, int]] = {f: {} for f in ORGANISATION_STATE_FIELDS}
    if start is not None:  # each repository's numbers before the period, then its days
        known = _state_before(repositories, start)
        days = days.filter(day__gte=start)
    fields = (*ORGANISATION_STATE_FIELDS, *ORGANISATION_FLOW_FIELDS)
    by_day: dict[dt.date, list[tuple[Any, ...]]] = {}
    for row in days.order_by("day").values_list("repository_id", "day", *fields):
        by_day.setdefault(row[1], []).append(row)
    if not by_day:
        return []
    series = []
    day, last = min(by_day), max(by_day)
    if start is not None and any(known.values()):
        day = start
    while day <= last:
        flows: dict[str, int | None] = dict.fromkeys(ORGANISATION_FLOW_FIELDS)
        for repository_id, _, *values in by_day.get(day, ()):
            for field, value in zip(fields, values, strict=True):
                if value is None:
                    continue
                if field in known:
                    known[field][repository_id] = value
                else:
                    flows[field] = (flows[field] or 0) + value
        state = {f: sum(known[f].values()) if known[f] else None for f in known}
        series.append({"day": day, **state, **flows, "repositories": len(known["stars"])})
        day += dt.timedelta(days=1)
    return series


def _state_before(repositories: QuerySet, start: dt.date) -> dict[str, dict[int, int]]:
    """Each repository's latest stars, forks and watchers before ``start`` (one query)."""
    latest = {
        field: Subquery(
            RepositoryDay.objects.filter(
                repository=OuterRef("pk"), day__lt=start, **{f"{field}__isnull": False}
            )
            .order_by("-day")
            .values(field)[:1]
        )
        for field in ORGANISATION_STATE_FIELDS
    }
    known: dict[str, dict[int, int]] = {f: {} for f in ORGANISATION_STATE_FIELDS}
    for pk, *values in repositories.annotate(**latest).values_list(
        "pk", *ORGANISATION_STATE_FIELDS
    ):
        for field, value in zip(ORGANISATION_STATE_FIELDS, values, strict=True):
            if value is not None:
                known[field][pk] = value
    return known


def last_repository_day(*, registry: Registry) -> dt.date | None:
    """The last day any repository of the registry was recorded."""
    return RepositoryDay.objects.filter(repository__registry=registry).aggregate(last=Max("day"))[
        "last"
    ]


def contributor_weeks(
    *, registry: Registry, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every week from the first commit: people who committed, their commits, and the
    number of distinct people who had committed to any repository by then.

    A person committing to several repositories counts once (GitHub logins).
    """
    weeks = ContributorWeek.objects.filter(
        contributor__repository__registry=registry, commits__gt=0
    )
    if end is not None:
        weeks = weeks.filter(week__lte=end)
    totals = {
        row["week"]: row
        for row in weeks.values("week").annotate(
            active=Count("contributor__login", distinct=True),
            commits=Sum("commits"),
            additions=Sum("additions"),
            deletions=Sum("deletions"),
        )
    }
    if not totals:
        return []
    newcomers = Counter(  # people by the week of their first commit anywhere
        weeks.values("contributor__login")
        .annotate(first=Min("week"))
        .values_list("first", flat=True)
    )
    first, last = min(totals), max(totals)
    steps = {first + dt.timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)}
    seen = 0
    series = []
    for week in sorted(steps | set(totals)):  # Sundays from GitHub; any other day kept
        seen += newcomers.get(week, 0)
        if start is None or week >= start:
            row: Mapping[str, Any] = totals.get(week, {})
            series.append(
                {
                    "week": week,
                    "active": row.get("active", 0),
                    "commits": row.get("commits", 0),
                    "additions": row.get("additions", 0),
                    "deletions": row.get("deletions", 0),
                    "contributors": seen,
                }
            )
    return series


__all__ = [
    "contributor_weeks",
    "get_repository",
    "has_community_data",
    "last_repository_day",
    "latest_metrics",
    "metric_series",
    "organisation_series",
    "organisation_summary",
    "repository_list",
    "repository_series",
    "uptime_days",
    "uptime_summary",
]
