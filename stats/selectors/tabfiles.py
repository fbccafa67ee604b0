"""Reads behind the Bioconductor-compatible .tab/.txt files, in one consistent snapshot.

A recomputation deletes and rewrites summary rows inside one transaction; a file is
built from several queries, so they all run in :func:`consistent_read` and see either
every row from before the recomputation or every row from after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet

from stats.models import (
    Category,
    CategoryMonth,
    CategoryYear,
    Package,
    PackageMonth,
    PackageYear,
    PackageYearLines,
)
from stats.selectors.access import visible_registries

# (year, distinct clients, downloads) and {(year, month): (distinct clients, downloads)}
YearRow = tuple[int, int, int]
MonthCells = dict[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class RegistryState:
    """What a file's cache key and Last-Modified depend on."""

    id: int
    name: str
    data_generation: int
    valid_through: date | None


@contextmanager
def consistent_read(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the enclosed reads in one snapshot of the database.

    PostgreSQL: a READ ONLY, REPEATABLE READ transaction. SQLite (WAL): a deferred read
    transaction, which is a snapshot and takes no lock (Django's atomic() would BEGIN
    IMMEDIATE here and queue readers behind the writer). Inside an existing transaction
    the caller's snapshot already applies.
    """
    connection = connections[using]
    if connection.in_atomic_block or not connection.get_autocommit():
        yield
        return
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def registry_state(name: str, *, user: Any = None) -> RegistryState | None:
    """The registry of that name if ``user`` may see it (anonymous: public only), or None."""
    row = (
        visible_registries(user)
        .filter(name=name)
        .values_list("id", "name", "data_generation", "valid_through")
        .first()
    )
    return RegistryState(*row) if row else None


def category_names(registry_name: str) -> list[str]:
    """Names of the categories of a public registry."""
    return list(
        Category.objects.filter(registry__name=registry_name, registry__is_public=True)
        .order_by("name")
        .values_list("name", flat=True)
    )


def category_id(*, registry_id: int, name: str) -> int | None:
    """Id of the registry's category of that name, or None."""
    return (
        Category.objects.filter(registry_id=registry_id, name=name)
        .values_list("id", flat=True)
        .first()
    )


def package_id(*, category_id: int, name: str) -> int | None:
    """Id of the category's package of that name, or None."""
    return (
        Package.objects.filter(category_id=category_id, name=name)
        .values_list("id", flat=True)
        .first()
    )


def _year_bounds(year: int | None) -> dict[str, date]:
    if year is None:
        return {}
    return {"month__gte": date(year, 1, 1), "month__lte": date(year, 12, 1)}


def package_series(*, package_id: int, year: int | None = None) -> tuple[list[YearRow], MonthCells]:
    """Yearly rows (newest first) and monthly cells of one package."""
    years = PackageYear.objects.filter(package_id=package_id)
    months = PackageMonth.objects.filter(package_id=package_id, **_year_bounds(year))
    if year is not None:
        years = years.filter(year=year)
    return _series(years, months)


def category_series(
    *, category_id: int, year: int | None = None
) -> tuple[list[YearRow], MonthCells]:
    """Yearly rows (newest first) and monthly cells of a whole category.

    Yearly distinct clients come from CategoryYear: clients are counted once across all
    the category's packages and months, never summed.
    """
    years = CategoryYear.objects.filter(category_id=category_id)
    months = CategoryMonth.objects.filter(category_id=category_id, **_year_bounds(year))
    if year is not None:
        years = years.filter(year=year)
    return _series(years, months)


def _series(
    years: QuerySet[Any, Any], months: QuerySet[Any, Any]
) -> tuple[list[YearRow], MonthCells]:
    year_rows = list(years.order_by("-year").values_list("year", "distinct_clients", "downloads"))
    cells = {
        (month.year, month.month): (ips, downloads)
        for month, ips, downloads in months.values_list("month", "distinct_clients", "downloads")
    }
    return year_rows, cells


def category_package_names(*, category_id: int) -> dict[int, str]:
    """{package id: name} of the category's packages."""
    return dict(Package.objects.filter(category_id=category_id).values_list("id", "name"))


def category_package_years(*, category_id: int) -> list[tuple[int, int, int, int]]:
    """(package id, year, distinct clients, downloads), by package id then newest year."""
    return list(
        PackageYear.objects.filter(package__category_id=category_id)
        .order_by("package_id", "-year")
        .values_list("package_id", "year", "distinct_clients", "downloads")
    )


def category_package_year_lines(*, category_id: int) -> list[tuple[str, int, str]]:
    """(package name, year, the year's kept .tab lines) of the category's packages, unordered."""
    return list(
        PackageYearLines.objects.filter(package__category_id=category_id)
        .order_by()
        .values_list("package__name", "year", "lines")
    )


def category_package_months(*, category_id: int) -> list[tuple[int, date, int, int]]:
    """(package id, first day of month, distinct, downloads), by package id then newest month.

    One query, plain tuples, in the order of the (package, month) unique index.
    """
    return list(
        PackageMonth.objects.filter(package__category_id=category_id)
        .order_by("package_id", "-month")
        .values_list("package_id", "month", "distinct_clients", "downloads")
    )


def category_package_scores(*, category_id: int) -> list[tuple[str, int]]:
    """(name, download score) of every package of the category."""
    return list(
        Package.objects.filter(category_id=category_id).values_list("name", "download_score")
    )
