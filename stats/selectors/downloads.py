"""Downloads and exact distinct clients of packages, categories and registries.

Any date range is cut into whole years, whole months and leftover days; the stored
client sets of those pieces are unioned, so the distinct count is exact without ever
reading raw facts. Downloads are plain sums of the same pieces.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models
from django.db.models import QuerySet, Sum
from pyroaring import BitMap

from stats import bitmaps
from stats.models import (
    Category,
    CategoryDay,
    CategoryMonth,
    CategoryYear,
    Package,
    PackageDay,
    PackageMonth,
    PackageYear,
    Registry,
)
from stats.selectors.periods import Period, month_end, split_period

CHUNK = 500


@dataclass
class Counts:
    """Downloads and the set of clients behind them."""

    downloads: int = 0
    clients: BitMap = field(default_factory=BitMap)

    @property
    def distinct_clients(self) -> int:
        return len(self.clients)


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    downloads: int
    distinct_clients: int


_PACKAGE_MODELS = (PackageYear, PackageMonth, PackageDay)
_CATEGORY_MODELS = (CategoryYear, CategoryMonth, CategoryDay)


def _range_counts(
    summary_models: tuple[type[models.Model], ...],
    owner: str,
    owner_ids: Sequence[int],
    period: Period,
) -> dict[int, Counts]:
    """Counts per owner over the period: at most 3 queries per chunk of owners."""
    year_model, month_model, day_model = summary_models
    split = split_period(period)
    result: dict[int, Counts] = {owner_id: Counts() for owner_id in owner_ids}
    column = f"{owner}_id"
    ids = list(owner_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        querysets = []
        if split.years:
            querysets.append(
                year_model._default_manager.filter(
                    **{f"{column}__in": chunk, "year__in": split.years}
                )
            )
        if split.months:
            querysets.append(
                month_model._default_manager.filter(
                    **{f"{column}__in": chunk, "month__in": split.months}
                )
            )
        day_filter = models.Q()
        for first, last in split.spans:
            day_filter |= models.Q(day__gte=first, day__lte=last)
        if split.spans:
            querysets.append(
                day_model._default_manager.filter(day_filter, **{f"{column}__in": chunk})
            )
        for queryset in querysets:
            for owner_id, downloads, clients in queryset.values_list(
                column, "downloads", "clients"
            ):
                counts = result[owner_id]
                counts.downloads += downloads
                counts.clients |= bitmaps.from_bytes(clients)
    return result


def package_counts(package_ids: Sequence[int], period: Period) -> dict[int, Counts]:
    """Downloads and exact distinct clients of each package over the period."""
    return _range_counts(_PACKAGE_MODELS, "package", package_ids, period)


def category_counts(category_ids: Sequence[int], period: Period) -> dict[int, Counts]:
    """Per category: a client of several packages of a category counts once."""
    return _range_counts(_CATEGORY_MODELS, "category", category_ids, period)


def registry_counts(registry: Registry, period: Period) -> Counts:
    """All packages of the registry: the union over its categories' client sets."""
    category_ids = list(Category.objects.filter(registry=registry).values_list("id", flat=True))
    total = Counts()
    for counts in category_counts(category_ids, period).values():
        total.downloads += counts.downloads
        total.clients |= counts.clients
    return total


