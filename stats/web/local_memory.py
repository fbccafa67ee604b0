"""A process-local, size-bounded LRU: the copies caches keep in front of Redis."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class SizedLRU(Generic[V]):
    """Values by key, least recently used dropped first once their sizes pass ``budget``.

    Thread-safe (a server may answer from several threads). A value larger than the
    whole budget is not kept.
    """

    def __init__(self, budget: int, size_of: Callable[[V], int]) -> None:
        self.budget = budget
        self.size_of = size_of
        self.size = 0
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> None:
        size = self.size_of(value)
        if size > self.budget:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= self.size_of(old)
            self._entries[key] = value
            self.size += size
            while self.size > self.budget:
                _, dropped = self._entries.popitem(last=False)
                self.size -= self.size_of(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0
