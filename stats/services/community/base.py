"""The one interface every community collector has, and what it reports.

A collector is a small class: ``name``, ``missing(context)`` saying why it cannot run
(no token, no organisation...) and ``collect(context)`` writing what it measured. A new
source is a new module with one such class, listed in ``stats.services.community``.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from django.db import transaction

from emgapiv2.config import CommunitySettings
from stats.models import CommunityMetric, CommunityMetricName, CommunitySource, Registry
from stats.services.community.http import ApiClient, DatabaseHttpCache


class CollectorStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    NOT_CONFIGURED = "not_configured"
    RATE_LIMITED = "rate_limited"
    WAITING = "waiting"
    FAILED = "failed"


@dataclass
class CollectorOutcome:
    """What one collector did for one registry; ``skipped`` names what it left out."""

    collector: str
    status: CollectorStatus = CollectorStatus.OK
    written: int = 0
    skipped: list[str] = field(default_factory=list)
    detail: str = ""
    resume_after: dt.datetime | None = None

    def skip(self, what: str) -> None:
        self.skipped.append(what)
        if self.status == CollectorStatus.OK:
            self.status = CollectorStatus.PARTIAL


@dataclass
class CollectionReport:
    """Every collector's outcome for one registry, in run order."""

    registry: str
    outcomes: list[CollectorOutcome] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(o.written for o in self.outcomes)

    def outcome(self, collector: str) -> CollectorOutcome:
        return next(o for o in self.outcomes if o.collector == collector)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly (the Prefect flow returns it)."""
        rows = []
        for outcome in self.outcomes:
            row = asdict(outcome)
            row["status"] = str(outcome.status)
            row["resume_after"] = outcome.resume_after.isoformat() if outcome.resume_after else None
            rows.append(row)
        return {"registry": self.registry, "written": self.written, "outcomes": rows}


@dataclass
class CollectionContext:
    """What a collector needs: the registry, its sources, the day, settings, a client maker."""

    registry: Registry
    source: CommunitySource
    settings: CommunitySettings
    day: dt.date

    def client(self, base_url: str, auth_headers: dict[str, str] | None = None) -> ApiClient:
        return ApiClient(
            base_url=base_url,
            auth_headers=auth_headers or {},
            timeout=self.settings.timeout_seconds,
            retries=self.settings.retries,
            backoff=self.settings.backoff_seconds,
            max_wait=self.settings.max_wait_seconds,
            cache=DatabaseHttpCache(),
        )


class Collector(ABC):
    """One source of community numbers."""

    name: ClassVar[str]

    @abstractmethod
    def missing(self, context: CollectionContext) -> str | None:
        """Why this collector cannot run for the registry (None: it can)."""

    @abstractmethod
    def collect(self, context: CollectionContext) -> CollectorOutcome:
        """Measure and write; raise RateLimited to stop cleanly until the reset."""


@transaction.atomic
def metrics_record(
    *, registry: Registry, day: dt.date, values: dict[CommunityMetricName, int | None]
) -> int:
    """Upsert the organisation-wide numbers of a day (None: not measured, left alone)."""
    written = 0
    for name, value in values.items():
        if value is None:
            continue
        CommunityMetric.objects.update_or_create(
            registry=registry, name=name, day=day, defaults={"value": int(value)}
        )
        written += 1
    return written
