"""Cut a log file (plain or gzip) into segments of whole lines, with their identity.

A segment is a byte range of the decompressed stream plus a hash of its bytes
(``content_hash``).
Boundaries are deterministic, so the same content always gives the same segments;
known boundaries of an earlier ingestion of the same file can be followed so that a
file that grew yields its old segments unchanged and only the new part is new.
A truncated or corrupt gzip yields what was readable, up to the last whole line.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# zlib-ng: the zlib API (decompressobj, copy, eof, unused_data), inflating twice as fast.
from zlib_ng import zlib_ng as zlib

from stats.logparse.content_hash import HashAlgorithm, content_hash, parts_match

_INFLATE_ERROR: type[Exception] = zlib.error  # type: ignore[assignment]  # stubs say "object"

_GZIP_MAGIC = b"\x1f\x8b"
_READ_BYTES = 1 << 20
_INFLATE_INPUT_BYTES = 256 << 10
"""Compressed bytes per inflate call: ~2 MB out, which is still in the CPU's cache when it
is copied into the segment buffer (1 MiB in, ~8 MB out: inflate and copy 1.65x slower)."""
_SMALLEST_BLOCK = 64


@dataclass(frozen=True)
class Segment:
    """One piece of a log: whole lines, their position and their fingerprint."""

    source: str
    start: int
    end: int
    content_hash: str
    """The tagged hash of the bytes (``stats.logparse.content_hash``)."""
    data: bytes
    broken_reason: str = ""
    """Why the stream ended early (truncated/corrupt gzip); empty for a clean read."""
    dropped_tail_bytes: int = 0
    """Bytes of an incomplete last line cut off by a broken stream, not counted."""
    known: bool = False
    """True when this range was ingested before with the same content (no data)."""
    legacy_hash: str = ""
    """The SHA-256 identity as well, for a range that segments of that age have."""

    @property
    def identities(self) -> tuple[str, ...]:
        """Every identity an earlier ingestion of these bytes could have stored."""
        return (self.content_hash, self.legacy_hash) if self.legacy_hash else (self.content_hash,)


class _Decompressed:
    """A log file opened for reading: its descriptor, and for gzip the inflated pieces
    in order, remembering why the stream ended early."""

    def __init__(self, path: Path) -> None:
        self._file: io.BufferedReader = path.open("rb")
        self._gzip = self._file.read(2) == _GZIP_MAGIC
        self._file.seek(0)
        self._inflater = zlib.decompressobj(wbits=47) if self._gzip else None
        self._pending: deque[bytes] = deque()  # inflated, not handed out yet
        self.broken_reason = ""

    @property
    def is_gzip(self) -> bool:
        return self._gzip

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    def next_chunk(self) -> bytes:
        """The next piece of inflated bytes, as inflate gave it; b"" at the end."""
        while not self._pending and not self.broken_reason:
            if not self._inflate_more():
                break
        if not self._pending:
            return b""
        return self._pending.popleft()

    def _keep(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            if chunk:
                self._pending.append(chunk)

    def _inflate_more(self) -> bool:
        assert self._inflater is not None
        raw = self._file.read(_INFLATE_INPUT_BYTES)
        if not raw:
            if not self._inflater.eof:
                self.broken_reason = "gzip stream truncated (no end-of-stream marker)"
            return False
        try:
            self._inflate(raw)
        except _INFLATE_ERROR as exc:
            self.broken_reason = f"gzip stream corrupt: {exc}"
            return False
        return True

    def _inflate(self, raw: bytes) -> None:
        """Inflate ``raw``; on corruption, keep the output of every byte before it."""
        assert self._inflater is not None
        saved = self._inflater.copy()  # type: ignore[attr-defined]  # in zlib-ng, not its stubs
        try:
            out = [self._inflater.decompress(raw)]
            while self._inflater.eof and self._inflater.unused_data:
                rest = self._inflater.unused_data  # a concatenated gzip member follows
                self._inflater = zlib.decompressobj(wbits=47)
                out.append(self._inflater.decompress(rest))
        except _INFLATE_ERROR:
            self._inflater = saved
            if len(raw) <= _SMALLEST_BLOCK:
                for i in range(len(raw)):  # byte by byte up to the damage
                    self._keep([self._inflater.decompress(raw[i : i + 1])])
                return
            half = len(raw) // 2
            self._inflate(raw[:half])
            self._inflate(raw[half:])
            return
        self._keep(out)


class SegmentReader:
    """Iterate over a file's segments.

    ``known`` lists (end offset, tagged hash) of segments ingested before, in order
    from 0. The reader cuts there first; a piece whose hash still matches is yielded
    with ``known=True``. At the first mismatch (the file was replaced) it forgets the
    rest and cuts regularly from that offset. Pieces whose (start, end) is in
    ``legacy_ranges`` get their SHA-256 identity too (``Segment.legacy_hash``).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        segment_bytes: int,
        known: list[tuple[int, str]] | None = None,
        legacy_ranges: Container[tuple[int, int]] = frozenset(),
    ) -> None:
        self.path = Path(path)
        self.segment_bytes = segment_bytes
        self._known = list(known or [])
        self._legacy_ranges = legacy_ranges

    def __iter__(self) -> Iterator[Segment]:
        stream = _Decompressed(self.path)
        buf: _BytesAhead = _InflatedChunks(stream) if stream.is_gzip else _FileRanges(stream)
        try:
            yield from self._segments(stream, buf)
        finally:
            stream.close()

    def _segments(self, stream: _Decompressed, buf: _BytesAhead) -> Iterator[Segment]:
        offset = 0
        while True:
            if self._known:
                end, identity = self._known[0]
                length = end - offset
                buf.fill(length)
                if length > 0 and buf.size >= length and buf.matches(length, identity):
                    self._known.pop(0)
                    buf.drop(length)
                    yield Segment(str(self.path), offset, end, identity, b"", known=True)
                    offset = end
                    continue
                self._known.clear()
            buf.fill(self.segment_bytes + 1)
            if not buf.size and not stream.broken_reason:
                return  # a broken stream still ends with a segment that says why
            if buf.eof and buf.size <= self.segment_bytes:
                cut, dropped = buf.size, 0
                if stream.broken_reason:
                    cut = buf.rfind(b"\n", buf.size) + 1
                    dropped = buf.size - cut
                if cut or stream.broken_reason:
                    yield self._segment(offset, buf.take(cut), stream.broken_reason, dropped)
                return
            cut = buf.rfind(b"\n", self.segment_bytes) + 1
            searched = self.segment_bytes
            while cut == 0:  # a line longer than a segment: take it whole
                newline = buf.find(b"\n", searched)
                if newline >= 0:
                    cut = newline + 1
                elif buf.eof:
                    cut = buf.size
                else:
                    searched = buf.size  # what was searched is not read again
                    buf.fill(buf.size + _READ_BYTES)
            piece = buf.take(cut)
            yield self._segment(offset, piece, "", 0)
            offset += len(piece)
            del piece  # freed before the next one is taken, so its memory is reused

    def _segment(self, offset: int, piece: bytes, reason: str, dropped: int) -> Segment:
        end = offset + len(piece)
        legacy = (offset, end) in self._legacy_ranges
        return Segment(
            source=str(self.path),
            start=offset,
            end=end,
            content_hash=content_hash(piece),
            data=piece,
            broken_reason=reason,
            dropped_tail_bytes=dropped,
            legacy_hash=content_hash(piece, HashAlgorithm.SHA256) if legacy else "",
        )


