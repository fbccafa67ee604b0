"""npm-style download counts: ``/downloads/point/...`` and ``/downloads/range/...``.

Same paths and semantics as api.npmjs.org's downloads API, plus exact distinct clients
alongside every download count, and a ``registry`` parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router

from stats.api.common import (
    FORMAT_DESCRIPTION,
    PERIOD_DESCRIPTION,
    REGISTRY_DESCRIPTION,
    DictSchema,
    OutputFormat,
    csv_response,
    period_or_error,
    registry_or_error,
    split_names,
    vary_on_accept,
    wants_csv,
)
from stats.api.errors import BadRequest, NotFound
from stats.models import Package, Registry
from stats.selectors.downloads import (
    Counts,
    DayCount,
    package_counts,
    package_daily,
    packages_by_name,
    registry_counts,
    registry_daily,
)
from stats.selectors.periods import Period

router = Router(tags=["downloads"])

BULK_RANGE_MAX_DAYS = 549
"""Bulk range queries cover at most 18 months, as npm's do; one package has no limit."""


class PointDownloads(DictSchema):
    downloads: int = Field(..., examples=[1520])
    distinct_clients: int = Field(
        ..., description="Exact number of distinct clients in the period.", examples=[412]
    )
    start: dt.date = Field(..., examples=["2024-01-01"])
    end: dt.date = Field(..., examples=["2024-01-30"])
    package: str | None = Field(..., description="null for the whole registry.", examples=["limma"])
    registry: str = Field(..., examples=["bioconductor"])


class DayDownloads(DictSchema):
    day: dt.date = Field(..., examples=["2024-01-01"])
    downloads: int = Field(..., examples=[51])
    distinct_clients: int = Field(..., examples=[17])


class RangeDownloads(DictSchema):
    start: dt.date = Field(..., examples=["2024-01-01"])
    end: dt.date = Field(..., examples=["2024-01-07"])
    package: str | None = Field(..., examples=["limma"])
    registry: str = Field(..., examples=["bioconductor"])
    downloads: list[DayDownloads]


PackagesPath = Path(
    ...,
    description="A package name, or up to `STATS_API__MAX_BULK_PACKAGES` (default 128) "
    "comma-separated names: then the answer maps each name to its result (null if unknown).",
    examples=["limma", "limma,edgeR,DESeq2"],
)
PeriodPath = Path(
    ..., description=PERIOD_DESCRIPTION, examples=["last-week", "2024-01-01:2024-01-31"]
)
RegistryQuery = Query(None, description=REGISTRY_DESCRIPTION, examples=["bioconductor"])
FormatQuery = Query(None, alias="format", description=FORMAT_DESCRIPTION)


Results = dict[str, dict[str, Any] | None]
T = TypeVar("T")


def _requested_packages(found: Registry, packages: str) -> tuple[list[str], dict[str, Package]]:
    """The names asked for and the known ones; 404 when the one package asked for is unknown."""
    names = split_names(packages, settings.STATS.api.max_bulk_packages)
    known = packages_by_name(found, names)
    if "," not in packages and names[0] not in known:
        raise NotFound(f"Unknown package {names[0]!r} in registry {found.name!r}")
    return names, known


def _point(registry: Registry, period: Period, name: str | None, counts: Counts) -> dict[str, Any]:
    return {
        "downloads": counts.downloads,
        "distinct_clients": counts.distinct_clients,
        "start": period.start,
        "end": period.end,
        "package": name,
        "registry": registry.name,
    }


def _point_csv(results: Results, stem: str) -> HttpResponse:
    rows = [
        [name, r["start"], r["end"], r["downloads"], r["distinct_clients"]]
        if r
        else [name, "", "", "", ""]
        for name, r in results.items()
    ]
    return csv_response(stem, ["package", "start", "end", "downloads", "distinct_clients"], rows)


def _range(
    registry: Registry, period: Period, name: str | None, days: Iterable[DayCount]
) -> dict[str, Any]:
    return {
        "start": period.start,
        "end": period.end,
        "package": name,
        "registry": registry.name,
        "downloads": [
            {"day": d.day, "downloads": d.downloads, "distinct_clients": d.distinct_clients}
            for d in days
        ],
    }


def _range_csv(results: Results, stem: str) -> HttpResponse:
    rows = []
    for name, result in results.items():
        for day in result["downloads"] if result else []:
            rows.append([name, day["day"], day["downloads"], day["distinct_clients"]])
    return csv_response(stem, ["package", "day", "downloads", "distinct_clients"], rows)


@dataclass(frozen=True)
class _Kind(Generic[T]):
    """What differs between point and range answers: the reads, the result, the CSV."""

    of_registry: Callable[[Registry, Period], T]
    of_packages: Callable[[list[int], Period], dict[int, T]]
    result: Callable[[Registry, Period, str | None, T], dict[str, Any]]
    as_csv: Callable[[Results, str], HttpResponse]
    bulk_max_days: int | None = None


POINT = _Kind(registry_counts, package_counts, _point, _point_csv)
RANGE = _Kind(registry_daily, package_daily, _range, _range_csv, BULK_RANGE_MAX_DAYS + 1)