def package_daily(package_ids: Sequence[int], period: Period) -> dict[int, list[DayCount]]:
    """One row per day of the period for each package, zero on days without downloads."""
    found: dict[int, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    ids = list(package_ids)
    for start in range(0, len(ids), CHUNK):
        rows = PackageDay.objects.filter(
            package_id__in=ids[start : start + CHUNK], day__gte=period.start, day__lte=period.end
        ).values_list("package_id", "day", "downloads", "distinct_clients")
        for package_id, day, downloads, distinct in rows:
            found[package_id][day] = (downloads, distinct)
    return {package_id: _fill(found.get(package_id, {}), period) for package_id in ids}


def registry_daily(registry: Registry, period: Period) -> list[DayCount]:
    """The registry's days: downloads summed, clients unioned across categories."""
    rows = CategoryDay.objects.filter(
        category__registry=registry, day__gte=period.start, day__lte=period.end
    ).values_list("day", "downloads", "distinct_clients", "clients")
    by_day: dict[dt.date, list[tuple[int, int, bytes]]] = defaultdict(list)
    for day, downloads, distinct, clients in rows:
        by_day[day].append((downloads, distinct, bytes(clients)))
    found: dict[dt.date, tuple[int, int]] = {}
    for day, parts in by_day.items():
        downloads = sum(p[0] for p in parts)
        if len(parts) == 1:
            found[day] = (downloads, parts[0][1])
        else:
            found[day] = (downloads, len(bitmaps.union(p[2] for p in parts)))
    return _fill(found, period)


def _fill(found: dict[dt.date, tuple[int, int]], period: Period) -> list[DayCount]:
    return [DayCount(day, *found.get(day, (0, 0))) for day in period.each_day()]


def downloads_by_package(
    registry: Registry, period: Period, *, category_id: int | None = None
) -> dict[int, int]:
    """Downloads of every package with downloads in the period: grouped sums, no client sets.

    Downloads (unlike clients) can be subtracted, so a month mostly inside the period is
    read as its monthly row minus the few days outside: ``last-month`` reads about a
    third of the day rows a plain day-by-day sum would.
    """
    split = split_period(period)
    months = list(split.months)
    add_days: list[tuple[dt.date, dt.date]] = []
    subtract_days: list[tuple[dt.date, dt.date]] = []
    for first, last in split.spans:
        for piece_start, piece_end in _month_pieces(first, last):
            month, end_of_month = piece_start.replace(day=1), month_end(piece_start)
            inside = (piece_end - piece_start).days + 1
            if end_of_month.day - inside < inside:
                months.append(month)
                if piece_start > month:
                    subtract_days.append((month, piece_start - dt.timedelta(days=1)))
                if piece_end < end_of_month:
                    subtract_days.append((piece_end + dt.timedelta(days=1), end_of_month))
            else:
                add_days.append((piece_start, piece_end))
    scope: dict[str, object] = {"package__registry": registry}
    if category_id is not None:
        scope["package__category_id"] = category_id
    parts: list[tuple[int, QuerySet]] = []
    if split.years:
        parts.append((1, PackageYear.objects.filter(year__in=split.years, **scope)))
    if months:
        parts.append((1, PackageMonth.objects.filter(month__in=months, **scope)))
    if add_days:
        parts.append((1, PackageDay.objects.filter(_day_ranges(add_days), **scope)))
    if subtract_days:
        parts.append((-1, PackageDay.objects.filter(_day_ranges(subtract_days), **scope)))
    totals: dict[int, int] = defaultdict(int)
    for sign, queryset in parts:
        grouped = queryset.values("package_id").annotate(total=Sum("downloads"))
        for package_id, total in grouped.values_list("package_id", "total"):
            totals[package_id] += sign * total
    return {package_id: total for package_id, total in totals.items() if total}


def _month_pieces(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    pieces = []
    while first <= last:
        piece_end = min(month_end(first), last)
        pieces.append((first, piece_end))
        first = piece_end + dt.timedelta(days=1)
    return pieces


def _day_ranges(ranges: list[tuple[dt.date, dt.date]]) -> models.Q:
    condition = models.Q()
    for first, last in ranges:
        condition |= models.Q(day__gte=first, day__lte=last)
    return condition


def packages_by_name(registry: Registry, names: Sequence[str]) -> dict[str, Package]:
    """The registry's packages with these names (unknown names are left out)."""
    found: dict[str, Package] = {}
    for start in range(0, len(names), CHUNK):
        for package in Package.objects.filter(
            registry=registry, name__in=names[start : start + CHUNK]
        ).only("id", "name", "category_id"):
            found[package.name] = package
    return found
