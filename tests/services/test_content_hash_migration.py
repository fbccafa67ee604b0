"""Migration 0016 tags the stored SHA-256 identities, and untags them when reversed
(refused once BLAKE3 identities exist)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from tests.services.migration_helpers import migrate_to, migrate_to_latest

BEFORE = [("stats", "0015_segment_day_lz4")]
AFTER = [("stats", "0016_segment_content_hash")]


@pytest.mark.django_db(transaction=True)
def test_sha256_identities_are_tagged_and_untagged_back() -> None:
    apps = migrate_to(BEFORE)
    try:
        registry = apps.get_model("stats", "Registry").objects.create(name="old", title="Old")
        stamp = dt.datetime(2024, 1, 3, tzinfo=dt.UTC)
        sha = hashlib.sha256(b"old content").hexdigest()
        segments = apps.get_model("stats", "LogSegment")
        segments.objects.create(
            registry=registry,
            source="old.log",
            start_offset=0,
            end_offset=11,
            content_sha256=sha,
            status="done",
            started_at=stamp,
            finished_at=stamp,
        )

        apps = migrate_to(AFTER)
        segments = apps.get_model("stats", "LogSegment")
        assert list(segments.objects.values_list("content_hash", flat=True)) == [f"sha256:{sha}"]

        apps = migrate_to(BEFORE)
        segments = apps.get_model("stats", "LogSegment")
        assert list(segments.objects.values_list("content_sha256", flat=True)) == [sha]

        apps = migrate_to(AFTER)
        segments = apps.get_model("stats", "LogSegment")
        new = segments.objects.get()
        new.pk, new.start_offset, new.content_hash = None, 11, "blake3:" + "0" * 64
        new.save()
        with pytest.raises(RuntimeError, match="BLAKE3"):
            migrate_to(BEFORE)
    finally:
        migrate_to_latest()
