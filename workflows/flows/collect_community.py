"""Flow ``collect-community``: run the registered community-metrics collectors.

Collectors are registered in ``stats.services.community``; until one is, the flow says
so and changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import get_run_logger
from pydantic import Field

from stats.selectors.workflows import registries_named
from stats.services.community import community_collect, community_collectors
from workflows.prefect_django import flow, task


@task(name="collect-registry-community")
def collect_registry(name: str, collectors: list[str] | None) -> list[dict[str, Any]]:
    registry = registries_named([name]).get()
    return [asdict(r) for r in community_collect(registry=registry, names=collectors)]


@flow(name="collect-community")
def collect_community(
    registries: list[str] | None = Field(  # noqa: B008
        None, description="Registry names. Empty: every registry."
    ),
    collectors: list[str] | None = Field(  # noqa: B008
        None, description="Collector names to run (GitHub, Slack, ...). Empty: all registered."
    ),
) -> list[dict[str, Any]]:
    """Collect community metrics for the registries with every registered collector."""
    if not community_collectors():
        get_run_logger().info("No community collectors are registered: nothing to collect.")
        return []
    names = [r.name for r in registries_named(list(registries or []))]
    return [row for name in names for row in collect_registry(name, collectors or None)]
