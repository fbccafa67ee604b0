"""Building blocks of the aggregation: recompute package days, roll changes up.

Facts are append-only, so a recomputed package day is a superset of what it was:
its downloads can only grow and its client set can only gain ids. A month, a year or
a category day therefore becomes exactly ``old downloads + (new day - old day)`` and
``old clients | new day clients``; unions are idempotent, so this needs no other day
of the month. The full rebuild (all summaries deleted first) runs the same code and
gives the same numbers; it is the repair path when facts are deleted or a package
changes category.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection, models
from pyroaring import BitMap

from stats import bitmaps
from stats.models import PackageDay, PackageVersion
from stats.selectors.facts import facts_of_days
from stats.services.aggregation_bulk import upsert

CHUNK = 500
MAX_VERSION_LENGTH = 100  # PackageVersion.version; longer strings are not versions

T = TypeVar("T")
Key = tuple[int, Any]


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most ``size`` items, for bounded ``IN (...)`` lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Change:
    """How one summary row changes: download deltas and the client ids to add."""

    downloads: int = 0
    mirror_downloads: int = 0
    clients: BitMap = field(default_factory=BitMap)

    def add(self, downloads: int, mirror_downloads: int, clients: BitMap) -> None:
        self.downloads += downloads
        self.mirror_downloads += mirror_downloads
        self.clients |= clients


@dataclass
class VersionTally:
    downloads: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    def add(self, downloads: int, first: dt.date | None, last: dt.date | None) -> None:
        self.downloads += downloads
        days = [d for d in (self.first_day, first) if d]
        self.first_day = min(days) if days else None
        days = [d for d in (self.last_day, last) if d]
        self.last_day = max(days) if days else None


@dataclass
class DayFacts:
    """Recomputed package days of one month and the version downloads of the new segments."""

    days: dict[Key, Change] = field(default_factory=dict)
    versions: dict[tuple[int, str], VersionTally] = field(default_factory=dict)


def read_day_facts(
    *, registry_id: int, package_ids: Sequence[int], days: Sequence[dt.date], batch: set[int]
) -> DayFacts:
    """Recompute every (package, day) a segment of ``batch`` touched, from all its facts.

    Reads all the registry's facts of the given days (a packed row per segment and day)
    and keeps the pairs of ``package_ids`` that a batch segment contributes to.
    """
    result = DayFacts()
    sums: dict[Key, Change] = defaultdict(Change)
    touched: set[Key] = set()
    wanted = set(package_ids)
    for fact in facts_of_days(registry_id=registry_id, days=days):
        if fact.package_id not in wanted:
            continue  # a deleted package's entries stay in the packed rows
        key = (fact.package_id, fact.day)
        sums[key].add(fact.downloads, fact.mirror_downloads, bitmaps.from_bytes(fact.clients))
        if fact.segment_id in batch:
            touched.add(key)
            for version, count in fact.versions.items():
                tally = result.versions.setdefault((fact.package_id, version), VersionTally())
                tally.add(count, fact.day, fact.day)
    result.days = {key: sums[key] for key in touched}
    return result


def owner_lookups(owner: str, ids: Sequence[int], registry_id: int | None) -> list[dict]:
    """Filters selecting the owners' rows: ``IN`` lists by chunk, or for many owners one
    registry-wide query (fewer round trips, no thousands of bound parameters)."""
    if registry_id is not None and len(ids) > CHUNK:
        return [{f"{owner}__registry_id": registry_id}]
    return [{f"{owner}_id__in": chunk} for chunk in chunks(ids)]


def replace_package_days(
    new_days: dict[Key, Change], *, registry_id: int | None = None
) -> dict[Key, Change]:
    """Write the recomputed package days; return each day's change against the old row."""
    package_ids = sorted({p for p, _ in new_days})
    days = sorted({d for _, d in new_days})
    old: dict[Key, tuple[int, int]] = {}
    for lookup in owner_lookups("package", package_ids, registry_id):
        rows = PackageDay.objects.filter(day__in=days, **lookup).values_list(
            "package_id", "day", "downloads", "mirror_downloads"
        )
        for package_id, day, downloads, mirror in rows:
            old[(package_id, day)] = (downloads, mirror)
    changes: dict[Key, Change] = {}
    objs = []
    for (package_id, day), new in new_days.items():
        old_downloads, old_mirror = old.get((package_id, day), (0, 0))
        changes[(package_id, day)] = Change(
            new.downloads - old_downloads, new.mirror_downloads - old_mirror, new.clients
        )
        objs.append(
            {
                "package_id": package_id,
                "day": day,
                "downloads": new.downloads,
                "mirror_downloads": new.mirror_downloads,
                "distinct_clients": len(new.clients),
                "clients": bitmaps.to_bytes(new.clients),
            }
        )
    upsert(
        PackageDay,
        objs,
        unique_fields=["package", "day"],
        update_fields=["downloads", "mirror_downloads", "distinct_clients", "clients"],
    )
    return changes


