"""A registry with known facts, and the expected numbers computed from them directly.

Expected values never come from the code under test: downloads are sums of the facts,
distinct clients are ``len`` of the union of the client-id sets.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from stats import bitmaps
from stats.models import Category, LogSegment, Package, Registry
from stats.services.bulk import FactRow, insert_facts
from tests.factories import (
    CategoryFactory,
    LogSegmentFactory,
    PackageFactory,
    RegistryFactory,
)


@dataclass(frozen=True)
class Fact:
    segment: int
    package: str
    day: dt.date
    clients: frozenset[int]
    downloads: int
    versions: dict[str, int]


@dataclass
class Scenario:
    registry: Registry
    categories: dict[str, Category] = field(default_factory=dict)
    packages: dict[str, Package] = field(default_factory=dict)
    segments: list[LogSegment] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    def add_package(self, name: str, category: str) -> Package:
        if category not in self.categories:
            self.categories[category] = CategoryFactory(registry=self.registry, name=category)
        package = PackageFactory(
            registry=self.registry, category=self.categories[category], name=name
        )
        self.packages[name] = package
        return package

    def add_segment(self, last_line_at: dt.datetime | None = None) -> LogSegment:
        segment = LogSegmentFactory(registry=self.registry, last_line_at=last_line_at)
        self.segments.append(segment)
        return segment

    def add_fact(
        self,
        segment: LogSegment,
        package: str,
        day: dt.date,
        clients: Iterable[int],
        downloads: int | None = None,
        versions: dict[str, int] | None = None,
        *,
        pending: list[FactRow] | None = None,
    ) -> Fact:
        """Record a fact; with ``pending`` the row is queued for one bulk insert."""
        ids = frozenset(clients)
        count = downloads if downloads is not None else len(ids) + 1
        fact = Fact(segment.pk, package, day, ids, count, versions or {"1.0": count})
        row = (
            segment.pk,
            self.packages[package].pk,
            day,
            count,
            0,
            bitmaps.to_bytes(sorted(ids)),
            fact.versions,
        )
        if pending is None:
            insert_facts([row])
        else:
            pending.append(row)
        self.facts.append(fact)
        return fact

    # Expected numbers, from the facts alone.
    def expected(
        self,
        *,
        packages: Iterable[str] | None = None,
        category: str | None = None,
        start: dt.date = dt.date.min,
        end: dt.date = dt.date.max,
    ) -> tuple[int, int]:
        """(downloads, distinct clients) of the selected packages between two days."""
        names = set(packages) if packages is not None else set(self.packages)
        if category is not None:
            names = {n for n in names if self.packages[n].category.name == category}
        selected = [f for f in self.facts if f.package in names and start <= f.day <= end]
        clients: set[int] = set()
        for fact in selected:
            clients |= fact.clients
        return sum(f.downloads for f in selected), len(clients)

    def days(self) -> list[dt.date]:
        return sorted({f.day for f in self.facts})


def build_scenario(
    *,
    name: str = "bioc",
    start: dt.date = dt.date(2023, 12, 20),
    end: dt.date = dt.date(2024, 2, 10),
    seed: int = 7,
    segments_per_day: int = 2,
) -> Scenario:
    """Three packages in two categories with overlapping random clients every day."""
    registry = RegistryFactory(name=name)
    scenario = Scenario(registry=registry)
    scenario.add_package("alpha", "software")
    scenario.add_package("beta", "software")
    scenario.add_package("gamma", "annotation")
    rng = random.Random(seed)
    pending: list[FactRow] = []
    day = start
    while day <= end:
        end_of_day = dt.datetime.combine(day, dt.time(23, 59), tzinfo=dt.UTC)
        for _ in range(segments_per_day):
            segment = scenario.add_segment(last_line_at=end_of_day)
            for package in scenario.packages:
                if rng.random() < 0.7:
                    clients = rng.sample(range(1, 60), rng.randint(1, 8))
                    scenario.add_fact(
                        segment,
                        package,
                        day,
                        clients,
                        downloads=len(clients) + rng.randint(0, 5),
                        versions={"1.0": 1, f"1.{rng.randint(1, 3)}": len(clients)},
                        pending=pending,
                    )
        day += dt.timedelta(days=1)
    insert_facts(pending)
    return scenario
