"""Roaring bitmaps of many client-id sets at once, in C (roaring.c).

Byte for byte what ``pyroaring.BitMap(ids).serialize()`` writes, one after another in
one blob, with no Python object per set: a shard can hold a hundred thousand sets.
"""

from __future__ import annotations

import ctypes

import numpy as np

from stats.logparse.native.build import load_library


def serialize_bitmaps_packed(ids: np.ndarray, starts: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Set k is ``ids[starts[k]:starts[k + 1]]`` (uint32, sorted and distinct in each set);
    its serialised bitmap is ``blob[ends[k - 1]:ends[k]]`` of the returned (blob, ends).
    Raises NativeScannerUnavailable without the library."""
    library = load_library()
    sets = len(starts) - 1
    if sets <= 0:
        return b"", np.zeros(0, np.int64)
    ids = np.ascontiguousarray(ids, dtype=np.uint32)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    largest = int(np.max(np.diff(starts))) if sets else 0
    out = np.empty(9 * sets + 11 * len(ids), np.uint8)
    ends = np.empty(sets, np.int64)
    scratch = np.empty(max(min(largest, 65_536), 1) * library.bitmap_container_bytes(), np.uint8)
    written = library.encode_bitmaps(
        ctypes.c_void_p(ids.ctypes.data),
        ctypes.c_void_p(starts.ctypes.data),
        ctypes.c_int64(sets),
        ctypes.c_void_p(out.ctypes.data),
        ctypes.c_void_p(ends.ctypes.data),
        ctypes.c_void_p(scratch.ctypes.data),
    )
    return out[:written].tobytes(), ends