class _BytesAhead(Protocol):
    """The bytes of a file from the current offset on, as the segment cutter reads them:
    ``fill`` makes at least that many available (``size``) or all that are left
    (``eof``); positions are relative to the current offset, which ``take`` and ``drop``
    advance."""

    size: int
    eof: bool

    def fill(self, size: int) -> None: ...

    def matches(self, end: int, identity: str) -> bool: ...

    def find(self, sub: bytes, start: int) -> int: ...

    def rfind(self, sub: bytes, end: int) -> int: ...

    def take(self, count: int) -> bytes: ...

    def drop(self, count: int) -> None: ...


class _FileRanges:
    """A plain file's ``_BytesAhead``, read only when a segment is taken, straight into
    its bytes (``os.pread``): one copy from the page cache instead of two (into a buffer,
    then out of it), 0.04-0.1 s less per 200 MB. Newlines are looked for in small windows
    around the cut.

    Not a memory map: a log truncated while it is read (logrotate's copytruncate) would
    kill the process with SIGBUS; here it ends the file with an OSError instead.
    """

    _WINDOW = 1 << 16

    def __init__(self, stream: _Decompressed) -> None:
        self._fd = stream.fileno()
        self._length = os.fstat(self._fd).st_size  # what the file holds now; more is next time
        self._position = 0
        self.size = 0
        self.eof = self._length == 0

    def fill(self, size: int) -> None:
        """Hold at least ``size`` bytes, or all that are left."""
        left = self._length - self._position
        self.size = max(self.size, min(size, left))
        self.eof = self.size == left

    def _read(self, start: int, count: int) -> bytes:
        data = os.pread(self._fd, count, self._position + start)
        if len(data) != count:
            raise OSError(f"the file shrank while it was read (at byte {self._position + start})")
        return data

    def _windows(self, start: int, stop: int) -> Iterator[bytes]:
        for at in range(start, stop, self._WINDOW):
            yield self._read(at, min(self._WINDOW, stop - at))

    def matches(self, end: int, identity: str) -> bool:
        return parts_match(self._windows(0, end), identity)

    def find(self, sub: bytes, start: int) -> int:
        assert len(sub) == 1  # a newline: no match spans two windows
        for at in range(start, self.size, self._WINDOW):
            found = self._read(at, min(self._WINDOW, self.size - at)).find(sub)
            if found >= 0:
                return at + found
        return -1

    def rfind(self, sub: bytes, end: int) -> int:
        assert len(sub) == 1
        stop = min(end, self.size)
        while stop > 0:
            at = max(stop - self._WINDOW, 0)
            found = self._read(at, stop - at).rfind(sub)
            if found >= 0:
                return at + found
            stop = at
        return -1

    def take(self, count: int) -> bytes:
        out = self._read(0, count)
        self.drop(count)
        return out

    def drop(self, count: int) -> None:
        self._position += count
        self.size -= count


