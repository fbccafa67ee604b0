"""Write operations of curators: refresh a registry's numbers, replace its rules.

Every operation here needs an API token (``Authorization: Bearer``) of an admin or
curator of the registry's organisation: 401 without a valid token, 404 for a registry
the token's user may not see, 403 for one it may see but not change.
"""

# No ``from __future__ import annotations``: Ninja reads the body schema's annotations.
import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from pydantic import field_validator

from stats.api.auth import BearerAuth, registry_for_curation
from stats.api.errors import BadRequest
from stats.api.protection import limit_body
from stats.models import Registry, RuleSet
from stats.services.aggregation import refresh_registry_stats
from stats.services.curation import registry_rules_replace
from stats.services.registries import RegistryConfigError

router = Router(tags=["curation"], auth=BearerAuth())

RULES_MAX_BYTES = 64 * 1024
_ERRORS = {
    401: dict[str, str],
    403: dict[str, str],
    404: dict[str, str],
}


class RefreshOut(Schema):
    registry: str = Field(..., examples=["bioconductor"])
    segments: int = Field(..., description="Log segments consumed.", examples=[12])
    days: int = Field(..., description="Days recomputed.", examples=[3])
    packages_updated: int = Field(..., examples=[2140])
    valid_through: dt.date | None = Field(..., examples=["2024-03-31"])
    data_generation: int = Field(..., examples=[43])
    seconds: float = Field(..., examples=[1.82])


class RulesIn(Schema):
    rule_set: RuleSet = Field(..., examples=["generic"])
    download_regex: str = Field(
        "",
        max_length=2000,
        description="Generic rules: regex on the URI path with a named group package "
        "(optional version, category); no look-around.",
        examples=[r"^/packages/(?P<package>[A-Za-z0-9.]+)/(?P<version>[^/]+)\.tgz$"],
    )
    counted_statuses: list[int] = Field(..., max_length=50, examples=[[200, 206]])
    counted_methods: list[str] = Field(..., max_length=20, examples=[["GET"]])
    bot_patterns: list[str] = Field(default_factory=list, max_length=500)
    mirror_patterns: list[str] = Field(default_factory=list, max_length=500)

    @field_validator("download_regex", "counted_methods", "bot_patterns", "mirror_patterns")
    @classmethod
    def _no_nul(cls, value: str | list[str]) -> str | list[str]:
        """PostgreSQL refuses NUL in text and in jsonb: saving it would fail (a 500)."""
        if any("\x00" in text for text in ([value] if isinstance(value, str) else value)):
            raise ValueError("must not contain a NUL character")
        return value


class RulesOut(RulesIn):
    registry: str = Field(..., examples=["bioconductor"])


def _rules(registry: Registry) -> dict[str, object]:
    return {
        "registry": registry.name,
        "rule_set": registry.rule_set,
        "download_regex": registry.download_regex,
        "counted_statuses": registry.counted_statuses,
        "counted_methods": registry.counted_methods,
        "bot_patterns": registry.bot_patterns,
        "mirror_patterns": registry.mirror_patterns,
    }


@router.post(
    "/registries/{registry}/refresh",
    response={200: RefreshOut, **_ERRORS},
    operation_id="registry_refresh",
    summary="Refresh a registry's numbers now",
    description="Aggregates the log segments ingested since the last refresh (what the "
    "daily flow does after ingestion) and bumps the data generation. Curators only.",
)
def refresh(request: HttpRequest, registry: str) -> object:
    found = registry_for_curation(request, registry)
    result = refresh_registry_stats(registry=found)
    return {
        "registry": result.registry,
        "segments": result.segments,
        "days": result.days,
        "packages_updated": result.packages_updated,
        "valid_through": result.valid_through,
        "data_generation": result.data_generation,
        "seconds": round(result.seconds, 3),
    }


@router.put(
    "/registries/{registry}/rules",
    response={200: RulesOut, 400: dict[str, str], **_ERRORS},
    operation_id="registry_rules_replace",
    summary="Replace a registry's download-selection rules",
    description="Checked as the admin checks them (the regex must compile in the log "
    "parser's engine and name a package group; statuses 100-599; patterns compile). "
    "Applies to logs ingested from now on. Curators only.",
)
@decorate_view(limit_body(RULES_MAX_BYTES))
def replace_rules(request: HttpRequest, registry: str, rules: RulesIn) -> object:
    found = registry_for_curation(request, registry)
    try:
        updated = registry_rules_replace(registry=found, **rules.dict())
    except (RegistryConfigError, ValueError) as exc:
        raise BadRequest(f"Invalid rules: {exc}") from None
    except DjangoValidationError as exc:
        raise BadRequest(f"Invalid rules: {'; '.join(exc.messages)}") from None
    return _rules(updated)
