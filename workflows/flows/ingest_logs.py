"""Flow ``ingest-logs``: read a registry's new log files into download facts, exactly.

The flow's process cuts files into segments (whole lines, with their identity), skips
segments already ingested, and sends the others to the configured task runner, where
the pure parser counts them without a database. A plain file's segment travels as
(path, start, end, sha256) and the worker reads and checks the range itself; a gzip
segment travels as its decompressed bytes. Results come back in order and each segment
is written in its own transaction together with its mark, so a run that stops
half-way, run again, ends with exactly the totals of a clean run.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from prefect import get_run_logger
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote
from pydantic import BaseModel, Field

from stats.logparse.reader import Segment
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules
from stats.logparse.shard import parse_shard
from stats.models import Registry
from stats.selectors.rules import download_rules, package_ids
from stats.selectors.workflows import registries_named
from stats.services.ingestion import (
    IngestSummary,
    file_segments,
    log_source_files,
    record_segment,
    segment_ingested,
)
from workflows.prefect_django import flow, task
from workflows.runners import build_task_runner, parallelism

_GZIP_MAGIC = b"\x1f\x8b"


class SegmentChangedError(RuntimeError):
    """The file's bytes at a segment's range are not the ones that were planned."""


class ShardJob:
    """One segment to parse: its bytes, or (``from_file``) where the worker reads them.

    A plain class, not a dataclass: Prefect does not walk into it looking for futures
    (the rules hold the whole manifest), and it travels to Dask workers as it is.
    """

    __slots__ = ("from_file", "rules", "sample_size", "segment")

    def __init__(
        self, segment: Segment, *, from_file: bool, rules: DownloadRules, sample_size: int
    ) -> None:
        self.segment = segment
        self.from_file = from_file
        self.rules = rules
        self.sample_size = sample_size


@dataclass(frozen=True)
class ParsedShard:
    """A parsed segment, and where and how fast it was parsed."""

    result: ShardResult
    worker: str
    slurm_job_id: str
    seconds: float


class IngestRun(BaseModel):
    """What one run of the flow did; ``downloads`` counts only what it added."""

    registry: str
    files: int = 0
    segments: int = 0
    skipped_segments: int = 0
    partial_segments: int = 0
    bytes: int = 0
    lines: int = 0
    malformed: int = 0
    downloads: int = 0
    mirror_downloads: int = 0
    bots: int = 0
    unknown: int = 0
    errors: list[str] = Field(default_factory=list)
    workers: list[str] = Field(default_factory=list, description="host:pid of the parsers")
    slurm_job_ids: list[str] = Field(
        default_factory=list, description="Slurm jobs the shards ran in (dask-slurm runner)"
    )
    parse_seconds: float = Field(0.0, description="Parsing time summed over shards")


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def read_segment_bytes(segment: Segment) -> bytes:
    """The segment's range of its (plain) file, checked against the planned hash."""
    with open(segment.source, "rb") as handle:
        handle.seek(segment.start)
        data = handle.read(segment.end - segment.start)
    if hashlib.sha256(data).hexdigest() != segment.sha256:
        raise SegmentChangedError(f"{segment} changed on disk since it was planned")
    return data


@task(name="parse-shard")
def parse_segment(job: ShardJob) -> ParsedShard:
    """Count one segment's downloads; pure (no database), runs on any worker."""
    started = time.perf_counter()
    data = read_segment_bytes(job.segment) if job.from_file else job.segment.data
    result = parse_shard(data, job.rules, sample_size=job.sample_size)
    return ParsedShard(
        result=result,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        slurm_job_id=os.environ.get("SLURM_JOB_ID", ""),
        seconds=time.perf_counter() - started,
    )


@task(name="record-segment")
def record_parsed_segment(
    registry: Registry,
    segment: Segment,
    result: ShardResult,
    ids: dict[str, int],
    clients: dict[bytes, int],
    started_at: datetime,
) -> bool:
    """Write one segment's facts with its mark, in one transaction (False: already there)."""
    return record_segment(
        registry=registry,
        segment=segment,
        result=result,
        package_ids=ids,
        client_ids=clients,
        started_at=started_at,
    )


