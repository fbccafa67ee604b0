"""Partial results of parsing: sums and sets, so shards merge exactly in any order.

A shard's facts are kept in columns (polars frames), not one Python object per
(category, package, day): a shard can hold a hundred thousand of them, and they are
only ever summed, unioned and written in bulk. ``FactTables.as_dict`` gives the
per-fact view (``PackageDayFacts``) for callers that want to look at single facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl


class PackageDayFacts:
    """Downloads of one package on one day, with the exact set of client digests."""

    __slots__ = ("clients", "downloads", "mirror_downloads", "versions")

    def __init__(
        self,
        downloads: int = 0,
        mirror_downloads: int = 0,
        clients: set[bytes] | None = None,
        versions: dict[str, int] | None = None,
    ) -> None:
        self.downloads = downloads
        self.mirror_downloads = mirror_downloads
        self.clients: set[bytes] = clients if clients is not None else set()
        self.versions: dict[str, int] = versions if versions is not None else {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PackageDayFacts):
            return NotImplemented
        return (self.downloads, self.mirror_downloads, self.clients, self.versions) == (
            other.downloads,
            other.mirror_downloads,
            other.clients,
            other.versions,
        )

    def __repr__(self) -> str:
        return (
            f"PackageDayFacts(downloads={self.downloads}, mirror={self.mirror_downloads}, "
            f"clients={len(self.clients)}, versions={self.versions})"
        )


FactKey = tuple[str, str, date]
"""(category, package, day)"""

FACT_KEYS = ["category", "package", "day"]
ColumnType = pl.DataType | type[pl.DataType]
"""What a frame schema maps a column to: a polars type class (pl.Int64) or instance."""

_KEY_SCHEMA: dict[str, ColumnType] = {"category": pl.String, "package": pl.String, "day": pl.Date}
COUNTS_SCHEMA: dict[str, ColumnType] = {
    **_KEY_SCHEMA,
    "downloads": pl.Int64,
    "mirror_downloads": pl.Int64,
}
CLIENTS_SCHEMA: dict[str, ColumnType] = {**_KEY_SCHEMA, "client": pl.Binary}
VERSIONS_SCHEMA: dict[str, ColumnType] = {**_KEY_SCHEMA, "version": pl.String, "n": pl.Int64}


class FactTables:
    """A shard's facts in three frames sharing the key (category, package, day).

    ``counts``: one row per key with downloads and mirror downloads; ``clients``: the
    distinct (key, client digest) pairs of non-mirror downloads; ``versions``: downloads
    per (key, version), non-mirror downloads with a version only.
    """

    __slots__ = ("clients", "counts", "versions")

    def __init__(
        self,
        counts: pl.DataFrame | None = None,
        clients: pl.DataFrame | None = None,
        versions: pl.DataFrame | None = None,
    ) -> None:
        self.counts = _cast(counts, COUNTS_SCHEMA)
        self.clients = _cast(clients, CLIENTS_SCHEMA)
        self.versions = _cast(versions, VERSIONS_SCHEMA)

    def __len__(self) -> int:
        return self.counts.height

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactTables):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return f"FactTables({len(self)} facts, {self.clients.height} client pairs)"

    def merged(self, other: FactTables) -> FactTables:
        """The exact union: counts summed, client sets united, version counts summed."""
        if not len(other):
            return self
        if not len(self):
            return other
        counts = pl.concat([self.counts, other.counts]).group_by(FACT_KEYS).agg(pl.all().sum())
        clients = pl.concat([self.clients, other.clients]).unique()
        versions = (
            pl.concat([self.versions, other.versions])
            .group_by([*FACT_KEYS, "version"])
            .agg(pl.col("n").sum())
        )
        return FactTables(counts, clients, versions)

    def as_dict(self) -> dict[FactKey, PackageDayFacts]:
        """One ``PackageDayFacts`` per key (for inspection and tests, not the hot path)."""
        facts: dict[FactKey, PackageDayFacts] = {}
        for category, package, day, downloads, mirror in self.counts.iter_rows():
            facts[(category, package, day)] = PackageDayFacts(downloads, mirror)
        for category, package, day, client in self.clients.iter_rows():
            facts[(category, package, day)].clients.add(client)
        for category, package, day, version, n in self.versions.iter_rows():
            found = facts[(category, package, day)].versions
            found[version] = found.get(version, 0) + n
        return facts


def _cast(frame: pl.DataFrame | None, schema: dict[str, ColumnType]) -> pl.DataFrame:
    if frame is None:
        return pl.DataFrame(schema=schema)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


@dataclass
class ShardResult:
    """What one shard of a log contributes; ``merge`` is exact (sums and unions)."""

    lines: int = 0
    malformed: int = 0
    malformed_samples: list[str] = field(default_factory=list)
    downloads: int = 0
    mirror_downloads: int = 0
    bots: int = 0
    unknown: int = 0
    unknown_names: Counter[tuple[str, str]] = field(default_factory=Counter)
    tables: FactTables = field(default_factory=FactTables)
    first_line_at: datetime | None = None
    last_line_at: datetime | None = None

    @property
    def facts(self) -> dict[FactKey, PackageDayFacts]:
        """The facts, one object per (category, package, day); built on each access."""
        return self.tables.as_dict()

    def merge(self, other: ShardResult, *, sample_size: int = 20) -> None:
        self.lines += other.lines
        self.malformed += other.malformed
        room = max(sample_size - len(self.malformed_samples), 0)
        self.malformed_samples.extend(other.malformed_samples[:room])
        self.downloads += other.downloads
        self.mirror_downloads += other.mirror_downloads
        self.bots += other.bots
        self.unknown += other.unknown
        self.unknown_names.update(other.unknown_names)
        self.tables = self.tables.merged(other.tables)
        self.first_line_at = _pick(self.first_line_at, other.first_line_at, min)
        self.last_line_at = _pick(self.last_line_at, other.last_line_at, max)


def _pick(
    a: datetime | None, b: datetime | None, choose: Callable[[datetime, datetime], datetime]
) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return choose(a, b)
