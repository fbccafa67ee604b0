"""Writing one segment while the next is parsed, where the database is a server.

PostgreSQL stores a segment's clients and facts in its own process, 0.3-0.5 s per
million log lines during which the ingesting process only waited. With one write in
flight, the next segment is read and parsed meanwhile; this process still does the
same work on one core, the server does its part on its own.

The write runs on the caller's own database connection, handed to one worker thread
and never used by both at once: it joins the caller's transaction exactly as an inline
write would. SQLite works inside this process, so it keeps writing inline (an overlap
would only move its work to a second core).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

T = TypeVar("T")


class SegmentWriter:
    """Runs writes one at a time, each after the previous one has finished."""

    def __init__(self, *, overlap: bool) -> None:
        self.overlap = overlap
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[Future[Any], Callable[[Any], None]] | None = None

    def __enter__(self) -> SegmentWriter:
        if self.overlap:
            self._connection.inc_thread_sharing()
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segment-writer")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.drain()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)  # a failed run's write ends before we return
                self._pool = None
                self._connection.dec_thread_sharing()

    def submit(self, write: Callable[[], T], done: Callable[[T], None]) -> None:
        """Run ``write`` once the previous write is over, then ``done`` with its result
        (in this thread). Inline without overlap; otherwise it runs while this returns."""
        self.drain()
        if self._pool is None:
            done(write())
            return
        self._pending = (self._pool.submit(self._on_connection, write), done)

    def drain(self) -> None:
        """Wait for the write in flight, if any; its error is raised here. Call it before
        this thread uses the database again."""
        if self._pending is None:
            return
        future, done = self._pending
        self._pending = None
        done(future.result())

    def _on_connection(self, write: Callable[[], T]) -> T:
        connections[DEFAULT_DB_ALIAS] = self._connection
        try:
            return write()
        finally:
            del connections[DEFAULT_DB_ALIAS]
