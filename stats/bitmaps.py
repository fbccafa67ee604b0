"""Exact client sets: roaring bitmaps of Client ids, stored as bytes.

Unions of per-day bitmaps give exact distinct-client counts over any date range,
in microseconds for a month and milliseconds for years.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyroaring import BitMap


def to_bytes(ids: Iterable[int] | BitMap) -> bytes:
    """Serialise a set of client ids."""
    bitmap = ids if isinstance(ids, BitMap) else BitMap(ids)
    bitmap.run_optimize()
    return bitmap.serialize()


def from_bytes(blob: bytes | memoryview | None) -> BitMap:
    """Deserialise; an empty or missing blob is the empty set."""
    if not blob:
        return BitMap()
    return BitMap.deserialize(bytes(blob))


def union(blobs: Iterable[bytes | memoryview | None]) -> BitMap:
    """The union of serialised client sets."""
    bitmaps = [from_bytes(b) for b in blobs if b]
    if not bitmaps:
        return BitMap()
    return BitMap.union(*bitmaps)
