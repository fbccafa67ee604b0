"""The data generation of registries: what cached responses are keyed by.

The aggregation service bumps ``Registry.data_generation`` in the transaction that
rewrites a registry's summaries, so (id, generation) names one state of its numbers.
Each function here is one indexed query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Sum

from stats.models import Registry


@dataclass(frozen=True)
class GenerationState:
    """A cache token for one registry (or all public ones) and its valid-through date."""

    token: str
    data_generation: int
    valid_through: date | None
    is_public: bool
    registry: Registry | None = None
    """The row the state was read from (one registry's state only)."""


def registry_generation(name: str) -> GenerationState | None:
    """The state of the registry of that name, or None when there is none.

    The whole row is read (one query either way), so that a view answering the request
    can use it instead of reading it again.
    """
    registry = Registry.objects.filter(name=name).first()
    if registry is None:
        return None
    token = _registry_token(name, registry.pk, registry.created_at, registry.data_generation)
    return GenerationState(
        token, registry.data_generation, registry.valid_through, registry.is_public, registry
    )


def _registry_token(name: str, registry_id: int, created_at: datetime, generation: int) -> str:
    # Identity is part of the token: a registry deleted and recreated under the same name
    # (after a rollback possibly with the same id) starts again at generation 0 and must
    # not meet the old registry's entries.
    return f"{name}.{registry_id}.{created_at.timestamp():.6f}.{generation}"


def _all_token(
    count: int, generations: int, last_id: int | None, last_created: datetime | None
) -> str:
    created = last_created.timestamp() if last_created else 0.0
    return f"*.{count}.{last_id or 0}.{created:.6f}.{generations}"


def all_registries_generation() -> GenerationState:
    """One state standing for every public registry: any registry's bump changes it."""
    totals = Registry.objects.filter(is_public=True).aggregate(
        count=Count("id"),
        generations=Sum("data_generation"),
        last_id=Max("id"),
        last_created=Max("created_at"),
        valid_through=Max("valid_through"),
    )
    generation = totals["generations"] or 0
    token = _all_token(totals["count"], generation, totals["last_id"], totals["last_created"])
    return GenerationState(token, generation, totals["valid_through"], True)


ALL_PUBLIC = "*"
"""Scope name of the token standing for every public registry."""


def public_generation_tokens() -> dict[str, str]:
    """Current token of every public registry by name, and of all of them as ``ALL_PUBLIC``.

    One query; what a front cache compares a stored response's token with.
    """
    rows = list(
        Registry.objects.filter(is_public=True).values_list(
            "name", "id", "created_at", "data_generation"
        )
    )
    tokens = {name: _registry_token(name, pk, created, gen) for name, pk, created, gen in rows}
    tokens[ALL_PUBLIC] = _all_token(
        len(rows),
        sum(row[3] for row in rows),
        max((row[1] for row in rows), default=None),
        max((row[2] for row in rows), default=None),
    )
    return tokens
