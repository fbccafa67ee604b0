"""GraphQL types over the selectors the REST API uses, so both give the same numbers.

Model-backed types (registry, category, package) come from strawberry-graphql-django;
their counting fields call :mod:`stats.selectors` and never query summaries themselves.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, NewType

import strawberry
import strawberry_django
from django.http import Http404
from graphql import GraphQLError
from strawberry import auto

from stats.models import Category, Package, Registry
from stats.selectors.downloads import package_counts, package_daily, registry_counts, registry_daily
from stats.selectors.packages import PackageOrder, category_detail, package_detail, package_list
from stats.selectors.periods import InvalidPeriod, Period, parse_period
from stats.selectors.rankings import top_packages
from stats.selectors.registries import get_category, get_package

MAX_LIST = 500
MAX_TOP = 100
MAX_DAILY_DAYS = 732
"""Daily series cover at most two years per field; longer spans ask for months."""

BigInt = NewType("BigInt", int)
"""A count GraphQL's Int (32-bit) cannot hold: a 64-bit column's value or a sum of counts.
Answered as a JSON number, as REST answers it (the scalar is in the schema's config)."""
BIG_INT_DESCRIPTION = "An integer of up to 64 bits (GraphQL's Int holds 32), as a JSON number."


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def not_found(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "NOT_FOUND"})


def resolve_period(
    registry: Registry, period: str | None, start: dt.date | None, end: dt.date | None
) -> Period:
    """A period named as in REST (``last-month``, ``2024-01-01:2024-01-31``) or by dates."""
    if period is not None and (start is not None or end is not None):
        raise bad_input("give either period or start and end, not both")
    try:
        if period is not None:
            return parse_period(period, valid_through=registry.valid_through)
        if start is None or end is None:
            raise bad_input("give a period (e.g. last-month) or both start and end dates")
        return parse_period(f"{start.isoformat()}:{end.isoformat()}", valid_through=None)
    except InvalidPeriod as exc:
        raise bad_input(f"Invalid period: {exc}") from None


def _limit(value: int, maximum: int, name: str = "limit") -> int:
    if not 1 <= value <= maximum:
        raise bad_input(f"{name} must be between 1 and {maximum}")
    return value


@strawberry.enum
class PackageOrderEnum(Enum):
    DOWNLOADS = PackageOrder.DOWNLOADS.value
    SCORE = PackageOrder.SCORE.value
    NAME = PackageOrder.NAME.value


@strawberry.type(description="Downloads and exact distinct clients over a period.")
class PeriodCounts:
    start: dt.date
    end: dt.date
    downloads: BigInt
    distinct_clients: int


@strawberry.type
class DayCount:
    day: dt.date
    downloads: BigInt
    distinct_clients: int


@strawberry.type
class MonthCount:
    month: str = strawberry.field(description="YYYY-MM")
    downloads: BigInt
    distinct_clients: int


@strawberry.type
class YearCount:
    year: int
    downloads: BigInt
    distinct_clients: int = strawberry.field(description="Exact for the year, not a sum.")


@strawberry.type
class VersionCount:
    version: str
    downloads: BigInt
    first_day: dt.date | None
    last_day: dt.date | None


@strawberry.type(description="A row of a package list, as REST's /registries/{r}/packages.")
class PackageSummary:
    name: str
    category: str
    downloads_total: BigInt
    download_score: int
    rank: int | None
    active: bool


@strawberry.type
class TopPackage:
    rank: int
    package: str
    category: str
    downloads: BigInt
    distinct_clients: int


@strawberry.type
class TopPackages:
    start: dt.date
    end: dt.date
    category: str | None
    packages: list[TopPackage]


def _months(
    rows: list[dict[str, Any]], start: dt.date | None, end: dt.date | None
) -> list[MonthCount]:
    first = start.strftime("%Y-%m") if start else ""
    last = end.strftime("%Y-%m") if end else "9999-12"
    return [MonthCount(**row) for row in rows if first <= row["month"] <= last]


def _years(
    rows: list[dict[str, Any]], start_year: int | None, end_year: int | None
) -> list[YearCount]:
    low, high = start_year or 0, end_year or 9999
    return [YearCount(**row) for row in rows if low <= row["year"] <= high]


def _cached(instance: Any, attribute: str, build: Any) -> dict[str, Any]:
    """The selector's answer, read once per object per request."""
    found = instance.__dict__.get(attribute)
    if found is None:
        found = build()
        instance.__dict__[attribute] = found
    return found


def _category_detail(category: Any) -> dict[str, Any]:
    return _cached(category, "_graphql_detail", lambda: category_detail(category))


def _package_detail(package: Any) -> dict[str, Any]:
    return _cached(package, "_graphql_detail", lambda: package_detail(package))


@strawberry_django.type(Category)
class CategoryType:
    name: auto

    @strawberry.field
    def packages_count(self) -> int:
        return _category_detail(self)["packages"]

    @strawberry.field(description="All time, as REST's category detail.")
    def downloads_total(self) -> BigInt:
        return _category_detail(self)["downloads_total"]

    @strawberry.field(description="All time; a client of several packages counts once.")
    def distinct_clients_total(self) -> int:
        return _category_detail(self)["distinct_clients_total"]

    @strawberry.field(description="Months from start's month to end's month (both included).")
    def monthly(self, start: dt.date | None = None, end: dt.date | None = None) -> list[MonthCount]:
        return _months(_category_detail(self)["monthly"], start, end)

    @strawberry.field
    def yearly(self, start_year: int | None = None, end_year: int | None = None) -> list[YearCount]:
        return _years(_category_detail(self)["yearly"], start_year, end_year)


