"""The C roaring writer against pyroaring: the same bytes for every kind of set."""

from __future__ import annotations

import random

import numpy as np
from pyroaring import BitMap

from stats.logparse.native.bitmaps import serialize_bitmaps_packed


def _sets(rng: random.Random) -> list[list[int]]:
    sets: list[list[int]] = [[], [0], [5], [1, 2, 3], [1, 3], [2**32 - 1], [65_535, 65_536]]
    sets += [list(range(0, 5_000)), list(range(100_000, 100_010)), list(range(0, 10_000, 2))]
    sets += [[*range(0, 3_000), 70_000], list(range(0, 200_000, 3))]
    sets += [list(range(0, 4_096)), list(range(0, 4_097)), list(range(1, 8_194, 2))]
    for _ in range(300):  # sparse, clustered and dense, over one or many containers
        size = rng.choice((1, 2, 5, 50, 2_000, 4_095, 4_096, 4_097, 6_000, 30_000))
        spread = rng.choice((size, size * 2, 70_000, 2**20, 2**32 - 1))
        values = set(rng.sample(range(min(spread, 2**32 - 1)), min(size, spread)))
        if rng.random() < 0.3:  # add runs
            start = rng.randrange(2**20)
            values |= set(range(start, start + rng.choice((3, 100, 5_000, 70_000))))
        sets.append(sorted(values))
    # up to 2,047 runs in one container: the run/bitset threshold is 2,048 runs
    for runs in (2_046, 2_047, 2_048, 2_049):
        sets.append(sorted({r * 32 + k for r in range(runs) for k in range(3)}))
    return sets


def test_c_bitmaps_equal_pyroaring_byte_for_byte() -> None:
    sets = _sets(random.Random(11))
    ids = np.array([v for s in sets for v in s], dtype=np.uint32)
    starts = np.cumsum([0, *map(len, sets)]).astype(np.int64)
    blob, ends = serialize_bitmaps_packed(ids, starts)
    assert len(ends) == len(sets)
    bounds = [0, *ends.tolist()]
    blobs = [blob[bounds[k] : bounds[k + 1]] for k in range(len(sets))]
    assert bounds[-1] == len(blob)
    for values, blob in zip(sets, blobs, strict=True):
        assert blob == BitMap(values).serialize(), (len(values), values[:5])
        assert list(BitMap.deserialize(blob)) == values


def test_no_sets_no_bitmaps() -> None:
    blob, ends = serialize_bitmaps_packed(np.array([], np.uint32), np.array([0], np.int64))
    assert (blob, len(ends)) == (b"", 0)
