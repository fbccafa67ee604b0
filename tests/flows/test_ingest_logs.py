"""The ingest-logs flow on real logs: exact totals, reruns, interruption, task runners."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from emgapiv2.config import TaskRunnerKind, WorkflowSettings
from stats.models import LogSegment
from stats.services.ingestion import ingest_log_files
from tests.services.ingest_helpers import as_ingested_before_blake3, nasa_registry, totals
from workflows.flows.ingest_logs import ingest_logs
from workflows.runners import build_task_runner

pytestmark = pytest.mark.django_db(transaction=True)


def test_flow_counts_exactly_what_the_service_counts(small_segments: None, nasa_logs: Path) -> None:
    reference = nasa_registry("reference")
    expected = ingest_log_files(registry=reference, paths=[nasa_logs / "*"])
    registry = nasa_registry("flow")
    registry.log_sources = [str(nasa_logs)]
    registry.save()

    run = ingest_logs(registry="flow")

    assert run.files == 2
    assert run.segments == expected.segments > 10
    assert run.lines == expected.lines > 13_376
    assert (run.downloads, run.bots, run.malformed) == (
        expected.downloads,
        expected.bots,
        expected.malformed,
    )
    assert totals(registry) == totals(reference)


def test_rerun_counts_nothing_twice(small_segments: None, nasa_logs: Path) -> None:
    registry = nasa_registry("again")
    first = ingest_logs(registry="again", paths=[str(nasa_logs)])
    before = totals(registry)

    second = ingest_logs(registry="again", paths=[str(nasa_logs)])

    assert first.segments > 10 and first.skipped_segments == 0
    assert (second.segments, second.skipped_segments, second.downloads) == (0, first.segments, 0)
    assert totals(registry) == before


def test_segments_hashed_before_blake3_are_not_counted_again(
    small_segments: None, nasa_logs: Path, tmp_path: Path
) -> None:
    """Segments stored with SHA-256 identities (migration 0016's "sha256:"): the same
    files and copies of them under other names, planned and parsed by the flow, add
    nothing."""
    registry = nasa_registry("legacy")
    first = ingest_logs(registry="legacy", paths=[str(nasa_logs)])
    as_ingested_before_blake3(registry)
    before = totals(registry)
    copies = tmp_path / "copies"
    shutil.copytree(nasa_logs, copies)

    again = ingest_logs(registry="legacy", paths=[str(nasa_logs), str(copies)])

    assert (again.segments, again.downloads) == (0, 0)
    assert again.skipped_segments == 2 * first.segments
    assert totals(registry) == before


def test_interrupted_run_then_rerun_ends_exact(
    small_segments: None, nasa_logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = nasa_registry("clean")
    ingest_logs(registry="clean", paths=[str(nasa_logs)])
    registry = nasa_registry("interrupted")

    # The 6th segment's transaction breaks after its facts were written.
    import stats.services.ingestion as ingestion

    real = ingestion._count_unknown
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise RuntimeError("database went away mid-segment")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingestion, "_count_unknown", failing)
    state = ingest_logs(registry="interrupted", paths=[str(nasa_logs)], return_state=True)
    monkeypatch.setattr(ingestion, "_count_unknown", real)

    assert state.is_failed()
    assert LogSegment.objects.filter(registry=registry).count() == 5  # the 6th rolled back
    rerun = ingest_logs(registry="interrupted", paths=[str(nasa_logs)])
    assert rerun.skipped_segments == 5
    assert totals(registry) == totals(reference)


@pytest.mark.slow
def test_local_dask_cluster_gives_the_same_totals(small_segments: None, nasa_logs: Path) -> None:
    reference = nasa_registry("threads")
    ingest_logs(registry="threads", paths=[str(nasa_logs)])
    registry = nasa_registry("dask")
    runner = build_task_runner(
        WorkflowSettings(task_runner=TaskRunnerKind.DASK, workers=2), log_directory=None
    )

    run = ingest_logs.with_options(task_runner=runner)(registry="dask", paths=[str(nasa_logs)])

    assert len(run.workers) == 2  # two Dask worker processes parsed the shards
    assert all(not w.endswith(f":{os.getpid()}") for w in run.workers)
    assert totals(registry) == totals(reference)


@pytest.mark.slow
def test_process_pool_gives_the_same_totals(small_segments: None, nasa_logs: Path) -> None:
    reference = nasa_registry("in-process")
    ingest_logs(registry="in-process", paths=[str(nasa_logs)])
    registry = nasa_registry("processes")
    runner = build_task_runner(WorkflowSettings(task_runner=TaskRunnerKind.PROCESSES, workers=2))

    run = ingest_logs.with_options(task_runner=runner)(registry="processes", paths=[str(nasa_logs)])

    assert run.workers and all(not w.endswith(f":{os.getpid()}") for w in run.workers)
    assert totals(registry) == totals(reference)
