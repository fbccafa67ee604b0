"""A segment's download facts packed one database row per day.

A fact is one package's downloads on one day in one segment: counts, the roaring bitmap
of its Client ids and its downloads per version. A three-month log holds ~140,000 of
them per million lines, and written a row each they cost more than parsing the log
(three b-tree inserts and a JSON check per row on SQLite, COPY parsing and two indexes
on PostgreSQL). Packed per (segment, day) -- the packages' columns as little-endian
arrays, their bitmaps one after another -- they are a hundred rows.

Pure functions, no Django: the model (``SegmentDay``) stores what ``pack_days`` returns
and the selectors read it back with ``unpack_day``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

PACKAGE_ID = np.dtype("<i8")
COUNT = np.dtype("<u4")
OFFSET = np.dtype("<i8")
VERSION_ENTRY = np.dtype("<u4")
"""Version downloads are (package index, version index, downloads) triples of these."""

_EPOCH = dt.date(1970, 1, 1)


FactValues = tuple[int, dt.date, int, int, bytes | memoryview, dict[str, int]]
"""(package_id, day, downloads, mirror_downloads, client bitmap, {version: downloads})"""


@dataclass(frozen=True)
class FactColumns:
    """Facts as columns, one entry per (package, day), sorted by (day, package id).

    ``clients`` holds each fact's serialised bitmap one after another, fact k ending at
    ``client_ends[k]``. Version entry i gives fact ``version_facts[i]``
    ``version_downloads[i]`` downloads of ``version_names[version_codes[i]]``.
    """

    package_ids: np.ndarray
    days: np.ndarray
    """Days since 1970-01-01."""
    downloads: np.ndarray
    mirror_downloads: np.ndarray
    clients: bytes
    client_ends: np.ndarray
    version_facts: np.ndarray
    version_codes: np.ndarray
    version_downloads: np.ndarray
    version_names: Sequence[str]


@dataclass(frozen=True)
class PackedDay:
    """Every package's facts of one day, as the column values of one ``SegmentDay`` row."""

    day: dt.date
    package_ids: bytes
    package_downloads: bytes
    package_mirror_downloads: bytes
    clients: bytes
    client_ends: bytes
    version_names: list[str]
    version_downloads: bytes
    packages: int
    downloads: int
    mirror_downloads: int

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Fact:
    """One package's downloads on one day in one segment, unpacked."""

    segment_id: int
    package_id: int
    day: dt.date
    downloads: int
    mirror_downloads: int
    clients: bytes
    versions: dict[str, int]

    def values(self) -> FactValues:
        """What ``columns_from_rows`` takes: all but the segment."""
        return (
            self.package_id,
            self.day,
            self.downloads,
            self.mirror_downloads,
            self.clients,
            self.versions,
        )


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def columns_from_rows(rows: Iterable[FactValues]) -> FactColumns:
    """Facts given one by one (loaders, tests, the migration to packed days) as columns."""
    ordered = sorted(rows, key=lambda r: (r[1], r[0]))
    names: dict[str, int] = {}
    entries = np.array(
        [
            (k, names.setdefault(version, len(names)), n)
            for k, row in enumerate(ordered)
            for version, n in row[5].items()
        ],
        np.int64,
    ).reshape(-1, 3)
    return FactColumns(
        package_ids=np.array([r[0] for r in ordered], np.int64),
        days=np.array([day_number(r[1]) for r in ordered], np.int64),
        downloads=np.array([r[2] for r in ordered], np.int64),
        mirror_downloads=np.array([r[3] for r in ordered], np.int64),
        clients=b"".join(bytes(r[4]) for r in ordered),
        client_ends=np.cumsum([len(r[4]) for r in ordered], dtype=np.int64),
        version_facts=entries[:, 0],
        version_codes=entries[:, 1],
        version_downloads=entries[:, 2],
        version_names=list(names),
    )


def pack_days(columns: FactColumns) -> list[PackedDay]:
    """One PackedDay per distinct day; raises ValueError when the facts are not sorted
    by (day, package id) or repeat a (package, day)."""
    days = np.asarray(columns.days, np.int64)
    ids = np.asarray(columns.package_ids, np.int64)
    if not len(days):
        return []
    if np.any(np.diff(days) < 0) or np.any((np.diff(days) == 0) & (np.diff(ids) <= 0)):
        raise ValueError("facts must be sorted by (day, package) without repeats")
    ends = np.asarray(columns.client_ends, np.int64)
    version_order = np.argsort(columns.version_facts, kind="stable")
    version_facts = np.asarray(columns.version_facts, np.int64)[version_order]
    version_codes = np.asarray(columns.version_codes, np.int64)[version_order]
    version_counts = np.asarray(columns.version_downloads, np.int64)[version_order]
    bounds = [0, *(np.flatnonzero(np.diff(days)) + 1).tolist(), len(days)]
    packed = []
    for first, stop in pairwise(bounds):
        start = int(ends[first - 1]) if first else 0
        v_first, v_stop = np.searchsorted(version_facts, [first, stop])
        used, code = np.unique(version_codes[v_first:v_stop], return_inverse=True)
        entries = np.column_stack(
            (version_facts[v_first:v_stop] - first, code, version_counts[v_first:v_stop])
        )
        downloads = np.asarray(columns.downloads[first:stop])
        mirror = np.asarray(columns.mirror_downloads[first:stop])
        packed.append(
            PackedDay(
                day=_EPOCH + dt.timedelta(days=int(days[first])),
                package_ids=ids[first:stop].astype(PACKAGE_ID).tobytes(),
                package_downloads=downloads.astype(COUNT).tobytes(),
                package_mirror_downloads=mirror.astype(COUNT).tobytes(),
                clients=columns.clients[start : int(ends[stop - 1])],
                client_ends=(ends[first:stop] - start).astype(OFFSET).tobytes(),
                version_names=[columns.version_names[int(c)] for c in used],
                version_downloads=entries.astype(VERSION_ENTRY).tobytes(),
                packages=stop - first,
                downloads=int(downloads.sum()),
                mirror_downloads=int(mirror.sum()),
            )
        )
    return packed


def unpack_day(
    *,
    segment_id: int,
    day: dt.date,
    package_ids: bytes | memoryview,
    package_downloads: bytes | memoryview,
    package_mirror_downloads: bytes | memoryview,
    clients: bytes | memoryview,
    client_ends: bytes | memoryview,
    version_names: list[str],
    version_downloads: bytes | memoryview,
) -> Iterator[Fact]:
    """The facts of one packed day, in package id order."""
    ids = np.frombuffer(package_ids, PACKAGE_ID).tolist()
    downloads = np.frombuffer(package_downloads, COUNT).tolist()
    mirror = np.frombuffer(package_mirror_downloads, COUNT).tolist()
    ends = np.frombuffer(client_ends, OFFSET).tolist()
    blob = bytes(clients)
    versions: list[dict[str, int]] = [{} for _ in ids]
    for k, code, n in np.frombuffer(version_downloads, VERSION_ENTRY).reshape(-1, 3).tolist():
        versions[k][version_names[code]] = n
    start = 0
    for k, package_id in enumerate(ids):
        yield Fact(
            segment_id=segment_id,
            package_id=package_id,
            day=day,
            downloads=downloads[k],
            mirror_downloads=mirror[k],
            clients=blob[start : ends[k]],
            versions=versions[k],
        )
        start = ends[k]
