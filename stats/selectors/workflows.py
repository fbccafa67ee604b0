"""Reads the Prefect flows need to decide what to do."""

from __future__ import annotations

from django.db.models import QuerySet

from stats.models import LogSegment, Registry


def registries_named(names: list[str] | None) -> QuerySet[Registry]:
    """The registries called ``names`` (all when None or empty); unknown names raise."""
    registries = Registry.objects.order_by("name")
    if not names:
        return registries
    found = registries.filter(name__in=names)
    missing = sorted(set(names) - set(found.values_list("name", flat=True)))
    if missing:
        raise Registry.DoesNotExist(f"no registry named {', '.join(missing)}")
    return found


def registries_with_unaggregated_segments(names: list[str] | None = None) -> list[str]:
    """Names of the registries (among ``names``) that have segments not yet aggregated."""
    pending = LogSegment.objects.filter(aggregated=False)
    if names:
        pending = pending.filter(registry__name__in=names)
    return sorted(set(pending.values_list("registry__name", flat=True)))
