"""GitHub organisation: repositories, daily numbers, traffic, releases, contributors, members.

Each repository is written in its own transactions and marked ``collected_on`` when all
its steps are done, so a run stopped by the rate limit resumes with the repositories it
has not reached yet. Traffic is re-read over GitHub's whole 14-day window on every run and
upserted, which backfills the days a missed run left empty while they are still kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from django.db import transaction
from django.utils.dateparse import parse_datetime

from stats.models import (
    CommunityMetricName,
    Contributor,
    ContributorWeek,
    Release,
    Repository,
    RepositoryDay,
    RepositoryKind,
)
from stats.services.community.base import (
    CollectionContext,
    Collector,
    CollectorOutcome,
    metrics_record,
)
from stats.services.community.github_issues import repository_issues_collect
from stats.services.community.http import ApiClient, SourceError, StillComputing

GITHUB_JSON = "application/vnd.github+json"


class GitHubCollector(Collector):
    name = "github"

    def missing(self, context: CollectionContext) -> str | None:
        if not context.source.github_organisation:
            return "no GitHub organisation set for the registry"
        return None

    def collect(self, context: CollectionContext) -> CollectorOutcome:
        outcome = CollectorOutcome(self.name)
        org = context.source.github_organisation
        with github_client(context) as client:
            pipelines = set(pipeline_names(context))
            listed = list(client.paginate(f"/orgs/{org}/repos", {"per_page": per_page(context)}))
            repositories = repositories_record(
                registry=context.registry, listed=listed, pipelines=pipelines
            )
            members = sum(
                1 for _ in client.paginate(f"/orgs/{org}/members", {"per_page": per_page(context)})
            )
            outcome.written += metrics_record(
                registry=context.registry,
                day=context.day,
                values={
                    CommunityMetricName.GITHUB_MEMBERS: members,
                    CommunityMetricName.GITHUB_REPOSITORIES: len(repositories),
                },
            )
            for repository in repositories:
                if repository.collected_on == context.day:
                    continue  # done earlier today, before a rate limit stopped that run
                outcome.written += repository_collect(
                    client=client, context=context, repository=repository, outcome=outcome
                )
        outcome.detail = f"{len(repositories)} repositories, {members} members"
        return outcome


def github_client(context: CollectionContext) -> ApiClient:
    headers = {"Accept": GITHUB_JSON, "X-GitHub-Api-Version": "2022-11-28"}
    token = context.settings.github_token
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    return context.client(context.settings.github_api_url, headers)


def per_page(context: CollectionContext) -> int:
    return context.settings.per_page


def pipeline_names(context: CollectionContext) -> list[str]:
    """The configured list, else the JSON at the source's or the settings' URL."""
    if context.settings.pipeline_names:
        return list(context.settings.pipeline_names)
    url = context.source.pipeline_names_url or context.settings.pipeline_names_url
    if not url:
        return []
    try:
        response = httpx.get(url, timeout=context.settings.timeout_seconds, follow_redirects=True)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SourceError(f"pipeline names from {url}: {exc}") from None
    names = body.get("pipeline") if isinstance(body, dict) else body
    if not isinstance(names, list):
        raise SourceError(f"pipeline names from {url}: expected {{'pipeline': [...]}}")
    return [str(n) for n in names]


@transaction.atomic
def repositories_record(
    *, registry: Any, listed: list[dict[str, Any]], pipelines: set[str]
) -> list[Repository]:
    """Upsert the organisation's repositories from its list (metadata only)."""
    rows = []
    for item in listed:
        name = item.get("name")
        if not name:
            continue
        repository, _ = Repository.objects.update_or_create(
            registry=registry,
            name=name,
            defaults={
                "kind": RepositoryKind.PIPELINE if name in pipelines else RepositoryKind.CORE,
                **repository_fields(item),
            },
        )
        rows.append(repository)
    return rows


def repository_fields(item: dict[str, Any]) -> dict[str, Any]:
    """Repository metadata from a GitHub repository object (missing keys tolerated)."""
    return {
        "github_id": item.get("id"),
        "description": item.get("description") or "",
        "html_url": item.get("html_url") or "",
        "created_at": _when(item.get("created_at")),
        "pushed_at": _when(item.get("pushed_at")),
        "archived": bool(item.get("archived")),
        "topics": list(item.get("topics") or []),
    }


def repository_snapshot(item: dict[str, Any]) -> dict[str, int | None]:
    """A day's counts from a GitHub repository object."""
    return {
        "stars": item.get("stargazers_count"),
        "forks": item.get("forks_count"),
        "network_forks": item.get("network_count"),
        "watchers": item.get("subscribers_count"),
        "open_issues": item.get("open_issues_count"),
    }


