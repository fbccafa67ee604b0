"""Partial results of parsing: sums and sets, so shards merge exactly in any order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime


class PackageDayFacts:
    """Downloads of one package on one day, with the exact set of client digests.

    A slotted plain class: a shard builds tens of thousands of these.
    """

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

    def add_versions(self, versions: dict[str, int]) -> None:
        mine = self.versions
        for version, n in versions.items():
            mine[version] = mine.get(version, 0) + n

    def merge(self, other: PackageDayFacts) -> None:
        self.downloads += other.downloads
        self.mirror_downloads += other.mirror_downloads
        self.clients |= other.clients
        self.add_versions(other.versions)


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
                    dict(facts.versions),
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
