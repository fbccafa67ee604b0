"""Top packages of a period and trending packages (cranlogs' definition)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stats.models import Package, Registry
from stats.selectors.downloads import downloads_by_package, package_counts
from stats.selectors.periods import WINDOW_COLUMNS, InvalidPeriod, Period
from stats.selectors.registries import category_names, get_category

TRENDING_RECENT_DAYS = 7
TRENDING_BASELINE_DAYS = 24 * 7
TRENDING_MIN_WEEKLY_DOWNLOADS = 100
"""Default volume threshold: a package needs this many downloads in the last week to
trend, so that 2 downloads after 1 is not "+100 %"."""


def top_packages(
    registry: Registry, period: Period, *, category: str | None = None, limit: int = 10
) -> list[dict[str, object]]:
    """The ``limit`` most downloaded packages of the period, with exact distinct clients.

    The rolling windows (last-day/week/month/year) are read from the packages' stored
    totals; other periods from grouped sums over the summaries (indexed by day/month).
    Client sets are read only for the packages returned.
    """
    category_id = get_category(registry, category).pk if category else None
    column = stored_window(registry, period)
    if column is None:
        ranked, totals, info = _ranked_by_sums(registry, period, category_id, limit)
    else:
        ranked, totals, info = _ranked_by_column(registry, column, category_id, limit)
    counts = package_counts(ranked, period)
    names = category_names(registry)
    return [
        {
            "rank": position,
            "package": info[pk][0],
            "category": names.get(info[pk][1], ""),
            "downloads": totals[pk],
            "distinct_clients": counts[pk].distinct_clients,
        }
        for position, pk in enumerate(ranked, start=1)
    ]


def stored_window(registry: Registry, period: Period) -> str | None:
    """The Package column holding the period's downloads, if it is a maintained window."""
    end = registry.valid_through
    if end is None or registry.windows_through != end or period.end != end:
        return None
    return WINDOW_COLUMNS.get(period.days)


Ranking = tuple[list[int], dict[int, int], dict[int, tuple[str, int]]]


def _ranked_by_column(
    registry: Registry, column: str, category_id: int | None, limit: int
) -> Ranking:
    packages = Package.objects.filter(registry=registry, **{f"{column}__gt": 0})
    if category_id is not None:
        packages = packages.filter(category_id=category_id)
    rows = packages.order_by(f"-{column}", "name").values_list("id", "name", "category_id", column)
    ranked, totals, info = [], {}, {}
    for pk, name, package_category, downloads in rows[:limit]:
        ranked.append(pk)
        totals[pk] = downloads
        info[pk] = (name, package_category)
    return ranked, totals, info


def _ranked_by_sums(
    registry: Registry, period: Period, category_id: int | None, limit: int
) -> Ranking:
    totals = downloads_by_package(registry, period, category_id=category_id)
    by_downloads = sorted((pk for pk, d in totals.items() if d > 0), key=lambda pk: -totals[pk])
    # Names only for the packages that can make the cut (ties at the limit by name).
    cutoff = totals[by_downloads[limit - 1]] if len(by_downloads) >= limit else 0
    contenders = [pk for pk in by_downloads if totals[pk] >= cutoff]
    info = _package_names(registry, contenders)
    ranked = sorted(contenders, key=lambda pk: (-totals[pk], info[pk][0]))[:limit]
    return ranked, totals, info


def _package_names(registry: Registry, ids: list[int] | None = None) -> dict[int, tuple[str, int]]:
    """Name and category id by package id (all of the registry's, or a few hundred)."""
    packages = Package.objects.filter(registry=registry)
    if ids is not None:
        if not ids:
            return {}
        if len(ids) <= 500:
            packages = packages.filter(id__in=ids)
    return {
        pk: (name, category_id)
        for pk, name, category_id in packages.values_list("id", "name", "category_id")
    }


@dataclass(frozen=True)
class TrendingWindow:
    recent: Period
    baseline: Period


def trending_window(valid_through: dt.date | None) -> TrendingWindow:
    """The last 7 days ending at valid_through, and the 24 weeks before them."""
    if valid_through is None:
        raise InvalidPeriod("no downloads have been counted yet, so nothing is trending")
    recent = Period(valid_through - dt.timedelta(days=TRENDING_RECENT_DAYS - 1), valid_through)
    baseline_end = recent.start - dt.timedelta(days=1)
    baseline = Period(baseline_end - dt.timedelta(days=TRENDING_BASELINE_DAYS - 1), baseline_end)
    return TrendingWindow(recent, baseline)


def trending_packages(
    registry: Registry,
    *,
    limit: int = 30,
    min_weekly_downloads: int = TRENDING_MIN_WEEKLY_DOWNLOADS,
) -> tuple[TrendingWindow, list[dict[str, object]]]:
    """Packages whose average daily downloads of the last week rose most.

    As cranlogs defines it: the increase is the last week's average daily downloads
    divided by the average daily downloads of the 24 weeks before. Packages without
    downloads in those 24 weeks have no baseline and are left out; so are packages
    below ``min_weekly_downloads`` in the last week.
    """
    window = trending_window(registry.valid_through)
    recent = downloads_by_package(registry, window.recent)
    baseline = downloads_by_package(registry, window.baseline)
    rows = []
    for pk, downloads in recent.items():
        before = baseline.get(pk, 0)
        if downloads < min_weekly_downloads or before <= 0:
            continue
        recent_avg = downloads / window.recent.days
        baseline_avg = before / window.baseline.days
        rows.append((recent_avg / baseline_avg, pk, recent_avg, baseline_avg))
    info = _package_names(registry) if rows else {}
    rows.sort(key=lambda r: (-r[0], info[r[1]][0]))
    names = category_names(registry)
    return window, [
        {
            "package": info[pk][0],
            "category": names.get(info[pk][1], ""),
            "last_week_daily_average": round(recent_avg, 3),
            "baseline_daily_average": round(baseline_avg, 3),
            "increase": round(increase, 3),
        }
        for increase, pk, recent_avg, baseline_avg in rows[:limit]
    ]