@task(name="find-log-files")
def find_log_files(registry: Registry, paths: list[str]) -> list[str]:
    """The given paths, else the registry's log sources, as files."""
    return [str(p) for p in log_source_files(sources=paths or registry.log_sources or [])]


@task(name="load-download-rules")
def load_rules(registry: Registry) -> tuple[DownloadRules, dict[str, int]]:
    """The parser's rules (with the manifest) and package ids, read once per run."""
    return download_rules(registry), package_ids(registry)


class _Ingestion:
    """The bookkeeping of one run: segments in flight, recorded in submission order."""

    def __init__(self, registry: Registry, rules: DownloadRules, ids: dict[str, int]) -> None:
        self.registry = registry
        self.rules = rules
        self.ids = ids
        self.clients: dict[bytes, int] = {}
        self.summary = IngestSummary()
        self.workers: set[str] = set()
        self.slurm_jobs: set[str] = set()
        self.parse_seconds = 0.0
        self.limit = max(2, 2 * parallelism())
        self.sample_size = settings.STATS.ingest.malformed_sample_size
        self.pending: deque[tuple[Segment, datetime, PrefectFuture[ParsedShard]]] = deque()

    def read_file(self, path: Path) -> None:
        self.summary.files += 1
        from_file = not is_gzip(path)
        for segment in file_segments(registry=self.registry, path=path):
            if segment_ingested(registry=self.registry, segment=segment):
                self.summary.skipped_segments += 1
                continue
            job = ShardJob(
                replace(segment, data=b"") if from_file else segment,
                from_file=from_file,
                rules=self.rules,
                sample_size=self.sample_size,
            )
            future = parse_segment.submit(job)
            self.pending.append((replace(segment, data=b""), timezone.now(), future))
            while len(self.pending) >= self.limit:
                self.record_next()

    def record_next(self) -> None:
        segment, started_at, future = self.pending.popleft()
        parsed = future.result()
        self.workers.add(parsed.worker)
        if parsed.slurm_job_id:
            self.slurm_jobs.add(parsed.slurm_job_id)
        self.parse_seconds += parsed.seconds
        recorded = record_parsed_segment(
            quote(self.registry),
            quote(segment),
            quote(parsed.result),
            quote(self.ids),
            quote(self.clients),
            started_at,
        )
        if not recorded:
            self.summary.skipped_segments += 1
            return
        self.summary.segments += 1
        self.summary.bytes += segment.end - segment.start
        self.summary.add(parsed.result)
        if segment.broken_reason:
            self.summary.partial_segments += 1
            self.summary.errors.append(f"{segment.source}: {segment.broken_reason}")

    def outcome(self) -> IngestRun:
        data: dict[str, Any] = self.summary.as_dict()
        return IngestRun(
            registry=self.registry.name,
            **data,
            workers=sorted(self.workers),
            slurm_job_ids=sorted(self.slurm_jobs, key=int),
            parse_seconds=round(self.parse_seconds, 3),
        )


@flow(name="ingest-logs", task_runner=build_task_runner())
def ingest_logs(
    registry: str = Field(
        "bioconductor", description="Name of the registry whose downloads the logs count."
    ),
    paths: list[str] | None = Field(  # noqa: B008
        None,
        description="Log files, folders or globs (plain or .gz) to read. Empty: the "
        "registry's configured log sources.",
    ),
) -> IngestRun:
    """Ingest the new parts of a registry's log files; rerunning it never counts twice."""
    logger = get_run_logger()
    target = registries_named([registry]).get()
    files = find_log_files(quote(target), list(paths or []))
    rules, ids = load_rules(quote(target))
    run = _Ingestion(target, rules, ids)
    for name in files:
        try:
            run.read_file(Path(name))
        except OSError as exc:
            run.summary.errors.append(f"{name}: {exc}")
    while run.pending:
        run.record_next()
    outcome = run.outcome()
    logger.info(
        "%s: %d files, %d new segments (%d already there), %d lines, %d downloads; "
        "parsed by %d workers%s",
        registry,
        outcome.files,
        outcome.segments,
        outcome.skipped_segments,
        outcome.lines,
        outcome.downloads,
        len(outcome.workers),
        f" in Slurm jobs {', '.join(outcome.slurm_job_ids)}" if outcome.slurm_job_ids else "",
    )
    return outcome
