"""Top packages of a period and trending packages (cranlogs' ``/top`` and ``/trending``)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router

from stats.api.common import (
    FORMAT_DESCRIPTION,
    PERIOD_DESCRIPTION,
    DictSchema,
    OutputFormat,
    csv_response,
    period_or_error,
    registry_or_error,
    vary_on_accept,
    wants_csv,
)
from stats.api.errors import BadRequest
from stats.selectors.periods import InvalidPeriod
from stats.selectors.rankings import (
    TRENDING_BASELINE_DAYS,
    TRENDING_MIN_WEEKLY_DOWNLOADS,
    top_packages,
    trending_packages,
)

router = Router(tags=["rankings"])

FormatQuery = Query(None, alias="format", description=FORMAT_DESCRIPTION)


class TopRow(DictSchema):
    rank: int = Field(..., examples=[1])
    package: str = Field(..., examples=["BiocGenerics"])
    category: str = Field(..., examples=["bioc"])
    downloads: int = Field(..., examples=[81234])
    distinct_clients: int = Field(..., examples=[20118])


class TopOut(DictSchema):
    registry: str = Field(..., examples=["bioconductor"])
    start: dt.date = Field(..., examples=["2024-03-02"])
    end: dt.date = Field(..., examples=["2024-03-31"])
    category: str | None = Field(..., examples=["bioc"])
    packages: list[TopRow]


class TrendingRow(DictSchema):
    package: str = Field(..., examples=["scater"])
    category: str = Field(..., examples=["bioc"])
    last_week_daily_average: float = Field(..., examples=[210.571])
    baseline_daily_average: float = Field(
        ..., description="Average daily downloads of the 24 weeks before.", examples=[98.25]
    )
    increase: float = Field(
        ..., description="last_week_daily_average / baseline_daily_average.", examples=[2.143]
    )


class TrendingOut(DictSchema):
    registry: str = Field(..., examples=["bioconductor"])
    last_week_start: dt.date = Field(..., examples=["2024-03-25"])
    last_week_end: dt.date = Field(..., examples=["2024-03-31"])
    baseline_start: dt.date = Field(..., examples=["2023-10-08"])
    baseline_end: dt.date = Field(..., examples=["2024-03-24"])
    min_weekly_downloads: int = Field(..., examples=[TRENDING_MIN_WEEKLY_DOWNLOADS])
    packages: list[TrendingRow]


@router.get(
    "/top/{registry}/{period}",
    response=TopOut,
    operation_id="top_packages",
    summary="Most downloaded packages of a period",
    description="Packages ordered by downloads in the period (ties by name), optionally of "
    "one category, each with its exact distinct clients in the period. "
    "Example: `/api/v1/top/bioconductor/last-month?category=bioc&limit=10`.",
)
def top(
    request: HttpRequest,
    response: HttpResponse,
    registry: str,
    period: str = Path(..., description=PERIOD_DESCRIPTION, examples=["last-month"]),
    category: str | None = Query(None, examples=["bioc"]),
    limit: int = Query(10, ge=1, le=100),
    output: OutputFormat | None = FormatQuery,
) -> object:
    found = registry_or_error(request, registry)
    span = period_or_error(period, found)
    rows = top_packages(found, span, category=category, limit=limit)
    vary_on_accept(response)
    if wants_csv(request, output):
        columns = ["rank", "package", "category", "downloads", "distinct_clients"]
        return csv_response(
            f"{found.name}_top_{period.strip()}", columns, [[r[c] for c in columns] for r in rows]
        )
    return {
        "registry": found.name,
        "start": span.start,
        "end": span.end,
        "category": category,
        "packages": rows,
    }


@router.get(
    "/trending/{registry}",
    response=TrendingOut,
    operation_id="trending_packages",
    summary="Trending packages",
    description="As cranlogs defines trending: the average daily downloads of the last "
    "week (7 days ending at `valid_through`) divided by the average daily downloads of the "
    f"{TRENDING_BASELINE_DAYS // 7} weeks before, highest increase first. Packages need at "
    "least `min_weekly_downloads` downloads in the last week (default "
    f"{TRENDING_MIN_WEEKLY_DOWNLOADS}, so that tiny counts do not dominate) and some "
    "downloads in the baseline. Example: `/api/v1/trending/bioconductor?limit=20`.",
)
def trending(
    request: HttpRequest,
    response: HttpResponse,
    registry: str,
    limit: int = Query(30, ge=1, le=100),
    min_weekly_downloads: int = Query(TRENDING_MIN_WEEKLY_DOWNLOADS, ge=0),
    output: OutputFormat | None = FormatQuery,
) -> object:
    found = registry_or_error(request, registry)
    try:
        window, rows = trending_packages(
            found, limit=limit, min_weekly_downloads=min_weekly_downloads
        )
    except InvalidPeriod as exc:
        raise BadRequest(str(exc)) from None
    vary_on_accept(response)
    if wants_csv(request, output):
        columns = [
            "package",
            "category",
            "last_week_daily_average",
            "baseline_daily_average",
            "increase",
        ]
        return csv_response(
            f"{found.name}_trending", columns, [[r[c] for c in columns] for r in rows]
        )
    return {
        "registry": found.name,
        "last_week_start": window.recent.start,
        "last_week_end": window.recent.end,
        "baseline_start": window.baseline.start,
        "baseline_end": window.baseline.end,
        "min_weekly_downloads": min_weekly_downloads,
        "packages": rows,
    }
