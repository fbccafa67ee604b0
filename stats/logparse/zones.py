"""A time zone's UTC offsets as intervals, so that C can turn epochs into local days.

Only the quarter hours that the given times fall in are looked at: within one, the
offset is the same at both ends unless a transition falls inside it, and then that
second is found by bisection. Every offset in use since 1900 is constant for far longer
than a quarter of an hour, so at most one transition falls in any one of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

_STEP = 900
"""Seconds per probed interval (a quarter of an hour)."""


def utc_offsets(zone: str, epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, offsets): ascending UTC epochs from which each offset (seconds) is in
    force, covering every one of ``epochs`` (int64 seconds); the first start is the
    smallest int64, so each epoch has one."""
    if zone == "UTC" or not len(epochs):
        return np.array([np.iinfo(np.int64).min], np.int64), np.zeros(1, np.int64)
    tz = ZoneInfo(zone)
    starts: list[int] = [int(np.iinfo(np.int64).min)]
    offsets: list[int] = []
    for bucket in np.unique(np.floor_divide(epochs, _STEP)).tolist():
        begin = bucket * _STEP
        first, last = _offset(tz, begin), _offset(tz, begin + _STEP - 1)
        for start, offset in ((begin, first), *_transition(tz, begin, first, last)):
            if not offsets:
                offsets.append(offset)
            elif offset != offsets[-1]:
                starts.append(start)
                offsets.append(offset)
    return np.array(starts, np.int64), np.array(offsets, np.int64)


def _transition(tz: ZoneInfo, begin: int, first: int, last: int) -> list[tuple[int, int]]:
    """[(the first second of ``last``, ``last``)] when the offset changes in this
    quarter hour, else []."""
    if first == last:
        return []
    low, high = begin, begin + _STEP - 1  # offset(low) == first, offset(high) == last
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(tz, middle) == first:
            low = middle
        else:
            high = middle
    return [(high, last)]


def _offset(tz: ZoneInfo, epoch: int) -> int:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch)
    offset = moment.astimezone(tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())
