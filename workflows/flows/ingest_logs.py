"""Flow ``ingest-logs``: read a registry's new log files into download facts, exactly.

The flow's process cuts files into segments (whole lines, with their identity), skips
segments already ingested, and sends the others to the configured task runner, where
the pure parser counts them without a database. A plain file's segment travels as
(path, start, end, content hash) and the worker reads and checks the range itself; a gzip
segment travels as its decompressed bytes. Results come back in order and each segment
is written in its own transaction together with its mark (by a writer thread, while the
flow's thread cuts and submits the next segments), so a run that stops half-way, run
again, ends with exactly the totals of a clean run.
"""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import copy_context
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from prefect import get_run_logger
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote
from pydantic import Field

from stats.logparse.content_hash import hash_matches
from stats.logparse.reader import Segment
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules
from stats.logparse.shard import parse_shard
from stats.models import Registry
from stats.selectors.rules import download_rules, package_ids
from stats.selectors.workflows import registries_named
from stats.services.client_ids import SeenClients
from stats.services.ingestion import (
    IngestSummary,
    file_segments,
    legacy_ranges,
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


class IngestRun(IngestSummary):
    """What one run of the flow did: the service's counters plus where and how long."""

    registry: str
    workers: list[str] = Field(default_factory=list, description="host:pid of the parsers")
    slurm_job_ids: list[str] = Field(
        default_factory=list, description="Slurm jobs the shards ran in (dask-slurm runner)"
    )
    parse_seconds: float = Field(0.0, description="Parsing time summed over shards")
    plan_seconds: float = Field(
        0.0, description="Flow process: cutting files into segments, skip checks, submitting"
    )
    wait_seconds: float = Field(
        0.0, description="Flow process (writer thread): waiting for parsed segments"
    )
    record_seconds: float = Field(
        0.0, description="Flow process (writer thread): writing segments, one after another"
    )
    seconds: float = Field(
        0.0, description="Wall clock of the ingestion, from the first segment cut to the last write"
    )


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def read_segment_bytes(segment: Segment) -> bytes:
    """The segment's range of its (plain) file, checked against the planned hash."""
    with open(segment.source, "rb") as handle:
        handle.seek(segment.start)
        data = handle.read(segment.end - segment.start)
    if not hash_matches(data, segment.content_hash):
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
    clients: SeenClients,
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
    """The bookkeeping of one run: segments in flight, written in submission order.

    The flow's thread cuts files into segments and submits them; one writer thread
    waits for each parsed segment and writes it, so writing segment N overlaps cutting
    and submitting N+1... (much of a write waits on the database server, which releases
    the GIL). Counters are only touched by the flow's thread, when a write is collected.
    """

    def __init__(self, registry: Registry, rules: DownloadRules, ids: dict[str, int]) -> None:
        self.registry = registry
        self.rules = rules
        self.ids = ids
        self.legacy = legacy_ranges(registry=registry)
        self.clients = SeenClients()
        self.summary = IngestSummary()
        self.workers: set[str] = set()
        self.slurm_jobs: set[str] = set()
        self.parse_seconds = 0.0
        self.timer = _Timer()
        # Parsed or being parsed, plus the one being written.
        self.limit = max(2, 2 * parallelism()) + 1
        self.sample_size = settings.STATS.ingest.malformed_sample_size
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self.pending: deque[Future[_Written]] = deque()
        self.failed = False

    def read_file(self, path: Path) -> None:
        self.summary.files += 1
        from_file = not is_gzip(path)
        segments = file_segments(registry=self.registry, path=path, legacy=self.legacy)
        while True:
            with self.timer("plan"):
                segment = next(segments, None)
                if segment is None:
                    return
                if segment_ingested(registry=self.registry, segment=segment):
                    self.summary.count_skipped(segment)
                    continue
                job = ShardJob(
                    replace(segment, data=b"") if from_file else segment,
                    from_file=from_file,
                    rules=self.rules,
                    sample_size=self.sample_size,
                )
                future = parse_segment.submit(job)
                # The task call needs the flow run's context in the writer thread.
                self.pending.append(
                    self.writer.submit(
                        copy_context().run,
                        self._write,
                        replace(segment, data=b""),
                        timezone.now(),
                        future,
                    )
                )
                del segment  # its bytes go before the next are read (a job keeps what it needs)
            while len(self.pending) >= self.limit:
                self.collect_next()

    def finish(self) -> None:
        """Collect every write still in flight, then end the writer thread."""
        try:
            while self.pending:
                self.collect_next()
        finally:
            for left in self.pending:
                left.cancel()
            self.writer.submit(_close_connection).result()
            self.writer.shutdown(wait=True)

    def _write(
        self, segment: Segment, started_at: datetime, future: PrefectFuture[ParsedShard]
    ) -> _Written:
        """In the writer thread: wait for the parsed segment, write it.

        After a failure nothing more is written: the run stops at its first bad segment,
        as a serial run does, and a rerun carries on from there.
        """
        if self.failed:
            raise _WriterStoppedError(f"{segment} not written: an earlier segment failed")
        try:
            waited = time.perf_counter()
            parsed = future.result()
            written = time.perf_counter()
            recorded = record_parsed_segment(
                quote(self.registry),
                quote(segment),
                quote(parsed.result),
                quote(self.ids),
                quote(self.clients),
                started_at,
            )
        except OSError:
            raise  # a file's problem: the flow notes it and goes on, as with one thread
        except BaseException:
            self.failed = True
            raise
        done = time.perf_counter()
        return _Written(segment, parsed, recorded, written - waited, done - written)

    def collect_next(self) -> None:
        with self.timer("wait"):
            written = self.pending.popleft().result()
        self.timer.totals["parse_wait"] += written.wait_seconds
        self.timer.totals["record"] += written.write_seconds
        parsed, segment = written.parsed, written.segment
        self.workers.add(parsed.worker)
        if parsed.slurm_job_id:
            self.slurm_jobs.add(parsed.slurm_job_id)
        self.parse_seconds += parsed.seconds
        if written.recorded:
            self.summary.count_written(segment, parsed.result)
        else:
            self.summary.count_skipped(segment)

    def outcome(self) -> IngestRun:
        return IngestRun(
            registry=self.registry.name,
            **self.summary.model_dump(),
            workers=sorted(self.workers),
            slurm_job_ids=sorted(self.slurm_jobs, key=int),
            parse_seconds=round(self.parse_seconds, 3),
            plan_seconds=round(self.timer.totals["plan"], 3),
            wait_seconds=round(self.timer.totals["parse_wait"], 3),
            record_seconds=round(self.timer.totals["record"], 3),
            seconds=round(time.perf_counter() - self.timer.started, 3),
        )


class _WriterStoppedError(RuntimeError):
    """A segment left unwritten because one before it failed."""


def _close_connection() -> None:
    """The calling thread's own database connection (not the flow thread's)."""
    connection.close()


@dataclass(frozen=True)
class _Written:
    """A segment's write, as the writer thread hands it back."""

    segment: Segment
    parsed: ParsedShard
    recorded: bool
    wait_seconds: float
    write_seconds: float


class _Timer:
    """Wall-clock seconds spent per named phase of the flow's own process."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.totals = {"plan": 0.0, "wait": 0.0, "parse_wait": 0.0, "record": 0.0}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.totals[phase] += time.perf_counter() - started


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
    try:
        for name in files:
            try:
                run.read_file(Path(name))
            except OSError as exc:
                run.summary.errors.append(f"{name}: {exc}")
    finally:
        run.finish()
    outcome = run.outcome()
    logger.info(
        "%s: %d files, %d new segments (%d already there), %d lines, %d downloads; "
        "parsed by %d workers%s; %.1f s: planning %.1f s, waiting %.1f s, writing %.1f s",
        registry,
        outcome.files,
        outcome.segments,
        outcome.skipped_segments,
        outcome.lines,
        outcome.downloads,
        len(outcome.workers),
        f" in Slurm jobs {', '.join(outcome.slurm_job_ids)}" if outcome.slurm_job_ids else "",
        outcome.seconds,
        outcome.plan_seconds,
        outcome.wait_seconds,
        outcome.record_seconds,
    )
    return outcome