class _InflatedChunks:
    """A gzip stream's ``_BytesAhead``, kept as the pieces inflate returned: a segment is
    joined from them, one copy instead of two (into a buffer, then out of it)."""

    def __init__(self, stream: _Decompressed) -> None:
        self._stream = stream
        self._chunks: deque[bytes] = deque()
        self._skip = 0  # bytes of the first chunk before the current offset
        self.size = 0
        self.eof = False

    def fill(self, size: int) -> None:
        """Inflate until at least ``size`` bytes are held or the stream ends."""
        while self.size < size and not self.eof:
            chunk = self._stream.next_chunk()
            if chunk:
                self._chunks.append(chunk)
                self.size += len(chunk)
            else:
                self.eof = True

    def _pieces(self) -> Iterator[tuple[int, bytes, int]]:
        """(position of the piece's first held byte, chunk, where in the chunk it is)."""
        position, skip = 0, self._skip
        for chunk in self._chunks:
            yield position, chunk, skip
            position += len(chunk) - skip
            skip = 0

    def _parts(self, end: int) -> Iterator[memoryview]:
        for position, chunk, skip in self._pieces():
            if position >= end:
                return
            with memoryview(chunk) as view:
                yield view[skip : skip + min(len(chunk) - skip, end - position)]

    def matches(self, end: int, identity: str) -> bool:
        return parts_match(self._parts(end), identity)

    def find(self, sub: bytes, start: int) -> int:
        assert len(sub) == 1  # a newline: no match spans two chunks
        for position, chunk, skip in self._pieces():
            stop = position + len(chunk) - skip
            if stop > start:
                found = chunk.find(sub, skip + max(start - position, 0))
                if found >= 0:
                    return position + found - skip
        return -1

    def rfind(self, sub: bytes, end: int) -> int:
        assert len(sub) == 1
        end = min(end, self.size)
        for position, chunk, skip in reversed(list(self._pieces())):
            if position < end:
                found = chunk.rfind(sub, skip, skip + end - position)
                if found >= 0:
                    return position + found - skip
        return -1

    def take(self, count: int) -> bytes:
        out = b"".join(self._parts(count))
        self.drop(count)
        return out

    def drop(self, count: int) -> None:
        self.size -= count
        count += self._skip
        while self._chunks and count >= len(self._chunks[0]):
            count -= len(self._chunks.popleft())
        self._skip = count
