"""What the statistics endpoints share: registry and period parameters, CSV output."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import BaseModel

from stats.api.errors import BadRequest
from stats.models import Registry
from stats.selectors.access import request_user
from stats.selectors.periods import PERIOD_HELP, InvalidPeriod, Period, parse_period
from stats.selectors.registries import RegistryRequired, resolve_registry
from stats.web.caching import remembered_public_registry

PERIOD_DESCRIPTION = (
    f"One of {PERIOD_HELP}. Relative periods end at the registry's `valid_through` date "
    "(its last complete day) and cover 1, 7, 30 or 365 days, as in the npm downloads API."
)
REGISTRY_DESCRIPTION = "Registry name; may be left out when only one public registry exists."
FORMAT_DESCRIPTION = "`csv` for a text/csv body with a header row (or send `Accept: text/csv`)."


class DictSchema(BaseModel):
    """Base of the output schemas that handlers fill with plain dicts.

    pydantic checks dicts in its Rust core; ``ninja.Schema`` first wraps every nested
    object in its attribute getter (made for ORM instances and ``resolve_*`` methods), which
    for a package detail (15 years of months and years, versions) was a quarter of the
    request. Responses are still validated against the schema and documented in OpenAPI.
    """


MAX_PAGE = 1_000_000
"""Highest ``page`` of a paginated list: page x page size stays a valid database OFFSET."""


class BoundedPageNumberPagination(PageNumberPagination):
    """Ninja's ``page``/``page_size`` pagination with a bounded page number.

    Unbounded, ``?page=9223372036854775808`` made an OFFSET beyond 64 bits, which the
    database refuses (a 500); beyond the last page the list is empty, as before.
    """

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


class OutputFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


def registry_or_error(request: HttpRequest, name: str | None) -> Registry:
    """The registry of a request, as its user may see it; 404 when unknown or invisible,
    400 when missing and ambiguous.

    Also the first look at a request's text: a NUL character (which PostgreSQL refuses
    in text) anywhere in the path or the query is a 400 here, not a 500 later.
    """
    if "\x00" in request.path or any("\x00" in v for v in request.GET.values()):
        raise BadRequest("The request contains a NUL character")
    remembered = remembered_public_registry(request, name)
    if remembered is not None:  # read by the response cache for this request's key
        return remembered
    try:
        return resolve_registry(name, user=request_user(request))
    except RegistryRequired as exc:
        raise BadRequest(str(exc)) from None


def period_or_error(text: str, registry: Registry) -> Period:
    """The period of a request; 400 naming the problem when it is malformed."""
    try:
        return parse_period(text, valid_through=registry.valid_through)
    except InvalidPeriod as exc:
        raise BadRequest(f"Invalid period: {exc}") from None


def wants_csv(request: HttpRequest, output: OutputFormat | None) -> bool:
    """``?format=csv`` wins; without it, an Accept header asking for text/csv."""
    if output is not None:
        return output == OutputFormat.CSV
    accept = request.headers.get("Accept", "")
    return "text/csv" in accept and "application/json" not in accept


def vary_on_accept(response: HttpResponse) -> None:
    """The same URL answers JSON or CSV by the Accept header: caches must know."""
    patch_vary_headers(response, ("Accept",))


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A text/csv response with a header row; numbers written as in the JSON body."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{_safe_filename(filename)}.csv"'
    vary_on_accept(response)
    return response


_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._:,+-]+")


def _safe_filename(stem: str) -> str:
    """A file name made of characters safe in a quoted header value (no quotes, no
    whitespace, no control characters: a newline there is refused by Django)."""
    return _UNSAFE_IN_FILENAME.sub("_", stem.strip()) or "download"


def split_names(packages: str, limit: int) -> list[str]:
    """Comma-separated package names, in order, without duplicates; 400 beyond the limit."""
    names = list(dict.fromkeys(n.strip() for n in packages.split(",") if n.strip()))
    if not names:
        raise BadRequest("No package name given")
    if len(names) > limit:
        raise BadRequest(f"Too many packages: {len(names)} given, at most {limit} per request")
    return names
