"""Flow ``collect-community``: community metrics (GitHub, Slack, YouTube, X) per registry.

Thin: ``stats.services.community.collect_registry_community`` does the work and reports
each collector's outcome (ok, partial, not configured, rate limited, waiting, failed). A
rate-limited collector stops cleanly and the next run resumes after the reset.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from stats.selectors.workflows import registries_named
from stats.services.community import collect_registry_community
from workflows.prefect_django import flow, task


@task(name="collect-registry-community")
def collect_registry(name: str, collectors: list[str] | None) -> dict[str, Any]:
    registry = registries_named([name]).get()
    return collect_registry_community(registry=registry, names=collectors).as_dict()


@flow(name="collect-community")
def collect_community(
    registries: list[str] | None = Field(  # noqa: B008
        None, description="Registry names. Empty: every registry."
    ),
    collectors: list[str] | None = Field(  # noqa: B008
        None, description="Collectors to run (github, slack, youtube, twitter). Empty: all."
    ),
) -> list[dict[str, Any]]:
    """Collect community metrics for the registries; one report per registry."""
    names = [r.name for r in registries_named(list(registries or []))]
    return [collect_registry(name, collectors or None) for name in names]
