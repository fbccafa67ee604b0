"""Reads of the segments' download facts, unpacked from their per-day rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import QuerySet, Sum

from stats.models import SegmentDay
from stats.packed_facts import Fact, unpack_day

_CHUNK = 500
"""Ids or days per IN list."""

_PACKED = (
    "segment_id",
    "day",
    "package_ids",
    "package_downloads",
    "package_mirror_downloads",
    "clients",
    "client_ends",
    "version_names",
    "version_downloads",
)


def _chunks(items: Iterable[int] | Iterable[dt.date]) -> Iterator[list]:
    ordered = sorted(items)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def unpacked(rows: QuerySet[SegmentDay]) -> Iterator[Fact]:
    """The facts of ``rows``, row by row (few rows, each up to thousands of facts)."""
    for values in rows.values_list(*_PACKED).iterator(chunk_size=100):
        yield from unpack_day(**dict(zip(_PACKED, values, strict=True)))


def facts_of_days(*, registry_id: int, days: Sequence[dt.date]) -> Iterator[Fact]:
    """Every fact of the registry's segments on ``days``."""
    for chunk in _chunks(days):
        yield from unpacked(SegmentDay.objects.filter(registry_id=registry_id, day__in=chunk))


def facts_of_segments(segment_ids: Iterable[int]) -> Iterator[Fact]:
    """Every fact of the given segments."""
    for chunk in _chunks(segment_ids):
        yield from unpacked(
            SegmentDay.objects.filter(segment_id__in=chunk).order_by("segment_id", "day")
        )


def days_of_segments(segment_ids: Iterable[int]) -> set[dt.date]:
    """The days the given segments hold downloads of."""
    days: set[dt.date] = set()
    for chunk in _chunks(segment_ids):
        days.update(
            SegmentDay.objects.filter(segment_id__in=chunk).values_list("day", flat=True).distinct()
        )
    return days


def fact_counts(segment_ids: Iterable[int]) -> dict[int, int]:
    """segment id -> its number of facts (package-days); segments without any left out."""
    counts: dict[int, int] = {}
    for chunk in _chunks(segment_ids):
        counts.update(
            SegmentDay.objects.filter(segment_id__in=chunk)
            .values_list("segment_id")
            .annotate(n=Sum("packages"))
            .values_list("segment_id", "n")
        )
    return counts
