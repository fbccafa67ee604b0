"""Imports of legacy community files (nf-core): authenticated, idempotent, 400 naming the field.

The registry is part of the path, like every write operation (stats.api.curation): 401
without a valid token, 404 for a registry the token's user may not see, 403 for one it
may see but not change. Bodies are read raw so a problem is a 400 naming the field
(``remote_workflows.0.forks_count: ...``), not a generic validation error.
"""

# No ``from __future__ import annotations``: Ninja reads the annotations at runtime.
import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from stats.api.auth import BearerAuth, registry_for_curation
from stats.api.errors import BadRequest
from stats.services.legacy_import import (
    ImportResult,
    LegacyImportError,
    SeriesKind,
    pipelines_import,
    series_import,
    stats_import,
    twitter_import,
)

router = Router(tags=["imports"], auth=BearerAuth())

DayQuery = Query(
    None,
    description="Day of the snapshot (YYYY-MM-DD); default: the file's `updated` time, else today.",
)
_ERRORS = {400: dict[str, str], 401: dict[str, str], 403: dict[str, str], 404: dict[str, str]}


def _body(content_type: str, description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"} if "json" in content_type else {"type": "string"}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {content_type: {"schema": schema}},
        }
    }


class ImportOut(Schema):
    registry: str = Field(..., examples=["nf-core"])
    created: int = Field(..., description="Rows added.", examples=[412])
    updated: int = Field(..., description="Rows whose values changed.", examples=[3])
    unchanged: int = Field(
        ..., description="Rows already as in the file (all of them on a repeat).", examples=[0]
    )
    repositories: int = Field(..., description="Repositories named in the file.", examples=[124])


def _out(registry: str, result: ImportResult) -> dict[str, Any]:
    return {"registry": registry, **result.__dict__}


def _json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"body: not JSON ({exc})") from None
    except RecursionError:
        raise BadRequest("body: JSON nested too deeply") from None
    except ValueError:  # int() refuses numbers of more than 4300 digits
        raise BadRequest("body: a number in the JSON is too long") from None


def _run(call: Any, **kwargs: Any) -> ImportResult:
    try:
        return call(**kwargs)
    except LegacyImportError as exc:
        raise BadRequest(str(exc)) from None


def _import_json(request: HttpRequest, registry: str, call: Any, **kwargs: Any) -> Any:
    """A curator's JSON body through an import service, answered as ImportOut."""
    target = registry_for_curation(request, registry)
    return _out(target.name, _run(call, registry=target, payload=_json(request), **kwargs))


@router.put(
    "/import/{registry}/pipelines",
    response={200: ImportOut, **_ERRORS},
    operation_id="import_pipelines",
    summary="Import the nf-core website's pipelines.json",
    openapi_extra=_body("application/json", "pipelines.json: {remote_workflows: [...]}"),
)
def import_pipelines(request: HttpRequest, registry: str, day: dt.date | None = DayQuery) -> Any:
    """Repositories, releases, contributors and the day's counts; twice changes nothing."""
    return _import_json(request, registry, pipelines_import, day=day)


@router.put(
    "/import/{registry}/stats",
    response={200: ImportOut, **_ERRORS},
    operation_id="import_pipeline_stats",
    summary="Import nf-core/stats' per-pipeline JSON",
    openapi_extra=_body(
        "application/json", "{pipeline: {pipeline_stats, issue_stats, contributor_stats}}"
    ),
)
def import_stats(request: HttpRequest, registry: str, day: dt.date | None = DayQuery) -> Any:
    """Per-pipeline stars, watchers, forks, issue and PR counts and medians, contributors."""
    return _import_json(request, registry, stats_import, day=day)


@router.put(
    "/import/{registry}/twitter",
    response={200: ImportOut, **_ERRORS},
    operation_id="import_twitter",
    summary="Import one X/Twitter account snapshot",
    openapi_extra=_body("application/json", "{followers_count, following_count, ..., timestamp}"),
)
def import_twitter(request: HttpRequest, registry: str) -> Any:
    return _import_json(request, registry, twitter_import)


@router.put(
    "/import/{registry}/series/{kind}",
    response={200: ImportOut, **_ERRORS},
    operation_id="import_series",
    summary="Import a CSV series of nf-core/stats (github-prs, pipeline-numbers)",
    openapi_extra=_body("text/csv", "date,closed_merged,open or date,in_development,released"),
)
def import_series(request: HttpRequest, registry: str, kind: str) -> Any:
    target = registry_for_curation(request, registry)
    try:
        series = SeriesKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in SeriesKind)
        raise BadRequest(f"kind: unknown series {kind!r} (one of: {choices})") from None
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("body: not UTF-8 text") from None
    return _out(target.name, _run(series_import, registry=target, kind=series, text=text))
