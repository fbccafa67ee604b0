"""GET /health: is the database reachable, how fresh is each registry's data."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from stats.selectors.health import database_reachable, registry_freshness

router = Router(tags=["health"])


class RegistryFreshness(Schema):
    registry: str
    valid_through: date | None
    days_behind: int | None
    data_generation: int


class Health(Schema):
    status: str
    database: bool
    registries: list[RegistryFreshness]


@router.get(
    "/health",
    response={200: Health, 503: Health},
    operation_id="health",
    summary="Service health and data freshness",
    description="`database` is false and the status 503 when the database cannot be reached.",
)
def health(request: HttpRequest) -> tuple[int, dict[str, object]]:
    if not database_reachable():
        return 503, {"status": "unavailable", "database": False, "registries": []}
    return 200, {"status": "ok", "database": True, "registries": registry_freshness()}
