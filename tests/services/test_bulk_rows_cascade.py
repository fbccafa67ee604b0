"""Facts and clients carry no database foreign keys; deletes still cascade to them."""

from __future__ import annotations

import json

import pytest

from stats import bitmaps
from stats.models import Client, LogSegment, SegmentDownloads
from stats.services import bulk
from stats.services.fact_encoding import EncodedFacts
from tests.factories import (
    LogSegmentFactory,
    PackageFactory,
    RegistryFactory,
    SegmentDownloadsFactory,
)

pytestmark = pytest.mark.django_db


def test_deleting_a_segment_deletes_its_facts_only() -> None:
    kept, dropped = SegmentDownloadsFactory(), SegmentDownloadsFactory()
    dropped.segment.delete()
    assert list(SegmentDownloads.objects.all()) == [kept]


def test_deleting_a_registry_deletes_its_segments_facts_and_clients() -> None:
    registry, other = RegistryFactory(), RegistryFactory()
    segment = LogSegmentFactory(registry=registry)
    SegmentDownloadsFactory(segment=segment, package__registry=registry)
    bulk.upsert_clients(registry_id=registry.pk, digests=[b"a" * 16, b"b" * 16])
    bulk.upsert_clients(registry_id=other.pk, digests=[b"a" * 16])
    registry.delete()
    assert not LogSegment.objects.filter(pk=segment.pk).exists()
    assert not SegmentDownloads.objects.exists()
    assert list(Client.objects.values_list("registry_id", flat=True)) == [other.pk]


def test_facts_written_in_bulk_read_back_row_for_row() -> None:
    """250 rows: two full multi-row statements on SQLite and a remainder (COPY on PG)."""
    segment = LogSegmentFactory()
    packages = [PackageFactory(registry=segment.registry) for _ in range(5)]
    facts = [
        (p.pk, f"{year}-01-{day:02d}", day, day % 3, bitmaps.to_bytes([day]), f'{{"{day}": 1}}')
        for year in (2023, 2024)
        for p in packages
        for day in range(1, 26)
    ]
    encoded = EncodedFacts.from_rows(facts)
    assert bulk.insert_encoded_facts(segment_id=segment.pk, facts=encoded) == 250
    rows = SegmentDownloads.objects.filter(segment=segment)
    assert rows.count() == 250
    got = {(r.package_id, str(r.day)): (r.downloads, r.mirror_downloads, r.versions) for r in rows}
    assert got == {(pk, d): (n, m, json.loads(v)) for pk, d, n, m, _c, v in facts}
    assert {bytes(r.clients) for r in rows} == {c for *_rest, c, _v in facts}


def test_versions_and_bitmaps_that_need_escaping_read_back_unchanged() -> None:
    """COPY's text format (PostgreSQL) escapes backslashes, tabs and newlines; bitmaps go
    as hex. SQLite binds them as parameters. Both read back what was written."""
    segment = LogSegmentFactory()
    package = PackageFactory(registry=segment.registry)
    versions = ['1.0"x', "2.0\\y", "3.0\tz", "4\nnew line", "ünï", "\\\\"]
    facts = [
        (
            package.pk,
            f"2024-02-{i + 1:02d}",
            i,
            0,
            bitmaps.to_bytes([i, 9, 70_000]),
            json.dumps({v: i + 1}),
        )
        for i, v in enumerate(versions)
    ]
    assert bulk.insert_encoded_facts(
        segment_id=segment.pk, facts=EncodedFacts.from_rows(facts)
    ) == len(facts)
    rows = SegmentDownloads.objects.filter(segment=segment).order_by("day")
    assert [r.versions for r in rows] == [json.loads(f[5]) for f in facts]
    assert [bytes(r.clients) for r in rows] == [f[4] for f in facts]
