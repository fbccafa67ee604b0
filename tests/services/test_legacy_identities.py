"""Segments ingested before BLAKE3 have SHA-256 identities, and their content is still
recognised: the same file again, a renamed or compressed copy, a file that grew."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from stats.models import LogSegment
from stats.services.ingestion import ingest_log_files, legacy_ranges
from tests.services.ingest_helpers import (
    as_ingested_before_blake3,
    nasa_bytes,
    nasa_registry,
    totals,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_segments")]


def test_new_segments_have_blake3_identities(tmp_path: Path) -> None:
    path = tmp_path / "nasa.log"
    path.write_bytes(nasa_bytes())
    registry = nasa_registry()
    ingest_log_files(registry=registry, paths=[path])
    identities = list(LogSegment.objects.values_list("content_hash", flat=True))
    assert len(identities) == 15
    assert all(i.startswith("blake3:") and len(i) == len("blake3:") + 64 for i in identities)
    assert legacy_ranges(registry=registry) == frozenset()


def test_same_file_renamed_and_compressed_copies_count_once(tmp_path: Path) -> None:
    data = nasa_bytes()
    path = tmp_path / "nasa.log"
    path.write_bytes(data)
    registry = nasa_registry()
    ingest_log_files(registry=registry, paths=[path])
    as_ingested_before_blake3(registry)
    before = totals(registry)
    assert len(legacy_ranges(registry=registry)) == 15

    again = ingest_log_files(registry=registry, paths=[path])  # the known chain
    assert (again.downloads, again.segments, again.skipped_segments) == (0, 0, 15)
    shutil.copy(path, tmp_path / "nasa.log.1")
    (tmp_path / "nasa.log.2.gz").write_bytes(gzip.compress(data))
    copies = ingest_log_files(registry=registry, paths=[str(tmp_path / "nasa.log.*")])
    assert (copies.downloads, copies.segments, copies.skipped_segments) == (0, 0, 30)
    assert totals(registry) == before
    assert LogSegment.objects.filter(registry=registry).count() == 15


def test_grown_file_adds_only_its_new_part(tmp_path: Path) -> None:
    data = nasa_bytes()
    clean = nasa_registry("clean")
    whole = tmp_path / "whole.log"
    whole.write_bytes(data)
    ingest_log_files(registry=clean, paths=[whole])
    grown = nasa_registry("grown")
    path = tmp_path / "access.log"
    head = data[: data.index(b"\n", 650_000) + 1]
    path.write_bytes(head)
    ingest_log_files(registry=grown, paths=[path])
    as_ingested_before_blake3(grown)
    path.write_bytes(data)
    second = ingest_log_files(registry=grown, paths=[path])
    assert second.skipped_segments == 7 and second.segments > 0
    assert totals(grown) == totals(clean)
    hashes = LogSegment.objects.filter(registry=grown).values_list("content_hash", flat=True)
    assert sorted(h.split(":")[0] for h in hashes) == ["blake3"] * second.segments + ["sha256"] * 7
