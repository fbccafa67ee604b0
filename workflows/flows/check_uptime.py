"""Flow ``check-uptime``: GET each of a registry's website URLs and keep the outcome."""

from __future__ import annotations

from prefect import get_run_logger
from pydantic import BaseModel, Field

from stats.selectors.workflows import registries_named
from stats.services.uptime import Probe, probe_url, uptime_record
from workflows.prefect_django import flow, task


class UptimeOutcome(BaseModel):
    registry: str
    url: str
    available: bool
    status_code: int | None
    latency_ms: int | None
    error: str = ""


@task(name="probe-url", retries=1, retry_delay_seconds=5)
def probe(url: str, timeout: float) -> Probe:
    """One GET; an error or a status >= 400 counts as unavailable (no exception)."""
    return probe_url(url, timeout=timeout)


@task(name="record-uptime")
def record(registry: str, probes: list[Probe]) -> int:
    return len(uptime_record(registry=registries_named([registry]).get(), probes=probes))


@flow(name="check-uptime")
def check_uptime(
    registries: list[str] | None = Field(  # noqa: B008
        None, description="Registry names to check. Empty: every registry."
    ),
    timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="How long to wait for each website."
    ),
) -> list[UptimeOutcome]:
    """Check every website URL of the registries; a registry without URLs is skipped."""
    logger = get_run_logger()
    outcomes: list[UptimeOutcome] = []
    for registry in registries_named(list(registries or [])):
        urls = [str(u) for u in registry.website_urls or []]
        if not urls:
            logger.info("%s: no website URLs configured", registry.name)
            continue
        probes = [probe.submit(url, timeout_seconds) for url in urls]
        results = [p.result() for p in probes]
        record(registry.name, results)
        outcomes += [
            UptimeOutcome(
                registry=registry.name,
                url=p.url,
                available=p.available,
                status_code=p.status_code,
                latency_ms=p.latency_ms,
                error=p.error,
            )
            for p in results
        ]
    return outcomes
