"""Turn ingested facts into the summaries the API reads, incrementally.

``refresh_registry_stats`` consumes the registry's segments not yet aggregated, in one
transaction: it recomputes the package days they touch from all facts of those days,
adds the changes to the package months and years and to the category days, months and
years (client sets are unioned, never summed: a client of two packages of a category
counts once), updates the version totals, the per-package totals, scores and ranks,
moves ``valid_through`` forward, bumps ``data_generation`` and marks the segments
aggregated. Readers see the old numbers or the new ones, never a mix.

Concurrency: the registry row is locked (``SELECT ... FOR UPDATE``) for the whole
transaction, so two refreshes of one registry run one after the other; month and year
rows are read-modify-written, which must not interleave. Segments committed by
ingestion while a refresh runs are simply left for the next refresh (their ids were
not in this batch); if their facts were already read for a touched day, recomputing
that day again later gives the same row, so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from stats.models import (
    CategoryDay,
    CategoryMonth,
    CategoryYear,
    LogSegment,
    Package,
    PackageDay,
    PackageMonth,
    PackageVersion,
    PackageYear,
    PackageYearLines,
    Registry,
)
from stats.selectors.facts import days_of_segments
from stats.services.aggregation_rollup import (
    apply_changes,
    apply_versions,
    chunks,
    group_by_month,
    month_of,
    read_day_facts,
    replace_package_days,
    roll_up,
)
from stats.services.scores import newest_valid_day, update_package_columns
from stats.services.tab_lines import YearLinesUpdate
from stats.services.windows import in_old_windows, window_change


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did, for the command line, flows and logs."""

    registry: str
    segments: int
    days: int
    package_days: int
    package_months: int
    package_years: int
    category_days: int
    category_months: int
    category_years: int
    versions: int
    packages_updated: int
    valid_through: dt.date | None
    data_generation: int
    seconds: float

    def summary(self) -> str:
        if not self.segments and not self.package_days:
            return (
                f"{self.registry}: nothing to refresh (valid through {self.valid_through}, "
                f"generation {self.data_generation})"
            )
        return (
            f"{self.registry}: {self.segments} segments, {self.days} days -> "
            f"{self.package_days} package days, {self.package_months} package months, "
            f"{self.package_years} package years, {self.category_days} category days, "
            f"{self.category_months} category months, {self.category_years} category years, "
            f"{self.versions} versions, {self.packages_updated} packages re-scored; "
            f"valid through {self.valid_through}, generation {self.data_generation} "
            f"({self.seconds:.2f} s)"
        )


@dataclass
class _Counters:
    days: int = 0
    package_days: int = 0
    package_months: int = 0
    package_years: int = 0
    category_days: int = 0
    category_months: int = 0
    category_years: int = 0
    versions: int = 0


@transaction.atomic
def refresh_registry_stats(*, registry: Registry) -> RefreshResult:
    """Aggregate the registry's new segments; a no-op (same generation) when there are none."""
    return _refresh(registry=registry, force=False)


@transaction.atomic
def rebuild_registry_stats(*, registry: Registry) -> RefreshResult:
    """Recompute every summary of the registry from all its facts, in one transaction.

    For repairs (deleted segments, a package moved to another category): readers keep
    seeing the old numbers until the new ones are committed.
    """
    locked = Registry.objects.select_for_update().get(pk=registry.pk)
    package_tables = (PackageDay, PackageMonth, PackageYear, PackageYearLines, PackageVersion)
    for package_table in package_tables:
        package_table._default_manager.filter(package__registry=locked).delete()
    for category_table in (CategoryDay, CategoryMonth, CategoryYear):
        category_table._default_manager.filter(category__registry=locked).delete()
    Package.objects.filter(registry=locked).update(downloads_total=0, download_score=0, rank=None)
    LogSegment.objects.filter(registry=locked).update(aggregated=False)
    locked.valid_through = None
    locked.windows_through = None
    locked.save(update_fields=["valid_through", "windows_through"])
    return _refresh(registry=locked, force=True)


