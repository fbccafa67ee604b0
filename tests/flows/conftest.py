"""One Prefect test harness (a temporary Prefect server) for all flow tests.

Flows write through Django from the flow's thread and every task first closes stale
connections, which must not happen inside a test's wrapping transaction: flow tests use
``django_db(transaction=True)``.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness
from pytest_django.fixtures import Settings

from tests.services.ingest_helpers import FIXTURES


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True)
def _prefect(prefect_harness: None) -> None:
    """Every flow test talks to the harness's server."""


SEGMENT_BYTES = 64 * 1024  # ~30 segments in the NASA sample


@pytest.fixture
def small_segments(settings: Settings) -> None:
    settings.STATS = settings.STATS.model_copy(
        update={"ingest": settings.STATS.ingest.model_copy(update={"segment_bytes": SEGMENT_BYTES})}
    )


@pytest.fixture
def nasa_logs(tmp_path: Path) -> Path:
    """A folder with the NASA sample as shipped (gzip) and its second half (plain)."""
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "nasa-second-half.log").write_bytes(_second_half_of_nasa())
    shutil.copy(FIXTURES / "nasa_jul95_xaa.log.gz", folder / "nasa-full.log.gz")
    return folder


def _second_half_of_nasa() -> bytes:
    """Not a prefix of the full log, so none of its segments is one of the full log's."""
    data = gzip.decompress((FIXTURES / "nasa_jul95_xaa.log.gz").read_bytes())
    return data[data.rfind(b"\n", 0, len(data) // 2) + 1 :]