def repository_collect(
    *,
    client: ApiClient,
    context: CollectionContext,
    repository: Repository,
    outcome: CollectorOutcome,
) -> int:
    """Every step for one repository; what cannot be read is named in ``outcome.skipped``."""
    path = f"/repos/{context.source.github_organisation}/{repository.name}"
    detail = client.get(path).data or {}
    releases = [r for r in client.paginate(f"{path}/releases", {"per_page": per_page(context)})]
    written = releases_record(repository=repository, releases=releases)
    written += day_record(
        repository=repository,
        day=context.day,
        values={**repository_snapshot(detail), "releases": len(releases)},
    )
    written += _traffic(client, path, repository, outcome)
    written += _contributors(client, path, repository, context.day, outcome)
    written += repository_issues_collect(
        client=client, path=path, repository=repository, day=context.day, per_page=per_page(context)
    )
    Repository.objects.filter(pk=repository.pk).update(collected_on=context.day)
    return written


def _traffic(
    client: ApiClient, path: str, repository: Repository, outcome: CollectorOutcome
) -> int:
    written = 0
    for kind, key, fields in (
        ("views", "views", ("views", "unique_visitors")),
        ("clones", "clones", ("clones", "unique_cloners")),
    ):
        try:
            body = client.get(f"{path}/traffic/{kind}", {"per": "day"}).data or {}
        except SourceError as exc:
            if exc.status not in (401, 403, 404):
                raise
            outcome.skip(
                f"{repository.name}: traffic {kind} (HTTP {exc.status}: needs push access)"
            )
            continue
        written += traffic_record(repository=repository, points=body.get(key) or [], fields=fields)
    return written


def _contributors(
    client: ApiClient, path: str, repository: Repository, day: dt.date, outcome: CollectorOutcome
) -> int:
    try:
        answer = client.get(f"{path}/stats/contributors", retry_accepted=True)
    except StillComputing:
        outcome.skip(f"{repository.name}: contributors (GitHub still computing, HTTP 202)")
        return 0
    stats = answer.data if isinstance(answer.data, list) else []
    return contributors_record(repository=repository, stats=stats, day=day)


@transaction.atomic
def day_record(
    *, repository: Repository, day: dt.date, values: dict[str, int | float | None]
) -> int:
    """Set the known numbers of a repository's day; unknown (None) ones are left as they are."""
    known = {k: v for k, v in values.items() if v is not None}
    if not known:
        return 0
    row, created = RepositoryDay.objects.get_or_create(
        repository=repository, day=day, defaults=known
    )
    if not created:
        changed = [k for k, v in known.items() if getattr(row, k) != v]
        for key in changed:
            setattr(row, key, known[key])
        if changed:
            row.save(update_fields=changed)
    return 1


@transaction.atomic
def traffic_record(
    *, repository: Repository, points: list[dict[str, Any]], fields: tuple[str, str]
) -> int:
    """Upsert each day of GitHub's traffic window (``timestamp`` is UTC midnight)."""
    written = 0
    count_field, unique_field = fields
    for point in points:
        when = _when(point.get("timestamp"))
        if when is None:
            continue
        written += day_record(
            repository=repository,
            day=when.astimezone(dt.UTC).date(),
            values={count_field: point.get("count"), unique_field: point.get("uniques")},
        )
    return written


@transaction.atomic
def releases_record(*, repository: Repository, releases: list[dict[str, Any]]) -> int:
    written = 0
    for item in releases:
        tag = item.get("tag_name")
        if not tag:
            continue
        Release.objects.update_or_create(
            repository=repository,
            tag_name=tag,
            defaults={
                "published_at": _when(item.get("published_at")),
                "tag_sha": item.get("tag_sha") or item.get("target_commitish") or "",
            },
        )
        written += 1
    return written


@transaction.atomic
def contributors_record(
    *, repository: Repository, stats: list[dict[str, Any]], day: dt.date
) -> int:
    """Weekly commits/additions/deletions; weeks without any activity are not stored."""
    written = 0
    for entry in stats:
        login = (entry.get("author") or {}).get("login")
        if not login:
            continue
        contributor, _ = Contributor.objects.update_or_create(
            repository=repository,
            login=login,
            defaults={
                "commits": entry.get("total") or 0,
                "avatar_url": (entry.get("author") or {}).get("avatar_url") or "",
            },
        )
        for week in entry.get("weeks") or []:
            commits, additions, deletions = (week.get(k) or 0 for k in ("c", "a", "d"))
            if not (commits or additions or deletions) or week.get("w") is None:
                continue
            ContributorWeek.objects.update_or_create(
                contributor=contributor,
                week=dt.datetime.fromtimestamp(int(week["w"]), tz=dt.UTC).date(),
                defaults={"commits": commits, "additions": additions, "deletions": deletions},
            )
            written += 1
    day_record(repository=repository, day=day, values={"contributors": len(stats)})
    return written + 1


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(str(value).replace(" ", "T", 1))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed
