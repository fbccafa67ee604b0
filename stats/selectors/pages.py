"""Reads behind the public pages and badges, composed from the REST API's selectors.

Nothing here counts on its own: totals and series come from
:mod:`stats.selectors.packages` and :mod:`stats.selectors.downloads`, so a page, a
badge, GraphQL and REST give the same number for the same question.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import TypedDict

from stats.models import Category, Package, Registry
from stats.selectors.downloads import package_counts, registry_counts
from stats.selectors.packages import CategoryDetail, category_detail
from stats.selectors.periods import Period, month_end, parse_period


class RegistrySummary(TypedDict):
    categories: list[CategoryDetail]
    months: list[str]  # YYYY-MM, every month with downloads
    monthly_by_category: dict[str, list[int]]
    monthly_totals: list[int]
    downloads_total: int
    distinct_clients_total: int
    packages: int


def registry_summary(registry: Registry) -> RegistrySummary:
    """Categories with their totals, and the registry's monthly downloads per category.

    A few queries per category (a registry has a handful). The registry's distinct
    clients over all time are a union over its categories, never a sum.
    """
    categories: list[CategoryDetail] = []
    months: set[str] = set()
    for category in Category.objects.filter(registry=registry).order_by("name"):
        detail = category_detail(category)
        categories.append(detail)
        months.update(m["month"] for m in detail["monthly"])
    ordered_months = sorted(months)
    by_category: dict[str, dict[str, int]] = defaultdict(dict)
    for detail in categories:
        for month in detail["monthly"]:
            by_category[detail["name"]][month["month"]] = month["downloads"]
    distinct_total = 0
    if ordered_months:
        # Every month with downloads, whole: the same days the all-time totals cover.
        span = Period(
            dt.date.fromisoformat(ordered_months[0] + "-01"),
            month_end(dt.date.fromisoformat(ordered_months[-1] + "-01")),
        )
        distinct_total = registry_counts(registry, span).distinct_clients
    return {
        "categories": categories,
        "months": ordered_months,
        "monthly_by_category": {
            name: [values.get(month, 0) for month in ordered_months]
            for name, values in by_category.items()
        },
        "monthly_totals": [
            sum(by_category[d["name"]].get(month, 0) for d in categories)
            for month in ordered_months
        ],
        "downloads_total": sum(d["downloads_total"] for d in categories),
        "distinct_clients_total": distinct_total,
        "packages": sum(d["packages"] for d in categories),
    }


def ranked_package_count(registry: Registry) -> int:
    """How many packages of the registry have a rank (the denominator of "rank N of M")."""
    return Package.objects.filter(registry=registry, rank__isnull=False).count()


class BadgeKind(StrEnum):
    """What a badge shows; the last URL segment of ``/badge/<registry>/<package>/<kind>``."""

    LAST_MONTH = "last-month"
    LAST_WEEK = "last-week"
    LAST_YEAR = "last-year"
    TOTAL = "total"
    CLIENTS = "clients"


BADGE_PERIODS = {
    BadgeKind.LAST_MONTH: "last-month",
    BadgeKind.LAST_WEEK: "last-week",
    BadgeKind.LAST_YEAR: "last-year",
    BadgeKind.CLIENTS: "last-month",
}


@dataclass(frozen=True)
class BadgeValue:
    """The number a badge shows, or None when the registry has no counted day yet."""

    kind: BadgeKind
    value: int | None


def badge_value(registry: Registry, package_name: str, kind: BadgeKind) -> BadgeValue | None:
    """The badge's number for a package; None when the registry has no such package.

    Relative periods end at the registry's last complete day, as in the REST API's
    ``/downloads/point/<period>/<package>``; ``total`` is the all-time total of
    ``/registries/<registry>/packages/<package>``.
    """
    package = (
        Package.objects.filter(registry=registry, name=package_name)
        .only("id", "downloads_total")
        .first()
    )
    if package is None:
        return None
    if kind == BadgeKind.TOTAL:
        return BadgeValue(kind, package.downloads_total)
    if registry.valid_through is None:
        return BadgeValue(kind, None)
    period = parse_period(BADGE_PERIODS[kind], valid_through=registry.valid_through)
    counts = package_counts([package.pk], period)[package.pk]
    value = counts.distinct_clients if kind == BadgeKind.CLIENTS else counts.downloads
    return BadgeValue(kind, value)


def public_registries() -> list[Registry]:
    """The public registries, by name (what GraphQL lists; REST's overview reads the same)."""
    return list(Registry.objects.filter(is_public=True).order_by("name"))
