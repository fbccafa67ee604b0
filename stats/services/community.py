"""Community metrics collectors (GitHub, Slack, YouTube, ...), registered by name.

Each collector is a callable ``(registry) -> CollectorResult`` registered with
``@community_collector("name")``. The ``collect_community`` flow runs every registered
collector for a registry; with none registered it does nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stats.models import Registry


@dataclass(frozen=True)
class CollectorResult:
    """What one collector stored for one registry."""

    collector: str
    metrics: int
    detail: str = ""


Collector = Callable[[Registry], CollectorResult]

_COLLECTORS: dict[str, Collector] = {}


def community_collector(name: str) -> Callable[[Collector], Collector]:
    """Register a collector under ``name`` (a second registration replaces the first)."""

    def register(collector: Collector) -> Collector:
        _COLLECTORS[name] = collector
        return collector

    return register


def community_collectors() -> dict[str, Collector]:
    """The registered collectors by name, in name order."""
    return dict(sorted(_COLLECTORS.items()))


def community_collect(
    *, registry: Registry, names: list[str] | None = None
) -> list[CollectorResult]:
    """Run the named collectors (all when ``names`` is None) for ``registry``."""
    collectors = community_collectors()
    unknown = sorted(set(names or ()) - set(collectors))
    if unknown:
        raise ValueError(f"unknown community collector(s): {', '.join(unknown)}")
    chosen = names if names is not None else list(collectors)
    return [collectors[name](registry) for name in chosen]
