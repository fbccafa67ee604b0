"""Partial results of parsing: sums and sets, so shards merge exactly in any order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class PackageDayFacts:
    """Downloads of one package on one day, with the exact set of client digests."""

    downloads: int = 0
    mirror_downloads: int = 0
    clients: set[bytes] = field(default_factory=set)
    versions: Counter[str] = field(default_factory=Counter)

    def merge(self, other: PackageDayFacts) -> None:
        self.downloads += other.downloads
        self.mirror_downloads += other.mirror_downloads
        self.clients |= other.clients
        self.versions.update(other.versions)


FactKey = tuple[str, str, date]
"""(category, package, day)"""


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
    facts: dict[FactKey, PackageDayFacts] = field(default_factory=dict)
    first_line_at: datetime | None = None
    last_line_at: datetime | None = None

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
        for key, facts in other.facts.items():
            mine = self.facts.get(key)
            if mine is None:
                self.facts[key] = PackageDayFacts(
                    facts.downloads,
                    facts.mirror_downloads,
                    set(facts.clients),
                    Counter(facts.versions),
                )
            else:
                mine.merge(facts)
        self.first_line_at = _pick(self.first_line_at, other.first_line_at, min)
        self.last_line_at = _pick(self.last_line_at, other.last_line_at, max)


def _pick(a: datetime | None, b: datetime | None, choose: type[min] | type[max]) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return choose(a, b)
