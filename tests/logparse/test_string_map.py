"""The string map of the path table: values by key across calls, in C and without it."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from stats.logparse.native import string_map
from stats.logparse.native.string_map import StringMap


@pytest.fixture(params=["native", "dict"])
def make_map(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type[StringMap]:
    if request.param == "dict":
        monkeypatch.setattr(string_map, "native_available", lambda: False)
    return StringMap


def exercise(map_type: type[StringMap], count: int = 20_000) -> None:
    """Values set, replaced and looked up, across the map's growth (used under the
    sanitizers too)."""
    strings = pl.Series([f"/packages/{i}/é{i * 7}.tar.gz" for i in range(count)])
    strings = pl.concat([strings, pl.Series(["", "a", "ab"])])  # an empty key, short ones
    m = map_type()
    assert m.get(strings).tolist() == [-1] * strings.len()
    half = strings.len() // 2
    m.put(strings[:half], np.arange(half, dtype=np.int64))
    m.put(strings[half:], np.arange(half, strings.len(), dtype=np.int64) * 3)
    m.put(strings[:10], np.full(10, -5, np.int64))  # replaced, not added
    assert len(m) == strings.len()
    got = m.get(strings.reverse()).tolist()[::-1]
    assert got[:10] == [-5] * 10
    assert got[10:half] == list(range(10, half))
    assert got[half:] == [i * 3 for i in range(half, strings.len())]
    assert m.get(pl.Series(["/packages/missing", "b"])).tolist() == [-1, -1]
    assert m.get(pl.Series([], dtype=pl.String)).tolist() == []
    # Only empty keys in the first put: no key text yet (UBSan: memcpy to a null pointer).
    empty = map_type()
    empty.put(pl.Series([""]), np.array([7], np.int64))
    empty.put(pl.Series(["", ""]), np.array([8, 9], np.int64))
    assert (len(empty), empty.get(pl.Series(["", "x"])).tolist()) == (1, [9, -1])


def test_values_are_kept_replaced_and_found(make_map: type[StringMap]) -> None:
    exercise(make_map)


def test_keys_must_be_strings_without_nulls() -> None:
    m = StringMap()
    with pytest.raises(TypeError):
        m.get(pl.Series(["a", None]))
    with pytest.raises(TypeError):
        m.get(pl.Series([1, 2]))
    with pytest.raises(ValueError):
        m.put(pl.Series(["a"]), np.array([1, 2]))