def roll_up(changes: dict[Key, Change], key_of: Any, *, owner_of: Any = None) -> dict[Key, Change]:
    """Group day changes under a coarser key: ``key_of(owner, day) -> (owner, period)``."""
    grouped: dict[Key, Change] = defaultdict(Change)
    for (owner, day), change in changes.items():
        target = owner_of(owner) if owner_of else owner
        grouped[key_of(target, day)].add(change.downloads, change.mirror_downloads, change.clients)
    return dict(grouped)


def apply_changes(
    model: type[models.Model],
    *,
    owner: str,
    period: str,
    changes: dict[Key, Change],
    with_mirror: bool = False,
    registry_id: int | None = None,
    on_write: Callable[[Key, dict[str, Any], bool], None] | None = None,
) -> list[dict[str, Any]]:
    """Add the changes to the summary rows keyed by (owner, period); return the rows written.

    ``on_write(key, new values, whether the row existed)`` is called for each of them.
    """
    owner_ids = sorted({o for o, _ in changes})
    periods = sorted({p for _, p in changes})
    columns = [f"{owner}_id", period, "downloads", "clients"]
    if with_mirror:
        columns.append("mirror_downloads")
    old: dict[Key, tuple[Any, ...]] = {}
    for lookup in owner_lookups(owner, owner_ids, registry_id):
        rows = model._default_manager.filter(**{f"{period}__in": periods}, **lookup)
        for row in rows.values_list(*columns):
            old[(row[0], row[1])] = row[2:]
    objs = []
    for key, change in changes.items():
        previous = old.get(key)
        values = _merged(previous, change, with_mirror)
        if values is None:
            continue
        if on_write is not None:
            on_write(key, values, previous is not None)
        objs.append({f"{owner}_id": key[0], period: key[1], **values})
    update_fields = ["downloads", "distinct_clients", "clients"]
    if with_mirror:
        update_fields.append("mirror_downloads")
    upsert(
        model,
        objs,
        unique_fields=[owner, period],
        update_fields=update_fields,
    )
    return objs


def _merged(
    previous: tuple[Any, ...] | None, change: Change, with_mirror: bool
) -> dict[str, Any] | None:
    """The new column values, or None when the row would not change."""
    downloads, mirror = change.downloads, change.mirror_downloads
    clients = change.clients
    if previous is not None:
        old_clients = bitmaps.from_bytes(previous[1])
        merged = old_clients | clients
        if not downloads and not mirror and len(merged) == len(old_clients):
            return None
        downloads += previous[0]
        if with_mirror:
            mirror += previous[2]
        clients = merged
    values: dict[str, Any] = {
        "downloads": downloads,
        "distinct_clients": len(clients),
        "clients": bitmaps.to_bytes(clients),
    }
    if with_mirror:
        values["mirror_downloads"] = mirror
    return values


def apply_versions(tallies: dict[tuple[int, str], VersionTally]) -> int:
    """Add the new segments' version downloads to the running totals.

    PostgreSQL adds them in the upsert itself (no read); elsewhere the stored totals of
    the versions just downloaded are read and merged first.
    """
    tallies = {key: t for key, t in tallies.items() if len(key[1]) <= MAX_VERSION_LENGTH}
    if not tallies:
        return 0
    merged = {key: VersionTally(t.downloads, t.first_day, t.last_day) for key, t in tallies.items()}
    if connection.vendor != "postgresql":
        _merge_stored_versions(merged)
    objs = [
        {
            "package_id": package_id,
            "version": version,
            "downloads": t.downloads,
            "first_day": t.first_day,
            "last_day": t.last_day,
        }
        for (package_id, version), t in merged.items()
    ]
    upsert(
        PackageVersion,
        objs,
        unique_fields=["package", "version"],
        update_fields=["downloads", "first_day", "last_day"],
        merge=(
            {"downloads": "add", "first_day": "least", "last_day": "greatest"}
            if connection.vendor == "postgresql"
            else None
        ),
    )
    return len(objs)


def _merge_stored_versions(merged: dict[tuple[int, str], VersionTally]) -> None:
    """Add the stored totals of these (package, version) pairs to ``merged``."""
    versions_of: dict[int, set[str]] = defaultdict(set)
    for package_id, version in merged:
        versions_of[package_id].add(version)
    for chunk in chunks(sorted(versions_of), 250):
        # Only the versions just downloaded, not every version the packages ever had.
        versions = sorted(set().union(*(versions_of[p] for p in chunk)))[:500]
        stored = PackageVersion.objects.filter(package_id__in=chunk).order_by()  # no join to sort
        if len(versions) < 500:
            stored = stored.filter(version__in=versions)
        rows = stored.values_list("package_id", "version", "downloads", "first_day", "last_day")
        for package_id, version, downloads, first, last in rows:
            if (package_id, version) in merged:
                merged[(package_id, version)].add(downloads, first, last)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def group_by_month(days: Iterable[dt.date]) -> dict[dt.date, list[dt.date]]:
    """Touched days grouped under the first day of their month, months in order."""
    grouped: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in sorted(set(days)):
        grouped[month_of(day)].append(day)
    return dict(grouped)
