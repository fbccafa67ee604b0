"""Facts and clients carry no database foreign keys; deletes still cascade to them."""

from __future__ import annotations

import datetime as dt

import pytest

from stats import bitmaps
from stats.models import Client, LogSegment, SegmentDay
from stats.selectors.facts import fact_counts, facts_of_days, facts_of_segments
from stats.services import bulk
from tests.factories import LogSegmentFactory, PackageFactory, RegistryFactory, add_fact

pytestmark = pytest.mark.django_db


def test_deleting_a_segment_deletes_its_facts_only() -> None:
    kept, dropped = add_fact(), add_fact()
    LogSegment.objects.get(pk=dropped.segment_id).delete()
    assert list(facts_of_segments([kept.segment_id, dropped.segment_id])) == [kept]


def test_deleting_a_registry_deletes_its_segments_facts_and_clients() -> None:
    registry, other = RegistryFactory(), RegistryFactory()
    segment = LogSegmentFactory(registry=registry)
    add_fact(segment=segment)
    bulk.upsert_clients(registry_id=registry.pk, digests=[b"a" * 16, b"b" * 16])
    bulk.upsert_clients(registry_id=other.pk, digests=[b"a" * 16])
    registry.delete()
    assert not LogSegment.objects.filter(pk=segment.pk).exists()
    assert not SegmentDay.objects.exists()
    assert list(Client.objects.values_list("registry_id", flat=True)) == [other.pk]


def test_facts_written_in_bulk_read_back_fact_for_fact() -> None:
    """250 facts on 50 days: one packed row per day, read back unchanged."""
    segment = LogSegmentFactory()
    packages = [PackageFactory(registry=segment.registry) for _ in range(5)]
    rows = [
        (
            segment.pk,
            p.pk,
            dt.date(year, 1, day),
            day,
            day % 3,
            bitmaps.to_bytes([day, p.pk]),
            {str(day): 1, "x": p.pk} if day % 4 else {},
        )
        for year in (2023, 2024)
        for p in packages
        for day in range(1, 26)
    ]
    assert bulk.insert_facts(reversed(rows)) == 250
    assert SegmentDay.objects.filter(segment=segment).count() == 50
    assert fact_counts([segment.pk, segment.pk + 1]) == {segment.pk: 250}
    got = {
        (f.package_id, f.day): (f.downloads, f.mirror_downloads, f.clients, f.versions)
        for f in facts_of_segments([segment.pk])
    }
    assert got == {(p, d): (n, m, c, v) for _s, p, d, n, m, c, v in rows}
    in_days = facts_of_days(registry_id=segment.registry_id, days=[dt.date(2024, 1, 7)])
    assert sorted(f.package_id for f in in_days) == sorted(p.pk for p in packages)


def test_versions_that_need_escaping_read_back_unchanged() -> None:
    segment = LogSegmentFactory()
    package = PackageFactory(registry=segment.registry)
    versions = ['1.0"x', "2.0\\y", "3.0\tz", "4\nnew line", "ünï", "\\\\"]
    for i, version in enumerate(versions):
        add_fact(
            segment=segment, package=package, day=dt.date(2024, 2, i + 1), versions={version: i + 1}
        )
    got = [f.versions for f in facts_of_segments([segment.pk])]
    assert got == [{v: i + 1} for i, v in enumerate(versions)]


def test_a_deleted_packages_facts_are_left_out_of_the_days_it_shared() -> None:
    segment = LogSegmentFactory()
    kept, deleted = (PackageFactory(registry=segment.registry) for _ in range(2))
    add_fact(segment=segment, package=kept)
    add_fact(segment=LogSegmentFactory(registry=segment.registry), package=deleted)
    deleted.delete()
    from stats.services.aggregation_rollup import read_day_facts

    read = read_day_facts(
        registry_id=segment.registry_id,
        package_ids=[kept.pk],
        days=[dt.date(2024, 1, 1)],
        batch={segment.pk},
    )
    assert list(read.days) == [(kept.pk, dt.date(2024, 1, 1))]
