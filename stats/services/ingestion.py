"""Ingest access logs: each segment's facts are written in one transaction with its mark.

The unique key on (registry, byte range, content hash) makes every second attempt at
the same content -- a rerun after a crash, a concurrent run, a renamed copy -- write
nothing, so totals stay exact whatever happens mid-file.
"""

from __future__ import annotations

import gc
import glob
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from pydantic import BaseModel, Field

from stats.logparse.content_hash import HashAlgorithm
from stats.logparse.reader import Segment, SegmentReader
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules
from stats.logparse.shard import parse_shard
from stats.models import LogSegment, Registry, SegmentStatus
from stats.selectors.rules import download_rules, package_ids
from stats.services.bulk import add_unknown_requests, insert_packed_days
from stats.services.client_ids import SeenClients, client_ids_for
from stats.services.fact_encoding import encode_facts
from stats.services.segment_writer import SegmentWriter

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called after each segment with (bytes done, lines done)."""


class IngestSummary(BaseModel):
    """What one ingestion run did; ``downloads`` counts only what this run added.

    A pydantic model so that the flow's result (``IngestRun``) extends it field for field.
    """

    files: int = 0
    lines: int = 0
    malformed: int = 0
    downloads: int = 0
    mirror_downloads: int = 0
    bots: int = 0
    unknown: int = 0
    segments: int = 0
    skipped_segments: int = 0
    partial_segments: int = 0
    bytes: int = 0
    errors: list[str] = Field(default_factory=list)

    def count_written(self, segment: Segment, result: ShardResult) -> None:
        """Count a segment this run wrote."""
        self.segments += 1
        self.bytes += segment.end - segment.start
        self.partial_segments += bool(segment.broken_reason)
        self.add(result)
        self._report_broken(segment)

    def count_skipped(self, segment: Segment) -> None:
        """Count a segment ingested before (by this run's earlier part or another run)."""
        self.skipped_segments += 1
        self._report_broken(segment)

    def _report_broken(self, segment: Segment) -> None:
        """A broken stream is reported by every run that meets it, ingested before or not."""
        if segment.broken_reason:
            self.errors.append(f"{segment.source}: {segment.broken_reason}")

    def add(self, result: ShardResult) -> None:
        self.lines += result.lines
        self.malformed += result.malformed
        self.downloads += result.downloads
        self.mirror_downloads += result.mirror_downloads
        self.bots += result.bots
        self.unknown += result.unknown

    def as_dict(self) -> dict[str, object]:
        return self.model_dump()

    @property
    def nothing_read(self) -> bool:
        """Errors, and not one line read now nor a segment ingested before (a wholly
        corrupt gzip gives one empty partial segment, which only records why)."""
        return self.lines == 0 and self.skipped_segments == 0 and bool(self.errors)


def expand_paths(patterns: Iterable[str | Path]) -> list[Path]:
    """Files named directly or matched by globs, in a stable order, without duplicates."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        text = str(pattern)
        matches = sorted(glob.glob(text)) if glob.has_magic(text) else [text]
        for match in matches:
            found.setdefault(Path(match).resolve(), None)
    return list(found)


def log_source_files(*, sources: Iterable[str | Path]) -> list[Path]:
    """The files of log sources such as ``Registry.log_sources``: folders (all non-hidden
    files in them, recursively), files and globs; stable order, no duplicates."""
    patterns: list[str] = []
    for source in sources:
        folder = Path(str(source))
        if folder.is_dir():
            patterns += sorted(
                str(p)
                for p in folder.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(folder).parts)
            )
        else:
            patterns.append(str(source))
    return [p for p in expand_paths(patterns) if p.is_file()]


def segment_ingested(*, registry: Registry, segment: Segment) -> bool:
    """True when this byte range with this content is in the registry already."""
    return segment.known or _already_ingested(registry, segment)


def ingest_log_files(
    *,
    registry: Registry,
    paths: Iterable[str | Path],
    on_progress: ProgressCallback | None = None,
) -> IngestSummary:
    """Ingest log files (plain or gzip, globs allowed) into ``registry``.

    On a database server each segment is written while the next one is parsed
    (``SegmentWriter``); on SQLite one after the other.
    """
    summary = IngestSummary()
    legacy = legacy_ranges(registry=registry)
    with (
        _older_objects_not_traversed(),
        SegmentWriter(overlap=connection.vendor != "sqlite") as writer,
    ):
        run = _Run(
            registry=registry,
            rules=download_rules(registry),
            package_ids=package_ids(registry),
            clients=SeenClients(),
            summary=summary,
            writer=writer,
            on_progress=on_progress,
        )
        for path in expand_paths(paths):
            if not path.is_file():
                summary.errors.append(f"{path}: no such file")
                continue
            summary.files += 1
            writer.drain()  # the file's earlier segments are read from the database
            try:
                for segment in file_segments(registry=registry, path=path, legacy=legacy):
                    _ingest_segment(run, segment)
                    del segment  # its bytes go before the next segment's are read
            except OSError as exc:
                summary.errors.append(f"{path}: {exc}")
    return summary


@contextmanager
def _older_objects_not_traversed() -> Iterator[None]:
    """Keep the objects that exist before the run (Django's models, migrations, apps:
    100k+) out of the collector's way while it runs: a full collection traversing them
    took 0.06 s of a million-line run. They return to the oldest generation afterwards,
    so nothing is kept from collection for good."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def file_segments(
    *, registry: Registry, path: Path, legacy: frozenset[tuple[int, int]]
) -> Iterator[Segment]:
    """The segments of a file, following the boundaries of its earlier ingestion;
    ``legacy``: the registry's ``legacy_ranges``."""
    reader = SegmentReader(
        path,
        segment_bytes=settings.STATS.ingest.segment_bytes,
        known=known_segments(registry=registry, source=str(path)),
        legacy_ranges=legacy,
    )
    return iter(reader)


