"""UTC offset intervals give every epoch the local day zoneinfo gives it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from stats.logparse.zones import utc_offsets


def _days(zone: str, epochs: np.ndarray) -> list[int]:
    starts, offsets = utc_offsets(zone, epochs)
    which = np.searchsorted(starts, epochs, side="right") - 1
    return np.floor_divide(epochs + offsets[which], 86_400).tolist()


@pytest.mark.parametrize(
    "zone",
    ["UTC", "Europe/Paris", "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham"],
)
def test_local_days_match_zoneinfo_around_every_change(zone: str) -> None:
    rng = np.random.default_rng(1)
    # 2023-2025 at random, plus every second of the quarter hours around DST changes.
    spread = rng.integers(1_672_531_200, 1_767_225_600, 20_000)
    tz = ZoneInfo(zone)
    changes = [
        e
        for e in range(1_672_531_200, 1_767_225_600, 900)
        if datetime.fromtimestamp(e, tz).utcoffset()
        != datetime.fromtimestamp(e + 900, tz).utcoffset()
    ]
    around = [e + k for e in changes for k in range(-60, 960, 7)]
    epochs = np.array([*spread.tolist(), *around], np.int64)
    expected = [
        (datetime.fromtimestamp(e, tz).date() - datetime(1970, 1, 1, tzinfo=UTC).date()).days
        for e in epochs.tolist()
    ]
    assert _days(zone, epochs) == expected
    assert zone == "UTC" or changes


def test_no_epochs_or_utc_need_one_interval() -> None:
    starts, offsets = utc_offsets("Europe/Paris", np.array([], np.int64))
    assert offsets.tolist() == [0] and len(starts) == 1
