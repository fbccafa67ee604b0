"""Community metrics collection: one entry point running every collector for a registry.

``collect_registry_community(registry=...)`` runs GitHub, Slack, YouTube and X/Twitter
(those configured) and returns a CollectionReport. It is deliberately not one
transaction: each collector writes in small transactions, so what was measured before a
rate limit or an outage is kept, and the next run resumes (after the rate limit's reset,
which is remembered in CollectionRun). One collector failing never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from stats.models import CollectionRun, CommunitySource, Registry
from stats.services.community.base import (
    CollectionContext,
    CollectionReport,
    Collector,
    CollectorOutcome,
    CollectorStatus,
)
from stats.services.community.github import GitHubCollector
from stats.services.community.http import RateLimited, SourceError
from stats.services.community.slack import SlackCollector
from stats.services.community.twitter import TwitterCollector
from stats.services.community.youtube import YouTubeCollector

logger = logging.getLogger(__name__)

COLLECTORS: tuple[Collector, ...] = (
    GitHubCollector(),
    SlackCollector(),
    YouTubeCollector(),
    TwitterCollector(),
)

__all__ = [
    "COLLECTORS",
    "CollectionReport",
    "CollectorOutcome",
    "CollectorStatus",
    "collect_registry_community",
    "collector_names",
]


def collector_names() -> list[str]:
    return [c.name for c in COLLECTORS]


def collect_registry_community(
    *, registry: Registry, names: list[str] | None = None, day: dt.date | None = None
) -> CollectionReport:
    """Run the collectors (all, or ``names``) for ``registry``; ``day`` defaults to today (UTC)."""
    unknown = sorted(set(names or ()) - set(collector_names()))
    if unknown:
        raise ValueError(f"unknown community collector(s): {', '.join(unknown)}")
    source, _ = CommunitySource.objects.get_or_create(registry=registry)
    context = CollectionContext(
        registry=registry,
        source=source,
        settings=settings.STATS.community,
        day=day or timezone.now().astimezone(dt.UTC).date(),
    )
    report = CollectionReport(registry=registry.name)
    for collector in COLLECTORS:
        if names is None or collector.name in names:
            report.outcomes.append(_run(collector, context))
    return report


def _run(collector: Collector, context: CollectionContext) -> CollectorOutcome:
    reason = collector.missing(context)
    if reason:
        return CollectorOutcome(collector.name, CollectorStatus.NOT_CONFIGURED, detail=reason)
    started = timezone.now()
    waiting = _resume_after(context.registry, collector.name)
    if waiting is not None and waiting > started:
        outcome = CollectorOutcome(
            collector.name,
            CollectorStatus.WAITING,
            detail=f"rate limited until {waiting:%Y-%m-%d %H:%M} UTC",
            resume_after=waiting,
        )
        return outcome
    try:
        outcome = collector.collect(context)
    except RateLimited as exc:
        outcome = CollectorOutcome(
            collector.name, CollectorStatus.RATE_LIMITED, detail=str(exc), resume_after=exc.reset_at
        )
    except SourceError as exc:
        logger.warning("%s: %s collector failed: %s", context.registry.name, collector.name, exc)
        outcome = CollectorOutcome(collector.name, CollectorStatus.FAILED, detail=str(exc))
    CollectionRun.objects.create(
        registry=context.registry,
        collector=collector.name,
        started_at=started,
        finished_at=timezone.now(),
        status=outcome.status,
        resume_after=outcome.resume_after,
        written=outcome.written,
        skipped=outcome.skipped,
        detail=outcome.detail[:2000],
    )
    return outcome


def _resume_after(registry: Registry, collector: str) -> dt.datetime | None:
    last = (
        CollectionRun.objects.filter(registry=registry, collector=collector)
        .order_by("-started_at")
        .values_list("resume_after", flat=True)
        .first()
    )
    return last