def known_segments(*, registry: Registry, source: str) -> list[tuple[int, str]]:
    """(end, content hash) of the contiguous chain of segments of ``source`` from 0."""
    chain: list[tuple[int, str]] = []
    position = 0
    rows = LogSegment.objects.filter(registry=registry, source=source).order_by("start_offset")
    for start, end, identity in rows.values_list("start_offset", "end_offset", "content_hash"):
        if start != position:
            break
        chain.append((end, identity))
        position = end
    return chain


def legacy_ranges(*, registry: Registry) -> frozenset[tuple[int, int]]:
    """(start, end) of the registry's segments with a SHA-256 identity (ingested before
    BLAKE3): a new segment with such a range is checked against that identity too, so a
    renamed copy of an old file is still recognised. Read once per run."""
    rows = LogSegment.objects.filter(
        registry=registry, content_hash__startswith=f"{HashAlgorithm.SHA256}:"
    )
    return frozenset(rows.values_list("start_offset", "end_offset"))


@dataclass(frozen=True)
class _Run:
    """What every segment of one ingestion run is ingested with."""

    registry: Registry
    rules: DownloadRules
    package_ids: dict[str, int]
    clients: SeenClients
    summary: IngestSummary
    writer: SegmentWriter
    on_progress: ProgressCallback | None


def _ingest_segment(run: _Run, segment: Segment) -> None:
    summary = run.summary
    # While a write is in flight the database is the writer's: a segment ingested by
    # another run is then found by record_segment's unique key instead.
    if segment.known or (not run.writer.overlap and _already_ingested(run.registry, segment)):
        summary.count_skipped(segment)
        return
    started_at = timezone.now()
    result = parse_shard(
        segment.data, run.rules, sample_size=settings.STATS.ingest.malformed_sample_size
    )
    placed = replace(segment, data=b"")  # the write does not keep the bytes alive
    write = partial(
        record_segment,
        registry=run.registry,
        segment=placed,
        result=result,
        package_ids=run.package_ids,
        client_ids=run.clients,
        started_at=started_at,
    )
    run.writer.submit(write, partial(_written, run, placed, result))


def _written(run: _Run, segment: Segment, result: ShardResult, written: bool) -> None:
    summary = run.summary
    if written:
        summary.count_written(segment, result)
    else:
        summary.count_skipped(segment)
    if run.on_progress is not None:
        run.on_progress(summary.bytes, summary.lines)


def _already_ingested(registry: Registry, segment: Segment) -> bool:
    return LogSegment.objects.filter(
        registry=registry,
        start_offset=segment.start,
        end_offset=segment.end,
        content_hash__in=segment.identities,
    ).exists()


def record_segment(
    *,
    registry: Registry,
    segment: Segment,
    result: ShardResult,
    package_ids: dict[str, int],
    client_ids: SeenClients,
    started_at: datetime,
) -> bool:
    """Write one segment and its facts atomically; False when it was already there."""
    tables = result.tables
    ids = client_ids_for(registry=registry, digests=tables.digests, seen=client_ids)
    facts = encode_facts(tables, client_ids=ids, package_ids=package_ids)
    with transaction.atomic():
        # The unique key catches the same identity; an older one (SHA-256) is looked up.
        if segment.legacy_hash and _already_ingested(registry, segment):
            logger.info("segment %s was ingested before (SHA-256 identity)", segment)
            return False
        try:
            with transaction.atomic():
                row = _create_segment_row(registry, segment, result, started_at)
        except IntegrityError:
            logger.info("segment %s already ingested by another run", segment)
            return False
        insert_packed_days(segment_id=row.pk, registry_id=registry.pk, days=facts)
        _count_unknown(registry, result)
    return True


def _create_segment_row(
    registry: Registry, segment: Segment, result: ShardResult, started_at: datetime
) -> LogSegment:
    return LogSegment.objects.create(
        registry=registry,
        source=segment.source,
        start_offset=segment.start,
        end_offset=segment.end,
        content_hash=segment.content_hash,
        status=SegmentStatus.PARTIAL if segment.broken_reason else SegmentStatus.DONE,
        status_reason=_reason(segment),
        lines=result.lines,
        malformed=result.malformed,
        downloads=result.downloads,
        mirror_downloads=result.mirror_downloads,
        bots=result.bots,
        unknown=result.unknown,
        malformed_samples=result.malformed_samples,
        first_line_at=result.first_line_at,
        last_line_at=result.last_line_at,
        started_at=started_at,
        finished_at=timezone.now(),
    )


def _reason(segment: Segment) -> str:
    if not segment.broken_reason:
        return ""
    reason = segment.broken_reason
    if segment.dropped_tail_bytes:
        reason += f"; an incomplete last line of {segment.dropped_tail_bytes} bytes was not counted"
    return reason


def _count_unknown(registry: Registry, result: ShardResult) -> None:
    add_unknown_requests(
        registry_id=registry.pk,
        counts=[(c, n, r) for (c, n), r in result.unknown_names.items()],
        last_seen=result.last_line_at.date() if result.last_line_at else None,
    )
