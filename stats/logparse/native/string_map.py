"""Strings -> int64 values kept across shards: a hash map in C (string_map.c) that owns
copies of its keys, or a dict where the library cannot be built.

Keys go in and out as polars String Series, handed to C as one byte string and the end
of each key, so a shard's ten thousand lookups are one call with no Python object per
key (a polars join against the whole table hashed the table again every shard).
"""

from __future__ import annotations

import ctypes
import weakref

import numpy as np
import polars as pl

from stats.logparse.native.build import load_library, native_available

_I = ctypes.c_int64


class StringMap:
    """A growing map from distinct strings to int64 values; -1 means absent."""

    def __init__(self) -> None:
        self._library = load_library() if native_available() else None
        self._fallback: dict[str, int] = {}
        if self._library is not None:
            handle = self._library.string_map_new()
            if not handle:
                raise MemoryError("the native string map could not be allocated")
            self._handle = ctypes.c_void_p(handle)
            weakref.finalize(self, self._library.string_map_free, self._handle)

    def __len__(self) -> int:
        if self._library is None:
            return len(self._fallback)
        return int(self._library.string_map_len(self._handle))

    def get(self, keys: pl.Series) -> np.ndarray:
        """Each key's value, -1 for keys not in the map."""
        if self._library is None:
            return np.fromiter(
                (self._fallback.get(k, -1) for k in keys.to_list()), np.int64, keys.len()
            )
        text, ends = _packed(keys)
        values = np.empty(keys.len(), np.int64)
        self._library.string_map_get(
            self._handle,
            ctypes.c_char_p(text),
            _at(ends),
            _I(len(ends)),
            _at(values),
        )
        return values

    def put(self, keys: pl.Series, values: np.ndarray) -> None:
        """Set each key to its value (added or replaced)."""
        if len(values) != keys.len():
            raise ValueError("one value per key")
        if self._library is None:
            self._fallback.update(zip(keys.to_list(), values.tolist(), strict=True))
            return
        text, ends = _packed(keys)
        values = np.ascontiguousarray(values, np.int64)
        status = self._library.string_map_put(
            self._handle,
            ctypes.c_char_p(text),
            _at(ends),
            _I(len(ends)),
            _at(values),
        )
        if status != 0:
            raise MemoryError("the native string map could not grow")


def _at(array: np.ndarray) -> ctypes.c_int64:
    return _I(array.ctypes.data)


def _packed(keys: pl.Series) -> tuple[bytes, np.ndarray]:
    """The keys' UTF-8 bytes one after another, and where each one ends."""
    if keys.dtype != pl.String or keys.null_count():
        raise TypeError("string map keys are strings, without nulls")
    if not keys.len():
        return b"", np.empty(0, np.int64)
    text = keys.str.join("").item().encode()
    ends = np.cumsum(keys.str.len_bytes().to_numpy(), dtype=np.int64)
    return text, ends