def _refresh(*, registry: Registry, force: bool) -> RefreshResult:
    started = time.perf_counter()
    registry = Registry.objects.select_for_update().get(pk=registry.pk)
    segment_ids = list(
        LogSegment.objects.filter(registry=registry, aggregated=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    counters = _Counters()
    packages_updated = 0
    if segment_ids or force:
        touched_days = days_of_segments(segment_ids)
        old_windows_end = registry.windows_through
        if old_windows_end != registry.valid_through:
            old_windows_end = None  # not maintained so far: sum them afresh
        day_deltas: dict[tuple[int, dt.date], int] = {}
        added: dict[int, int] = defaultdict(int)
        counters = _aggregate_days(
            registry, set(segment_ids), touched_days, old_windows_end, day_deltas, added
        )
        valid = newest_valid_day(
            registry=registry, segment_ids=segment_ids, touched_days=touched_days
        )
        if valid is not None and (registry.valid_through is None or valid > registry.valid_through):
            registry.valid_through = valid
        registry.data_generation += 1
        windows = window_change(registry=registry, old_end=old_windows_end, day_deltas=day_deltas)
        registry.windows_through = windows.end
        registry.save(update_fields=["valid_through", "data_generation", "windows_through"])
        packages_updated = update_package_columns(
            registry=registry, windows=windows, downloads_added=added
        )
        for chunk in chunks(segment_ids):
            LogSegment.objects.filter(id__in=chunk).update(aggregated=True)
    return RefreshResult(
        registry=registry.name,
        segments=len(segment_ids),
        days=counters.days,
        package_days=counters.package_days,
        package_months=counters.package_months,
        package_years=counters.package_years,
        category_days=counters.category_days,
        category_months=counters.category_months,
        category_years=counters.category_years,
        versions=counters.versions,
        packages_updated=packages_updated,
        valid_through=registry.valid_through,
        data_generation=registry.data_generation,
        seconds=time.perf_counter() - started,
    )


def _aggregate_days(
    registry: Registry,
    batch: set[int],
    days: set[dt.date],
    windows_end: dt.date | None,
    day_deltas: dict[tuple[int, dt.date], int],
    added: dict[int, int],
) -> _Counters:
    """Month by month (bounded memory even for a full rebuild), oldest first.

    Fills ``day_deltas`` with the downloads added to the days of the rolling windows
    ending at ``windows_end``, and ``added`` with the downloads added per package.
    """
    category_of = dict(Package.objects.filter(registry=registry).values_list("id", "category_id"))
    package_ids = sorted(category_of)
    counters = _Counters(days=len(days))
    for month_days in group_by_month(days).values():
        facts = read_day_facts(
            registry_id=registry.pk, package_ids=package_ids, days=month_days, batch=batch
        )
        if not facts.days:
            continue
        changes = replace_package_days(facts.days, registry_id=registry.pk)
        counters.package_days += len(changes)
        for key, change in changes.items():
            added[key[0]] += change.downloads
            if in_old_windows(key[1], windows_end):
                day_deltas[key] = change.downloads
        counters.versions += apply_versions(facts.versions)
        months = apply_changes(
            PackageMonth,
            owner="package",
            period="month",
            changes=roll_up(changes, lambda owner, day: (owner, month_of(day))),
            registry_id=registry.pk,
        )
        counters.package_months += len(months)
        year_changes = roll_up(changes, lambda owner, day: (owner, day.year))
        lines = YearLinesUpdate(months=months, years=year_changes, registry_id=registry.pk)
        counters.package_years += len(
            apply_changes(
                PackageYear,
                owner="package",
                period="year",
                changes=year_changes,
                registry_id=registry.pk,
                on_write=lines.patch,
            )
        )
        lines.write()
        category_days = roll_up(changes, lambda owner, day: (owner, day), owner_of=category_of.get)
        counters.category_days += len(
            apply_changes(
                CategoryDay,
                owner="category",
                period="day",
                changes=category_days,
                with_mirror=True,
            )
        )
        counters.category_months += len(
            apply_changes(
                CategoryMonth,
                owner="category",
                period="month",
                changes=roll_up(category_days, lambda owner, day: (owner, month_of(day))),
            )
        )
        counters.category_years += len(
            apply_changes(
                CategoryYear,
                owner="category",
                period="year",
                changes=roll_up(category_days, lambda owner, day: (owner, day.year)),
            )
        )
    return counters
