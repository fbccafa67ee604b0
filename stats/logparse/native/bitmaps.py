"""Roaring bitmaps of many client-id sets at once, in C (roaring.c), and the facts' version
counts as JSON objects (versions.c).

Byte for byte what ``pyroaring.BitMap(ids).serialize()`` writes, without a Python
object per set until the bytes themselves: a shard can hold a hundred thousand sets.
"""

from __future__ import annotations

import ctypes

import numpy as np

from stats.logparse.native.build import load_library


def serialize_bitmaps(ids: np.ndarray, starts: np.ndarray) -> list[bytes]:
    """Set k is ``ids[starts[k]:starts[k + 1]]`` (uint32, sorted and distinct in each set);
    one serialised bitmap per set. Raises NativeScannerUnavailable without the library."""
    library = load_library()
    sets = len(starts) - 1
    if sets <= 0:
        return []
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
    blob = out[:written].tobytes()
    bounds = [0, *ends.tolist()]
    return [blob[bounds[k] : bounds[k + 1]] for k in range(sets)]


def version_objects(
    fact: np.ndarray, code: np.ndarray, n: np.ndarray, quoted: list[str], facts: int
) -> list[str]:
    """One JSON object per fact, ``{"1.0": 3, "1.1": 1}`` (``{}`` without versions): row
    i says fact[i] had n[i] downloads of version ``quoted[code[i]]`` (ASCII JSON
    strings); rows sorted by fact. Raises NativeScannerUnavailable without the library."""
    library = load_library()
    encoded = [q.encode("ascii") for q in quoted]
    lengths = np.array([len(q) for q in encoded], np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    fact = np.ascontiguousarray(fact, dtype=np.uint32)
    code = np.ascontiguousarray(code, dtype=np.int32)
    n = np.ascontiguousarray(n, dtype=np.int64)
    room = 2 * facts + int(lengths[code].sum()) + 25 * len(fact) + 1
    out = np.empty(room, np.uint8)
    ends = np.empty(max(facts, 1), np.int64)
    text = b"".join(encoded)
    written = library.version_objects(
        ctypes.c_void_p(fact.ctypes.data),
        ctypes.c_void_p(code.ctypes.data),
        ctypes.c_void_p(n.ctypes.data),
        ctypes.c_int64(len(fact)),
        ctypes.c_char_p(text),
        ctypes.c_void_p(starts.ctypes.data),
        ctypes.c_int64(facts),
        ctypes.c_void_p(out.ctypes.data),
        ctypes.c_void_p(ends.ctypes.data),
    )
    whole = out[:written].tobytes().decode("ascii")
    bounds = [0, *ends[:facts].tolist()]
    return [whole[bounds[k] : bounds[k + 1]] for k in range(facts)]
