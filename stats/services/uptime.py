"""Check that a registry's websites answer, and keep one row per check."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.db import transaction
from django.utils import timezone

from stats.models import Registry, UptimeCheck

_ERROR_CHARS = 500


@dataclass(frozen=True)
class Probe:
    """What one GET of a URL showed; no database involved."""

    url: str
    checked_at: datetime
    status_code: int | None
    latency_ms: int | None
    error: str = ""

    @property
    def available(self) -> bool:
        return self.status_code is not None and self.status_code < 400


def probe_url(url: str, *, timeout: float = 10.0, client: httpx.Client | None = None) -> Probe:
    """GET ``url`` (following redirects); a status >= 400 or no answer is "unavailable"."""
    checked_at = timezone.now()
    started = time.perf_counter()
    try:
        if client is None:
            with httpx.Client(follow_redirects=True, timeout=timeout) as own:
                response = own.get(url)
        else:
            response = client.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return Probe(url, checked_at, None, None, f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS])
    latency = round((time.perf_counter() - started) * 1000)
    error = "" if response.status_code < 400 else f"HTTP {response.status_code}"
    return Probe(url, checked_at, response.status_code, latency, error)


@transaction.atomic
def uptime_record(*, registry: Registry, probes: list[Probe]) -> list[UptimeCheck]:
    """Keep the probes of one round of checks."""
    return UptimeCheck.objects.bulk_create(
        [
            UptimeCheck(
                registry=registry,
                url=p.url,
                checked_at=p.checked_at,
                status_code=p.status_code,
                latency_ms=p.latency_ms,
                available=p.available,
                error=p.error,
            )
            for p in probes
        ]
    )
