"""Ingestion writes exact facts, and a second attempt of any kind changes nothing."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

import stats.services.ingestion as ingestion
from stats.models import Client, LogSegment, SegmentStatus, UnknownPackage
from stats.services import client_ids
from stats.services.ingestion import ingest_log_files
from tests.logparse.expected import expected_counts
from tests.services.ingest_helpers import (
    NASA_PACKAGES,
    NASA_TZ,
    TOP_DIR,
    nasa_bytes,
    nasa_registry,
    totals,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_segments")]


@pytest.fixture
def nasa_log(tmp_path: Path) -> Path:
    path = tmp_path / "nasa.log"
    path.write_bytes(nasa_bytes())
    return path


def test_ingested_facts_equal_independent_counts(nasa_log: Path) -> None:
    registry = nasa_registry()
    summary = ingest_log_files(registry=registry, paths=[nasa_log])
    expected = expected_counts(
        nasa_bytes().decode(),
        path_regex=TOP_DIR,
        statuses={200, 304},
        methods={"GET"},
        manifest=set(NASA_PACKAGES),
        timezone=NASA_TZ,
    )
    assert summary.segments == 15 and summary.skipped_segments == 0
    assert (summary.lines, summary.malformed) == (13_376, 0)
    assert summary.downloads == expected.downloads
    assert summary.unknown == expected.unknown > 0
    got = totals(registry)
    assert got["segments"]["downloads"] == expected.downloads
    assert got["per_day"] == dict(expected.per_day)
    clients = got["clients"]
    assert {k: len(v) for k, v in clients.items()} == {
        k: len(v) for k, v in expected.clients.items()
    }


def test_clients_are_stored_only_as_keyed_hashes(nasa_log: Path) -> None:
    registry = nasa_registry()
    ingest_log_files(registry=registry, paths=[nasa_log])
    digests = [bytes(d) for d in Client.objects.values_list("digest", flat=True)]
    assert digests and all(len(d) == 16 for d in digests)
    assert not any(b"unicomp" in d or b"199.72" in d for d in digests)


def test_a_full_client_cache_is_emptied_and_totals_stay_exact(
    nasa_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = nasa_registry("whole")
    ingest_log_files(registry=whole, paths=[nasa_log])
    monkeypatch.setattr(client_ids, "CLIENTS_KEPT", 50)
    small = nasa_registry("small")
    ingest_log_files(registry=small, paths=[nasa_log])
    assert totals(small) == totals(whole)


def test_second_run_changes_nothing(nasa_log: Path) -> None:
    registry = nasa_registry()
    ingest_log_files(registry=registry, paths=[nasa_log])
    before = totals(registry)
    again = ingest_log_files(registry=registry, paths=[nasa_log])
    assert (again.downloads, again.segments, again.skipped_segments) == (0, 0, 15)
    assert totals(registry) == before


def test_renamed_and_compressed_copies_count_once(nasa_log: Path, tmp_path: Path) -> None:
    registry = nasa_registry()
    ingest_log_files(registry=registry, paths=[nasa_log])
    before = totals(registry)
    shutil.copy(nasa_log, tmp_path / "nasa.log.1")
    (tmp_path / "nasa.log.2.gz").write_bytes(gzip.compress(nasa_bytes()))
    again = ingest_log_files(registry=registry, paths=[str(tmp_path / "nasa.log.*")])
    assert again.downloads == 0 and again.skipped_segments == 30
    assert totals(registry) == before


def test_grown_file_adds_only_its_new_part(nasa_log: Path, tmp_path: Path) -> None:
    data = nasa_bytes()
    clean = nasa_registry("clean")
    ingest_log_files(registry=clean, paths=[nasa_log])
    grown = nasa_registry("grown")
    path = tmp_path / "access.log"
    path.write_bytes(data[: data.index(b"\n", 650_000) + 1])
    ingest_log_files(registry=grown, paths=[path])
    path.write_bytes(data)
    second = ingest_log_files(registry=grown, paths=[path])
    assert second.skipped_segments == 7 and second.segments > 0
    assert totals(grown) == totals(clean)


def test_crash_half_way_then_rerun_is_exact(
    nasa_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = nasa_registry("clean")
    ingest_log_files(registry=clean, paths=[nasa_log])
    crashed = nasa_registry("crashed")
    real_record = ingestion.record_segment
    calls = {"n": 0}

    def crash_on_sixth(**kwargs: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 6:
            raise RuntimeError("power cut")
        return real_record(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingestion, "record_segment", crash_on_sixth)
    with pytest.raises(RuntimeError):
        ingest_log_files(registry=crashed, paths=[nasa_log])
    monkeypatch.undo()
    assert LogSegment.objects.filter(registry=crashed).count() == 5
    rerun = ingest_log_files(registry=crashed, paths=[nasa_log])
    assert (rerun.skipped_segments, rerun.segments) == (5, 10)
    assert totals(crashed) == totals(clean)


def test_truncated_gzip_is_partial_and_the_full_file_completes_it_exactly(
    nasa_log: Path, tmp_path: Path
) -> None:
    clean = nasa_registry("clean")
    ingest_log_files(registry=clean, paths=[nasa_log])
    registry = nasa_registry("cut")
    path = tmp_path / "access.log.gz"
    packed = gzip.compress(nasa_bytes())
    path.write_bytes(packed[: len(packed) // 2])
    first = ingest_log_files(registry=registry, paths=[path])
    assert first.partial_segments == 1
    assert any("truncated" in e for e in first.errors)
    partial = LogSegment.objects.get(registry=registry, status=SegmentStatus.PARTIAL)
    assert "incomplete last line" in partial.status_reason
    assert 0 < first.lines < 13_376 and first.malformed == 0
    path.write_bytes(packed)
    ingest_log_files(registry=registry, paths=[path])
    assert totals(registry) == totals(clean)


def test_a_wholly_corrupt_gzip_is_reported_on_every_run(tmp_path: Path) -> None:
    """Nothing readable: one empty partial segment records why (for the curator), each
    run says so, and the first run read nothing at all (the command exits non-zero)."""
    registry = nasa_registry()
    path = tmp_path / "broken.log.gz"
    path.write_bytes(gzip.compress(nasa_bytes())[:10] + b"\xff" * 500)
    first = ingest_log_files(registry=registry, paths=[path])
    assert (first.lines, first.segments, first.partial_segments) == (0, 1, 1)
    assert first.nothing_read and any("gzip stream" in e for e in first.errors)
    row = LogSegment.objects.get(registry=registry)
    assert (row.status, row.start_offset, row.end_offset) == (SegmentStatus.PARTIAL, 0, 0)
    again = ingest_log_files(registry=registry, paths=[path])
    assert (again.segments, again.skipped_segments) == (0, 1)
    assert any("gzip stream" in e for e in again.errors)
    assert LogSegment.objects.filter(registry=registry).count() == 1


def test_unknown_packages_are_listed_for_the_curator(nasa_log: Path) -> None:
    registry = nasa_registry()
    summary = ingest_log_files(registry=registry, paths=[nasa_log])
    unknown = dict(UnknownPackage.objects.filter(registry=registry).values_list("name", "requests"))
    assert sum(unknown.values()) == summary.unknown
    assert "ksc.html" not in unknown  # top-level pages do not match the rule at all
    assert unknown.get("facilities", 0) > 0


def test_missing_file_is_reported_not_fatal(nasa_log: Path, tmp_path: Path) -> None:
    registry = nasa_registry()
    summary = ingest_log_files(registry=registry, paths=[tmp_path / "nope.log", nasa_log])
    assert summary.errors == [f"{tmp_path / 'nope.log'}: no such file"]
    assert summary.segments == 15 and not summary.nothing_read
