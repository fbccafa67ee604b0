"""Writing demo lines to files: per month or K equal shares, plain or gzip.

Compression runs in a background thread (zlib releases the GIL), so gzip output costs
little more wall time than plain output. Gzip headers carry no name and mtime 0, so the
same lines always give the same bytes.
"""

from __future__ import annotations

import gzip
import queue
import threading
from datetime import date
from pathlib import Path
from typing import BinaryIO

GZIP_LEVEL = 6
FLUSH_LINES = 8192


class _Writer(threading.Thread):
    """Writes (handle, bytes) in order; (handle, None) closes the handle and its file."""

    def __init__(self) -> None:
        super().__init__(name="demo-log-writer", daemon=True)
        self.jobs: queue.Queue[tuple[BinaryIO, BinaryIO, bytes | None] | None] = queue.Queue(8)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (job := self.jobs.get()) is not None:
            handle, raw, data = job
            if self.error is not None:
                continue
            try:
                if data is None:
                    handle.close()
                    if raw is not handle:
                        raw.close()
                else:
                    handle.write(data)
            except BaseException as exc:  # noqa: BLE001 - re-raised by LogSink.finish
                self.error = exc


class LogSink:
    """Files named access-YYYY-MM.log (per month) or access-NNN.log (``files`` shares)."""

    def __init__(self, directory: Path, *, lines: int, files: int | None, compress: bool) -> None:
        self.directory, self.compress = directory, compress
        self.paths: list[Path] = []
        self.written = 0
        self._handle: BinaryIO | None = None
        self._raw: BinaryIO | None = None
        self._buffer: list[str] = []
        self._month: tuple[int, int] | None = None
        self._bounds = [lines * k // files for k in range(1, files + 1)] if files else []
        self._writer = _Writer()
        self._writer.start()

    def add(self, day: date, lines: list[str]) -> None:
        """Lines of one hour of ``day``, in order."""
        if not self._bounds:
            if self._month != (day.year, day.month):
                self._month = (day.year, day.month)
                self._open(f"access-{day.year}-{day.month:02d}")
            self._put(lines)
            return
        if self._handle is None:
            self._open("access-001")
        while lines:
            room = self._bounds[len(self.paths) - 1] - self.written
            self._put(lines[:room])
            lines = lines[room:]
            if self.written == self._bounds[len(self.paths) - 1] and len(self.paths) < len(
                self._bounds
            ):
                self._open(f"access-{len(self.paths) + 1:03d}")

    def finish(self) -> None:
        """Close the last file, create any remaining (empty) shares, wait for the writer."""
        try:
            if self._bounds:
                if self._handle is None:
                    self._open("access-001")
                while len(self.paths) < len(self._bounds):
                    self._open(f"access-{len(self.paths) + 1:03d}")
            self._close()
        finally:
            self._writer.jobs.put(None)
            self._writer.join()
        if self._writer.error is not None:
            raise self._writer.error

    def _open(self, name: str) -> None:
        self._close()
        path = self.directory / (name + (".log.gz" if self.compress else ".log"))
        self._raw = self._handle = path.open("wb")
        if self.compress:
            self._handle = gzip.GzipFile(  # type: ignore[assignment]
                filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=GZIP_LEVEL
            )
        self.paths.append(path)

    def _put(self, lines: list[str]) -> None:
        self._buffer.extend(lines)
        self.written += len(lines)
        if len(self._buffer) >= FLUSH_LINES:
            self._flush()

    def _flush(self) -> None:
        if self._buffer and self._handle is not None and self._raw is not None:
            data = "".join(self._buffer).encode("utf-8")
            self._writer.jobs.put((self._handle, self._raw, data))
        self._buffer = []

    def _close(self) -> None:
        self._flush()
        if self._handle is not None and self._raw is not None:
            self._writer.jobs.put((self._handle, self._raw, None))
        self._handle = self._raw = None
