"""Flow ``refresh-stats``: aggregate what ingestion added, registry by registry."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from prefect import get_run_logger
from pydantic import Field

from stats.selectors.workflows import registries_named, registries_with_unaggregated_segments
from stats.services.aggregation import refresh_registry_stats
from stats.web.tabfiles import warm_tab_files
from workflows.prefect_django import flow, task


@task(name="find-registries-to-refresh")
def registries_to_refresh(registries: list[str]) -> list[str]:
    """Registries (of those named, or all) with segments not aggregated yet."""
    registries_named(registries)  # unknown names fail here, with their names
    return registries_with_unaggregated_segments(registries)


@task(name="refresh-registry")
def refresh_registry(name: str) -> dict[str, Any]:
    """Incremental refresh of one registry's summaries; bumps its data generation."""
    result = refresh_registry_stats(registry=registries_named([name]).get())
    get_run_logger().info(result.summary())
    return asdict(result)


@task(name="warm-tab-files")
def warm_registry_files(name: str) -> list[str]:
    """Render the large .tab files of the new generation into the shared cache, so no
    reader pays seconds for ``bioc_pkg_stats.tab`` after a refresh."""
    return warm_tab_files(registry=name)


def _refresh_and_warm(name: str) -> dict[str, Any]:
    result = refresh_registry(name)
    # Only a shared cache (Redis) helps the web processes; a local one would be thrown away.
    result["warmed_files"] = warm_registry_files(name) if settings.STATS.redis_url else []
    return result


@flow(name="refresh-stats")
def refresh_stats(
    registries: list[str] | None = Field(  # noqa: B008
        None, description="Registry names to refresh. Empty: every registry with new data."
    ),
) -> list[dict[str, Any]]:
    """Refresh the summaries of every registry that has un-aggregated segments."""
    return [_refresh_and_warm(name) for name in registries_to_refresh(list(registries or []))]
