"""Flow ``refresh-stats``: aggregate what ingestion added, registry by registry."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import get_run_logger
from pydantic import Field

from stats.selectors.workflows import registries_named, registries_with_unaggregated_segments
from stats.services.aggregation import refresh_registry_stats
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


@flow(name="refresh-stats")
def refresh_stats(
    registries: list[str] | None = Field(  # noqa: B008
        None, description="Registry names to refresh. Empty: every registry with new data."
    ),
) -> list[dict[str, Any]]:
    """Refresh the summaries of every registry that has un-aggregated segments."""
    return [refresh_registry(name) for name in registries_to_refresh(list(registries or []))]
