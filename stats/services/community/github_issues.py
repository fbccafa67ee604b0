"""Issues and pull requests of a repository: incremental with ``since``.

Only issues and comments updated after the repository's ``issues_since`` are read; the
first response of an issue is the earliest comment by someone other than its author who
is not a bot. The day's snapshot (open PRs, totals, medians) is computed from the stored
rows, so a partial read never loses what earlier runs saw.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from stats.models import IssueKind, Repository, RepositoryDay, RepositoryIssue
from stats.services.community.http import ApiClient

BOT_SUFFIX = "[bot]"


def is_bot(user: dict[str, Any] | None) -> bool:
    """GitHub marks apps as ``type: Bot``; their logins end in ``[bot]``."""
    if not user:
        return True
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith(BOT_SUFFIX)


def repository_issues_collect(
    *, client: ApiClient, path: str, repository: Repository, day: dt.date, per_page: int
) -> int:
    """Read issues and comments changed since the last run; write them and the day's numbers."""
    since = (
        repository.issues_since.isoformat().replace("+00:00", "Z")
        if repository.issues_since
        else None
    )
    params = {
        "state": "all",
        "sort": "updated",
        "direction": "asc",
        "per_page": per_page,
        "since": since,
    }
    issues = list(client.paginate(f"{path}/issues", params, conditional=False))
    comments = list(
        client.paginate(
            f"{path}/issues/comments",
            {"sort": "updated", "direction": "asc", "per_page": per_page, "since": since},
            conditional=False,
        )
    )
    written = issues_record(repository=repository, issues=issues, comments=comments)
    issue_day_record(repository=repository, day=day)
    return written


@transaction.atomic
def issues_record(
    *, repository: Repository, issues: list[dict[str, Any]], comments: list[dict[str, Any]]
) -> int:
    """Upsert issues, then move first responses earlier where a new comment answers sooner."""
    latest = repository.issues_since
    for item in issues:
        number = item.get("number")
        created = _when(item.get("created_at"))
        if number is None or created is None:
            continue
        updated = _when(item.get("updated_at"))
        RepositoryIssue.objects.update_or_create(
            repository=repository,
            number=number,
            defaults={
                "kind": IssueKind.PULL_REQUEST if item.get("pull_request") else IssueKind.ISSUE,
                "author": (item.get("user") or {}).get("login") or "",
                "created_at": created,
                "closed_at": _when(item.get("closed_at")),
                "updated_at": updated,
            },
        )
        latest = max(filter(None, (latest, updated)), default=None)
    rows = {i.number: i for i in RepositoryIssue.objects.filter(repository=repository)}
    changed: dict[int, RepositoryIssue] = {}
    for comment in comments:
        number = _issue_number(comment.get("issue_url"))
        issue = rows.get(number) if number is not None else None
        created = _when(comment.get("created_at"))
        latest = max(filter(None, (latest, _when(comment.get("updated_at")))), default=None)
        user = comment.get("user")
        if issue is None or created is None or user is None or is_bot(user):
            continue
        if user.get("login") == issue.author:
            continue
        if issue.first_response_at is None or created < issue.first_response_at:
            issue.first_response_at = created
            changed[issue.number] = issue
    RepositoryIssue.objects.bulk_update(list(changed.values()), ["first_response_at"])
    if latest is not None and latest != repository.issues_since:
        repository.issues_since = latest
        Repository.objects.filter(pk=repository.pk).update(issues_since=latest)
    return len(issues)


@transaction.atomic
def issue_day_record(*, repository: Repository, day: dt.date) -> None:
    """The day's issue numbers of a repository, from every issue stored so far."""
    values: dict[str, Any] = {}
    for kind, prefix in ((IssueKind.ISSUE, "issue"), (IssueKind.PULL_REQUEST, "pr")):
        rows = list(
            RepositoryIssue.objects.filter(repository=repository, kind=kind).values_list(
                "created_at", "closed_at", "first_response_at"
            )
        )
        closed = [(c - o).total_seconds() for o, c, _ in rows if c is not None]
        answered = [(r - o).total_seconds() for o, _, r in rows if r is not None]
        plural = "issues" if prefix == "issue" else "prs"
        values[f"{plural}_total"] = len(rows)
        values[f"{plural}_closed"] = len(closed)
        values[f"median_{prefix}_close_seconds"] = statistics.median(closed) if closed else None
        values[f"median_{prefix}_response_seconds"] = (
            statistics.median(answered) if answered else None
        )
        if kind == IssueKind.PULL_REQUEST:
            values["open_prs"] = len(rows) - len(closed)
    RepositoryDay.objects.update_or_create(repository=repository, day=day, defaults=values)


def _issue_number(url: Any) -> int | None:
    tail = str(url or "").rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed
