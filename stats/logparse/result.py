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
PAIRS_SCHEMA: dict[str, ColumnType] = {"fact": pl.UInt32, "client": pl.UInt32}
FACT_VERSIONS_SCHEMA: dict[str, ColumnType] = {
    "fact": pl.UInt32,
    "version": pl.String,
    "n": pl.Int64,
}


class FactTables:
    """A shard's facts: one row of ``counts`` per (category, package, day), and what
    refers to those rows by position (``fact``).

    ``counts``: the key with downloads and mirror downloads; ``digests``: the distinct
    client digests; ``clients``: the distinct (fact, client) pairs of non-mirror
    downloads, ``client`` indexing ``digests``; ``versions``: non-mirror downloads per
    (fact, version), those with a version only. Numbers, not repeated keys and digests,
    so that the writer sorts and encodes integers.
    """

    __slots__ = ("clients", "counts", "digests", "versions")

    def __init__(
        self,
        counts: pl.DataFrame | None = None,
        digests: pl.Series | None = None,
        clients: pl.DataFrame | None = None,
        versions: pl.DataFrame | None = None,
    ) -> None:
        self.counts = _cast(counts, COUNTS_SCHEMA)
        self.digests = (
            digests.cast(pl.Binary).rename("client")
            if digests is not None
            else pl.Series("client", [], dtype=pl.Binary)
        )
        self.clients = _cast(clients, PAIRS_SCHEMA)
        self.versions = _cast(versions, FACT_VERSIONS_SCHEMA)

    @classmethod
    def from_keyed(
        cls,
        counts: pl.DataFrame | None = None,
        clients: pl.DataFrame | None = None,
        versions: pl.DataFrame | None = None,
    ) -> FactTables:
        """From frames that carry the key on every row: ``counts`` (one row per key),
        distinct (key, client digest) pairs, and (key, version, n) rows."""
        counts = _cast(counts, COUNTS_SCHEMA)
        clients = _cast(clients, CLIENTS_SCHEMA)
        versions = _cast(versions, VERSIONS_SCHEMA)
        facts = counts.select(FACT_KEYS).with_row_index("fact")
        digests = clients.get_column("client").unique(maintain_order=True)
        numbered = digests.to_frame().with_row_index("client_index")
        pairs = (
            clients.join(facts, on=FACT_KEYS, maintain_order="left")
            .join(numbered, on="client", maintain_order="left")
            .select("fact", client="client_index")
        )
        fact_versions = versions.join(facts, on=FACT_KEYS, maintain_order="left").select(
            "fact", "version", "n"
        )
        return cls(counts, digests, pairs, fact_versions)

    def keyed(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """(counts, clients, versions) with the key on every row (``from_keyed``'s form)."""
        facts = self.counts.select(FACT_KEYS).with_row_index("fact")
        clients = (
            self.clients.with_columns(client=self.digests.gather(self.clients.get_column("client")))
            .join(facts, on="fact", maintain_order="left")
            .select(*FACT_KEYS, "client")
        )
        versions = self.versions.join(facts, on="fact", maintain_order="left").select(
            *FACT_KEYS, "version", "n"
        )
        return self.counts, clients, versions

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
        (counts_a, clients_a, versions_a), (counts_b, clients_b, versions_b) = (
            self.keyed(),
            other.keyed(),
        )
        counts = pl.concat([counts_a, counts_b]).group_by(FACT_KEYS).agg(pl.all().sum())
        clients = pl.concat([clients_a, clients_b]).unique()
        versions = (
            pl.concat([versions_a, versions_b])
            .group_by([*FACT_KEYS, "version"])
            .agg(pl.col("n").sum())
        )
        return FactTables.from_keyed(counts, clients, versions)

    def as_dict(self) -> dict[FactKey, PackageDayFacts]:
        """One ``PackageDayFacts`` per key (for inspection and tests, not the hot path)."""
        facts = [
            ((category, package, day), PackageDayFacts(downloads, mirror))
            for category, package, day, downloads, mirror in self.counts.iter_rows()
        ]
        digests = self.digests.to_list()
        for fact, client in self.clients.iter_rows():
            facts[fact][1].clients.add(digests[client])
        for fact, version, n in self.versions.iter_rows():
            found = facts[fact][1].versions
            found[version] = found.get(version, 0) + n
        return dict(facts)


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
