"""Migration 0014 packs the one-row-per-package-day facts of an existing database into
per-day rows, and unpacks them again when reversed, fact for fact."""

from __future__ import annotations

import datetime as dt

import pytest

from stats import bitmaps
from stats.selectors.facts import facts_of_segments
from tests.services.migration_helpers import migrate_to, migrate_to_latest

BEFORE = [("stats", "0013_bulk_rows_without_db_constraints")]
AFTER = [("stats", "0014_packed_segment_days")]


@pytest.mark.django_db(transaction=True)
def test_old_facts_are_packed_per_day_and_unpacked_back() -> None:
    apps = migrate_to(BEFORE)
    try:
        registry = apps.get_model("stats", "Registry").objects.create(name="old", title="Old")
        category = apps.get_model("stats", "Category").objects.create(
            registry=registry, name="software"
        )
        package_model = apps.get_model("stats", "Package")
        limma, edger = (
            package_model.objects.create(registry=registry, category=category, name=name)
            for name in ("limma", "edgeR")
        )
        stamp = dt.datetime(2024, 1, 3, tzinfo=dt.UTC)
        segment = apps.get_model("stats", "LogSegment").objects.create(
            registry=registry,
            source="old.log",
            start_offset=0,
            end_offset=10,
            content_sha256="x",
            status="done",
            started_at=stamp,
            finished_at=stamp,
        )
        old = [
            (limma.pk, dt.date(2024, 1, 1), 3, 1, [1, 2], {"3.58": 2, "3.60": 1}),
            (edger.pk, dt.date(2024, 1, 1), 1, 0, [70_000], {}),
            (limma.pk, dt.date(2024, 1, 2), 2, 0, [2], {"3.60": 2}),
        ]
        facts = apps.get_model("stats", "SegmentDownloads")
        for package_id, day, downloads, mirror, clients, versions in old:
            facts.objects.create(
                segment=segment,
                package_id=package_id,
                day=day,
                downloads=downloads,
                mirror_downloads=mirror,
                clients=bitmaps.to_bytes(clients),
                versions=versions,
            )

        apps = migrate_to(AFTER)
        assert apps.get_model("stats", "SegmentDay").objects.count() == 2
        packed = {
            (f.package_id, f.day, f.downloads, f.mirror_downloads, f.clients, str(f.versions))
            for f in facts_of_segments([segment.pk])
        }
        expected = {(p, d, n, m, bitmaps.to_bytes(c), str(v)) for p, d, n, m, c, v in old}
        assert packed == expected

        apps = migrate_to(BEFORE)
        rows = apps.get_model("stats", "SegmentDownloads").objects.values_list(
            "package_id", "day", "downloads", "mirror_downloads", "clients", "versions"
        )
        assert {(p, d, n, m, bytes(c), str(v)) for p, d, n, m, c, v in rows} == expected
    finally:
        migrate_to_latest()
