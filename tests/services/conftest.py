"""Fixtures of the service tests."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture
def small_segments(settings: Settings) -> None:
    """Segments of 100,000 bytes: the NASA sample is cut into 15 of them."""
    ingest = settings.STATS.ingest.model_copy(update={"segment_bytes": 100_000})
    settings.STATS = settings.STATS.model_copy(update={"ingest": ingest})