def _answer(
    request: HttpRequest,
    response: HttpResponse,
    output: OutputFormat | None,
    results: Results,
    *,
    kind: _Kind[Any],
    stem: str,
    bulk: bool,
) -> object:
    """JSON (one result, or a name -> result map in bulk) or CSV, as negotiated."""
    vary_on_accept(response)
    if wants_csv(request, output):
        return kind.as_csv(results, stem)
    return results if bulk else next(iter(results.values()))


def _registry_answer(
    kind: _Kind[T],
    request: HttpRequest,
    response: HttpResponse,
    *,
    period: str,
    registry: str | None,
    output: OutputFormat | None,
) -> object:
    found = registry_or_error(request, registry)
    span = period_or_error(period, found)
    result = kind.result(found, span, None, kind.of_registry(found, span))
    stem = f"{found.name}_{period.strip()}"  # as parse_period read it
    return _answer(request, response, output, {"": result}, kind=kind, stem=stem, bulk=False)


def _packages_answer(
    kind: _Kind[T],
    request: HttpRequest,
    response: HttpResponse,
    *,
    period: str,
    packages: str,
    registry: str | None,
    output: OutputFormat | None,
) -> object:
    found = registry_or_error(request, registry)
    span = period_or_error(period, found)
    bulk = "," in packages
    if bulk and kind.bulk_max_days is not None and span.days > kind.bulk_max_days:
        raise BadRequest(
            f"Bulk range queries cover at most {kind.bulk_max_days} days; "
            f"{period!r} has {span.days}"
        )
    names, known = _requested_packages(found, packages)
    by_package_id = kind.of_packages([p.pk for p in known.values()], span)
    results: Results = {
        name: kind.result(found, span, name, by_package_id[known[name].pk])
        if name in known
        else None
        for name in names
    }
    stem = f"{found.name}_{period.strip()}"  # as parse_period read it
    return _answer(request, response, output, results, kind=kind, stem=stem, bulk=bulk)


@router.get(
    "/downloads/point/{period}",
    response=PointDownloads,
    operation_id="downloads_point_registry",
    summary="Downloads of the whole registry in a period",
    description="Total downloads of all the registry's packages in the period, and the exact "
    "number of distinct clients that downloaded any of them (a union, not a sum). "
    "Example: `/api/v1/downloads/point/last-month?registry=bioconductor`.",
)
def point_registry(
    request: HttpRequest,
    response: HttpResponse,
    period: str = PeriodPath,
    registry: str | None = RegistryQuery,
    output: OutputFormat | None = FormatQuery,
) -> object:
    return _registry_answer(
        POINT, request, response, period=period, registry=registry, output=output
    )


@router.get(
    "/downloads/point/{period}/{packages}",
    response=PointDownloads | dict[str, PointDownloads | None],
    operation_id="downloads_point_packages",
    summary="Downloads of packages in a period",
    description="For one package: its downloads and distinct clients in the period (404 if "
    "unknown). For comma-separated packages (bulk): an object mapping each name to its "
    "result, null for unknown names, like npm. "
    "Example: `/api/v1/downloads/point/last-week/limma,edgeR?registry=bioconductor`.",
)
def point_packages(
    request: HttpRequest,
    response: HttpResponse,
    period: str = PeriodPath,
    packages: str = PackagesPath,
    registry: str | None = RegistryQuery,
    output: OutputFormat | None = FormatQuery,
) -> object:
    return _packages_answer(
        POINT,
        request,
        response,
        period=period,
        packages=packages,
        registry=registry,
        output=output,
    )


@router.get(
    "/downloads/range/{period}",
    response=RangeDownloads,
    operation_id="downloads_range_registry",
    summary="Daily downloads of the whole registry",
    description="One entry per day of the period (zero on days without downloads): the "
    "registry's downloads and its exact distinct clients that day. "
    "Example: `/api/v1/downloads/range/last-week?registry=bioconductor`.",
)
def range_registry(
    request: HttpRequest,
    response: HttpResponse,
    period: str = PeriodPath,
    registry: str | None = RegistryQuery,
    output: OutputFormat | None = FormatQuery,
) -> object:
    return _registry_answer(
        RANGE, request, response, period=period, registry=registry, output=output
    )


@router.get(
    "/downloads/range/{period}/{packages}",
    response=RangeDownloads | dict[str, RangeDownloads | None],
    operation_id="downloads_range_packages",
    summary="Daily downloads of packages",
    description="One entry per day of the period for the package (404 if unknown); for "
    "comma-separated packages an object mapping names to results (null if unknown). Bulk "
    f"ranges cover at most {BULK_RANGE_MAX_DAYS + 1} days, as npm's. "
    "Example: `/api/v1/downloads/range/2024-01-01:2024-01-31/limma?registry=bioconductor`.",
)
def range_packages(
    request: HttpRequest,
    response: HttpResponse,
    period: str = PeriodPath,
    packages: str = PackagesPath,
    registry: str | None = RegistryQuery,
    output: OutputFormat | None = FormatQuery,
) -> object:
    return _packages_answer(
        RANGE,
        request,
        response,
        period=period,
        packages=packages,
        registry=registry,
        output=output,
    )
