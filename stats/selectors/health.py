"""Reads for the health check."""

from __future__ import annotations

from datetime import date

from django.db import connection

from stats.models import Registry


def database_reachable() -> bool:
    """True when a trivial query succeeds."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any database failure means "not reachable"
        return False


def registry_freshness() -> list[dict[str, object]]:
    """Name, valid-through date and data generation of each public registry."""
    rows = Registry.objects.filter(is_public=True).values_list(
        "name", "valid_through", "data_generation"
    )
    today = date.today()
    return [
        {
            "registry": name,
            "valid_through": valid_through,
            "days_behind": (today - valid_through).days if valid_through else None,
            "data_generation": generation,
        }
        for name, valid_through, generation in rows
    ]
