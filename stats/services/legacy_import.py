"""Import of nf-core's legacy community files: the website's pipelines.json and the stats JSON/CSV.

Every import is an upsert keyed by natural keys (repository name, release tag, day,
metric name), so importing the same file twice changes nothing. Nulls and missing fields
are taken as "not known" and leave stored values alone; a value of the wrong type is
refused with LegacyImportError naming its field (``remote_workflows.0.forks_count``), and
so is one its column cannot hold (``legacy_schemas``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from stats.models import (
    CommunityMetric,
    CommunityMetricName,
    Contributor,
    Registry,
    Release,
    Repository,
    RepositoryDay,
    RepositoryKind,
)
from stats.selectors.periods import EARLIEST_DAY, LATEST_DAY
from stats.services.legacy_schemas import (
    BIG_INTEGER_MAX,
    ContributorStatsIn,
    IssueStatsIn,
    LegacyImportError,
    PipelineEntryIn,
    PipelinesIn,
    PipelineStatsIn,
    TwitterIn,
    check_repository_name,
    parse_as,
)

NOT_A_RELEASE = "dev"
"""The website lists the development branch among a pipeline's releases."""


class SeriesKind(StrEnum):
    GITHUB_PRS = "github-prs"
    PIPELINE_NUMBERS = "pipeline-numbers"


SERIES_COLUMNS: dict[SeriesKind, dict[str, CommunityMetricName]] = {
    SeriesKind.GITHUB_PRS: {
        "closed_merged": CommunityMetricName.GITHUB_PRS_CLOSED_MERGED,
        "open": CommunityMetricName.GITHUB_PRS_OPEN,
    },
    SeriesKind.PIPELINE_NUMBERS: {
        "in_development": CommunityMetricName.PIPELINES_IN_DEVELOPMENT,
        "released": CommunityMetricName.PIPELINES_RELEASED,
    },
}


@dataclass
class ImportResult:
    """Rows created, changed and left as they were: a second import is all ``unchanged``."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repositories: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _upsert(model: type[Model], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, str]:
    """Create or change a row; ``values`` of None are not known and leave the row alone."""
    known = {k: v for k, v in values.items() if v is not None}
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        return model._default_manager.create(**lookup, **known), "created"
    changed = [k for k, v in known.items() if getattr(row, k) != v]
    for key in changed:
        setattr(row, key, known[key])
    if changed:
        row.save(update_fields=changed)
    return row, "updated" if changed else "unchanged"


def _snapshot_day(updated: float | None, day: dt.date | None) -> dt.date:
    if day is not None:
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise LegacyImportError(f"day: {day} is outside {EARLIEST_DAY}..{LATEST_DAY}")
        return day
    if updated is not None:
        return dt.datetime.fromtimestamp(updated, tz=dt.UTC).date()
    return timezone.now().astimezone(dt.UTC).date()


@transaction.atomic
def pipelines_import(
    *, registry: Registry, payload: Any, day: dt.date | None = None
) -> ImportResult:
    """The website's pipelines.json: repositories, releases, contributors, a day's counts.

    The day is ``day``, else the file's ``updated`` time, else today (UTC).
    """
    if not isinstance(payload, dict):
        raise LegacyImportError("body: expected a JSON object with remote_workflows")
    data = parse_as(PipelinesIn, payload)
    snapshot = _snapshot_day(data.updated, day)
    result = ImportResult()
    for workflow in data.remote_workflows:
        repository, outcome = _upsert(
            Repository,
            {"registry": registry, "name": workflow.name},
            {
                "kind": RepositoryKind.PIPELINE,
                "github_id": workflow.id,
                "description": workflow.description,
                "html_url": workflow.html_url,
                "created_at": workflow.created_at,
                "pushed_at": workflow.pushed_at,
                "archived": workflow.archived,
                "topics": workflow.topics,
            },
        )
        result.count(outcome)
        result.repositories += 1
        releases = [r for r in workflow.releases or [] if r.tag_name != NOT_A_RELEASE]
        for release in releases:
            _, outcome = _upsert(
                Release,
                {"repository": repository, "tag_name": release.tag_name},
                {"published_at": release.published_at, "tag_sha": release.tag_sha},
            )
            result.count(outcome)
        for person in workflow.contributors or []:
            _, outcome = _upsert(
                Contributor,
                {"repository": repository, "login": person.name},
                {"commits": person.count, "avatar_url": person.avatar_url},
            )
            result.count(outcome)
        values = {
            "stars": workflow.stargazers_count,
            "forks": workflow.forks_count,
            "network_forks": workflow.network_count,
            "watchers": workflow.subscribers_count,
            "open_issues": workflow.open_issues_count,
            "open_prs": workflow.open_pr_count,
            "releases": len(releases) if workflow.releases is not None else None,
            "contributors": len(workflow.contributors)
            if workflow.contributors is not None
            else None,
        }
        _, outcome = _upsert(RepositoryDay, {"repository": repository, "day": snapshot}, values)
        result.count(outcome)
    return result


@transaction.atomic
def stats_import(*, registry: Registry, payload: Any, day: dt.date | None = None) -> ImportResult:
    """nf-core/stats' per-pipeline JSON (pipeline_stats, issue_stats, contributor_stats)."""
    if not isinstance(payload, dict):
        raise LegacyImportError("body: expected a JSON object keyed by pipeline name")
    snapshot = _snapshot_day(None, day)
    result = ImportResult()
    for name, entry in payload.items():
        check_repository_name(name)
        data = parse_as(PipelineEntryIn, entry, root=str(name))
        stats = data.pipeline_stats or PipelineStatsIn()
        kind = (
            RepositoryKind.PIPELINE if stats.category in (None, "pipeline") else RepositoryKind.CORE
        )
        repository, outcome = _upsert(
            Repository,
            {"registry": registry, "name": stats.name or name},
            {"kind": kind, "description": stats.description, "archived": stats.archived},
        )
        result.count(outcome)
        result.repositories += 1
        issues = data.issue_stats or IssueStatsIn()
        values = {
            "stars": stats.stargazers_count,
            "forks": stats.forks_count,
            "watchers": stats.watchers_count,
            "open_issues": stats.open_issues_count,
            "issues_total": issues.issue_count,
            "issues_closed": issues.closed_issue_count,
            "prs_total": issues.pr_count,
            "prs_closed": issues.closed_pr_count,
            "median_issue_close_seconds": issues.median_seconds_to_issue_closed,
            "median_pr_close_seconds": issues.median_seconds_to_pr_closed,
            "contributors": (data.contributor_stats or ContributorStatsIn()).number_of_contributors,
        }
        _, outcome = _upsert(RepositoryDay, {"repository": repository, "day": snapshot}, values)
        result.count(outcome)
    return result