@strawberry_django.type(Package)
class PackageType:
    name: auto
    first_release: auto
    last_release: auto
    active: auto
    download_score: auto
    rank: auto

    @strawberry.field
    def category(self) -> str:
        return self.category.name  # type: ignore[attr-defined]

    @strawberry.field(description="The package's registry (queries nest at most 8 deep).")
    def registry(self) -> Annotated[RegistryType, strawberry.lazy("stats.graphql.types")]:
        return self.registry  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="All time, as REST's package detail.")
    def downloads_total(self) -> BigInt:
        return _package_detail(self)["downloads_total"]

    @strawberry.field(description="All time (exact union over the years).")
    def distinct_clients_total(self) -> int:
        return _package_detail(self)["distinct_clients_total"]

    @strawberry.field(description="Months from start's month to end's month (both included).")
    def monthly(self, start: dt.date | None = None, end: dt.date | None = None) -> list[MonthCount]:
        return _months(_package_detail(self)["monthly"], start, end)

    @strawberry.field
    def yearly(self, start_year: int | None = None, end_year: int | None = None) -> list[YearCount]:
        return _years(_package_detail(self)["yearly"], start_year, end_year)

    @strawberry.field
    def versions(self) -> list[VersionCount]:
        return [VersionCount(**row) for row in _package_detail(self)["versions"]]

    @strawberry.field(description="As REST's /downloads/point/{period}/{package}.")
    def downloads(
        self,
        period: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> PeriodCounts:
        span = resolve_period(self.registry, period, start, end)  # type: ignore[attr-defined]
        counts = package_counts([self.pk], span)[self.pk]  # type: ignore[attr-defined]
        return PeriodCounts(
            start=span.start,
            end=span.end,
            downloads=counts.downloads,
            distinct_clients=counts.distinct_clients,
        )

    @strawberry.field(description=f"One entry per day; at most {MAX_DAILY_DAYS} days.")
    def daily(
        self,
        period: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[DayCount]:
        span = resolve_period(self.registry, period, start, end)  # type: ignore[attr-defined]
        if span.days > MAX_DAILY_DAYS:
            raise bad_input(f"daily series cover at most {MAX_DAILY_DAYS} days")
        days = package_daily([self.pk], span)[self.pk]  # type: ignore[attr-defined]
        return [
            DayCount(day=d.day, downloads=d.downloads, distinct_clients=d.distinct_clients)
            for d in days
        ]


@strawberry_django.type(Registry)
class RegistryType:
    name: auto
    title: auto
    timezone: auto
    valid_through: auto = strawberry_django.field(description="Last complete day counted.")
    data_generation: auto

    @strawberry.field
    def categories(self) -> list[CategoryType]:
        return list(Category.objects.filter(registry=self).order_by("name"))  # type: ignore[misc]

    @strawberry.field
    def category(self, name: str) -> CategoryType | None:
        try:
            return get_category(self, name)  # type: ignore[arg-type,return-value]
        except Http404:
            return None

    @strawberry.field(description=f"As REST's package list; at most {MAX_LIST} per call.")
    def packages(
        self,
        category: str | None = None,
        name_contains: str | None = None,
        order: PackageOrderEnum = PackageOrderEnum.DOWNLOADS,
        limit: int = 100,
        offset: int = 0,
    ) -> list[PackageSummary]:
        _limit(limit, MAX_LIST)
        if offset < 0:
            raise bad_input("offset must not be negative")
        try:
            rows = package_list(
                self,  # type: ignore[arg-type]
                category=category,
                name_contains=name_contains,
                order=PackageOrder(order.value),
            )[offset : offset + limit]
        except Http404 as exc:
            raise not_found(str(exc)) from None
        return [
            PackageSummary(
                name=row["name"],
                category=row["category_name"],
                downloads_total=row["downloads_total"],
                download_score=row["download_score"],
                rank=row["rank"],
                active=row["active"],
            )
            for row in rows
        ]

    @strawberry.field
    def package(self, name: str) -> PackageType | None:
        try:
            return get_package(self, name)  # type: ignore[arg-type,return-value]
        except Http404:
            return None

    @strawberry.field(description="The whole registry, as REST's /downloads/point/{period}.")
    def downloads(
        self,
        period: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> PeriodCounts:
        span = resolve_period(self, period, start, end)  # type: ignore[arg-type]
        counts = registry_counts(self, span)  # type: ignore[arg-type]
        return PeriodCounts(
            start=span.start,
            end=span.end,
            downloads=counts.downloads,
            distinct_clients=counts.distinct_clients,
        )

    @strawberry.field(description=f"One entry per day; at most {MAX_DAILY_DAYS} days.")
    def daily(
        self,
        period: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[DayCount]:
        span = resolve_period(self, period, start, end)  # type: ignore[arg-type]
        if span.days > MAX_DAILY_DAYS:
            raise bad_input(f"daily series cover at most {MAX_DAILY_DAYS} days")
        return [
            DayCount(day=d.day, downloads=d.downloads, distinct_clients=d.distinct_clients)
            for d in registry_daily(self, span)  # type: ignore[arg-type]
        ]

    @strawberry.field(description="Most downloaded packages of the period, as REST's /top.")
    def top(
        self,
        period: str | None = "last-month",
        start: dt.date | None = None,
        end: dt.date | None = None,
        category: str | None = None,
        limit: int = 10,
    ) -> TopPackages:
        _limit(limit, MAX_TOP)
        if start is not None or end is not None:
            period = None
        span = resolve_period(self, period, start, end)  # type: ignore[arg-type]
        try:
            rows = top_packages(self, span, category=category, limit=limit)  # type: ignore[arg-type]
        except Http404 as exc:
            raise not_found(str(exc)) from None
        return TopPackages(
            start=span.start,
            end=span.end,
            category=category,
            packages=[TopPackage(**row) for row in rows],
        )
