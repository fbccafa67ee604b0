"""Packages and categories: the list, a package's and a category's series."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.db.models import Case, CharField, QuerySet, Value, When
from django.db.models.enums import TextChoices
from pyroaring import BitMap

from stats import bitmaps
from stats.models import (
    Category,
    CategoryMonth,
    CategoryYear,
    Package,
    PackageMonth,
    PackageVersion,
    PackageYear,
    Registry,
)
from stats.selectors.registries import category_names, get_category


class MonthRow(TypedDict):
    month: str  # YYYY-MM
    downloads: int
    distinct_clients: int


class YearRow(TypedDict):
    year: int
    downloads: int
    distinct_clients: int


class VersionRow(TypedDict):
    version: str
    downloads: int
    first_day: dt.date | None
    last_day: dt.date | None


class Series(TypedDict):
    """Totals and monthly/yearly series; distinct clients over all time are a union."""

    downloads_total: int
    distinct_clients_total: int
    monthly: list[MonthRow]
    yearly: list[YearRow]


class CategoryDetail(Series):
    name: str
    packages: int


class PackageDetail(Series):
    name: str
    category: str
    active: bool
    first_release: str
    last_release: str
    download_score: int
    rank: int | None
    versions: list[VersionRow]


class PackageOrder(TextChoices):
    DOWNLOADS = "downloads", "Most downloads first"
    SCORE = "score", "Highest download score first"
    NAME = "name", "By name"


_ORDERING = {
    PackageOrder.DOWNLOADS: ("-downloads_total", "name"),
    PackageOrder.SCORE: ("-download_score", "name"),
    PackageOrder.NAME: ("name",),
}


def package_list(
    registry: Registry,
    *,
    category: str | None = None,
    name_contains: str | None = None,
    order: PackageOrder = PackageOrder.DOWNLOADS,
) -> QuerySet[Package, Any]:
    """The registry's packages as rows of their own columns; no join, any page size.

    The category name comes from a CASE over the registry's few categories, read once.
    """
    names = category_names(registry)
    queryset = Package.objects.filter(registry=registry)
    if category is not None:
        queryset = queryset.filter(category=get_category(registry, category))
    if name_contains:
        queryset = queryset.filter(name__icontains=name_contains)
    category_name = Case(
        *[When(category_id=pk, then=Value(name)) for pk, name in names.items()],
        default=Value(""),
        output_field=CharField(),
    )
    return (
        queryset.annotate(category_name=category_name)
        .order_by(*_ORDERING[PackageOrder(order)])
        .values(
            "name",
            "downloads_total",
            "download_score",
            "rank",
            "active",
            "category_name",
        )
    )


def _series(month_rows: QuerySet[Any, Any], year_rows: QuerySet[Any, Any]) -> Series:
    monthly: list[MonthRow] = [
        {"month": month.strftime("%Y-%m"), "downloads": d, "distinct_clients": c}
        for month, d, c in month_rows.order_by("month").values_list(
            "month", "downloads", "distinct_clients"
        )
    ]
    yearly: list[YearRow] = []
    all_clients = BitMap()
    total = 0
    for year, downloads, distinct, clients in year_rows.order_by("year").values_list(
        "year", "downloads", "distinct_clients", "clients"
    ):
        yearly.append({"year": year, "downloads": downloads, "distinct_clients": distinct})
        total += downloads
        all_clients |= bitmaps.from_bytes(clients)
    return {
        "downloads_total": total,
        "distinct_clients_total": len(all_clients),
        "monthly": monthly,
        "yearly": yearly,
    }


def package_detail(package: Package) -> PackageDetail:
    """Totals, monthly and yearly series, score, rank and versions: four queries."""
    series = _series(
        PackageMonth.objects.filter(package=package), PackageYear.objects.filter(package=package)
    )
    versions: list[VersionRow] = [
        {"version": v, "downloads": d, "first_day": first, "last_day": last}
        for v, d, first, last in PackageVersion.objects.filter(package=package)
        .order_by("first_day", "version")
        .values_list("version", "downloads", "first_day", "last_day")
    ]
    return {
        "name": package.name,
        "category": package.category.name,
        "active": package.active,
        "first_release": package.first_release,
        "last_release": package.last_release,
        "download_score": package.download_score,
        "rank": package.rank,
        **series,
        "versions": versions,
    }


def category_detail(category: Category) -> CategoryDetail:
    """Totals and monthly/yearly series of a category; distinct clients are unions."""
    series = _series(
        CategoryMonth.objects.filter(category=category),
        CategoryYear.objects.filter(category=category),
    )
    return {
        "name": category.name,
        "packages": Package.objects.filter(category=category).count(),
        **series,
    }