@transaction.atomic
def series_import(*, registry: Registry, kind: SeriesKind, text: str) -> ImportResult:
    """nf-core/stats' static CSV series (``date`` plus counts) into organisation metrics."""
    columns = SERIES_COLUMNS[kind]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = sorted({"date", *columns} - set(reader.fieldnames or []))
    if missing:
        raise LegacyImportError(f"header: missing column(s) {', '.join(missing)}")
    wanted: dict[tuple[str, dt.date], int] = {}
    for line, row in enumerate(reader, start=2):
        day = _csv_date(row.get("date"), line)
        for column, metric in columns.items():
            raw = (row.get(column) or "").strip()
            if not raw:
                continue
            count = _csv_count(raw)
            if count is None:
                raise LegacyImportError(f"line {line}, {column}: expected a count, got {raw!r}")
            wanted[(metric, day)] = count
    return _metrics_upsert(registry=registry, wanted=wanted)


def _metrics_upsert(*, registry: Registry, wanted: dict[tuple[str, dt.date], int]) -> ImportResult:
    """Many metric values in a few statements (the CSV series have thousands of rows)."""
    existing = {
        (m.name, m.day): m
        for m in CommunityMetric.objects.filter(
            registry=registry, name__in={name for name, _ in wanted}
        )
    }
    result = ImportResult()
    new, changed = [], []
    for (name, day), value in wanted.items():
        row = existing.get((name, day))
        if row is None:
            new.append(CommunityMetric(registry=registry, name=name, day=day, value=value))
        elif row.value != value:
            row.value = value
            changed.append(row)
    CommunityMetric.objects.bulk_create(new, batch_size=1000)
    CommunityMetric.objects.bulk_update(changed, ["value"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(wanted) - len(new) - len(changed)
    return result


@transaction.atomic
def twitter_import(*, registry: Registry, payload: Any) -> ImportResult:
    """One X/Twitter account snapshot (followers, following, posts) at its timestamp."""
    data = parse_as(TwitterIn, payload)
    day = dt.datetime.fromtimestamp(data.timestamp, tz=dt.UTC).date()
    result = ImportResult()
    for metric, value in (
        (CommunityMetricName.TWITTER_FOLLOWERS, data.followers_count),
        (CommunityMetricName.TWITTER_FOLLOWING, data.following_count),
        (CommunityMetricName.TWITTER_POSTS, data.tweet_count),
    ):
        if value is None:
            continue
        _, outcome = _upsert(
            CommunityMetric, {"registry": registry, "name": metric, "day": day}, {"value": value}
        )
        result.count(outcome)
    return result


def _csv_count(raw: str) -> int | None:
    """A count of the metric column (BigIntegerField), or None.

    ASCII digits only: str.isdigit() also takes "²", which int() refuses; and at most 19
    significant ones, as int() refuses thousands of digits and the column 2**63.
    """
    digits = raw.lstrip("0") or "0"
    if not (raw.isascii() and raw.isdigit() and len(digits) <= 19):
        return None
    count = int(digits)
    return count if count <= BIG_INTEGER_MAX else None


def _csv_date(value: str | None, line: int) -> dt.date:
    text = (value or "").strip().strip("'\"")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise LegacyImportError(f"line {line}, date: expected YYYY-MM-DD, got {value!r}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise LegacyImportError(f"line {line}, date: {day} is outside {EARLIEST_DAY}..{LATEST_DAY}")
    return day
