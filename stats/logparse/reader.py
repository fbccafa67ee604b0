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
import mmap
from collections import deque
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path

# zlib-ng: the zlib API (decompressobj, copy, eof, unused_data), inflating twice as fast.
from zlib_ng import zlib_ng as zlib

from stats.logparse.content_hash import HashAlgorithm, content_hash, hash_matches, parts_match

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
    """A readable stream of a file's content that remembers why it ended early."""

    def __init__(self, path: Path) -> None:
        self._file: io.BufferedReader = path.open("rb")
        self._gzip = self._file.read(2) == _GZIP_MAGIC
        self._file.seek(0)
        self._inflater = zlib.decompressobj(wbits=47) if self._gzip else None
        # Inflated bytes not read yet: whole chunks as inflated (no joining, no shifting),
        # and how far the first one has been read.
        self._pending: deque[bytes] = deque()
        self._pending_size = 0
        self._first_read = 0
        self.broken_reason = ""

    @property
    def is_gzip(self) -> bool:
        return self._gzip

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` from the stream; fewer bytes only at the end of the stream."""
        if self._inflater is None:
            return self._file.readinto(view)
        while self._pending_size < len(view) and not self.broken_reason:
            if not self._inflate_more():
                break
        count = min(len(view), self._pending_size)
        filled = 0
        while filled < count:
            chunk = self._pending[0]
            take = min(len(chunk) - self._first_read, count - filled)
            with memoryview(chunk) as whole:
                view[filled : filled + take] = whole[self._first_read : self._first_read + take]
            filled += take
            self._first_read += take
            if self._first_read == len(chunk):
                self._pending.popleft()
                self._first_read = 0
        self._pending_size -= count
        return count

    def next_chunk(self) -> bytes:
        """The next piece of inflated bytes, as inflate gave it; b"" at the end."""
        while not self._pending and not self.broken_reason and self._inflate_more():
            pass
        if not self._pending:
            return b""
        chunk = self._pending.popleft()
        if self._first_read:
            chunk, self._first_read = chunk[self._first_read :], 0
        self._pending_size -= len(chunk)
        return chunk

    def _keep(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            if chunk:
                self._pending.append(chunk)
                self._pending_size += len(chunk)

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
        mapped = None if stream.is_gzip else _MappedFile.open(stream)
        buf = mapped or (_InflatedChunks(stream) if stream.is_gzip else _Buffer(stream))
        try:
            yield from self._segments(stream, buf)
        finally:
            if mapped is not None:
                mapped.close()
            stream.close()

    def _segments(
        self, stream: _Decompressed, buf: _Buffer | _MappedFile | _InflatedChunks
    ) -> Iterator[Segment]:
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
            if not buf.size:
                return
            if buf.eof and buf.size <= self.segment_bytes:
                cut, dropped = buf.size, 0
                if stream.broken_reason:
                    cut = buf.rfind(b"\n", buf.size) + 1
                    dropped = buf.size - cut
                if cut or stream.broken_reason:
                    yield self._segment(offset, buf.take(cut), stream.broken_reason, dropped)
                return
            cut = buf.rfind(b"\n", self.segment_bytes) + 1
            while cut == 0:  # a line longer than a segment: take it whole
                newline = buf.find(b"\n", self.segment_bytes)
                if newline >= 0:
                    cut = newline + 1
                elif buf.eof:
                    cut = buf.size
                else:
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


class _Buffer:
    """Bytes read ahead of the current offset, in one reused bytearray.

    The stream reads straight into it and each segment is copied out once, so a 30 MiB
    segment costs one allocation instead of several (each a round of page faults).
    """

    def __init__(self, stream: _Decompressed) -> None:
        self._stream = stream
        self._data = bytearray()
        self.size = 0
        self.eof = False

    def fill(self, size: int) -> None:
        """Read until at least ``size`` bytes are held or the stream ends."""
        if len(self._data) < size:
            self._data.extend(bytes(size - len(self._data)))
        while self.size < size and not self.eof:
            with memoryview(self._data) as view:
                count = self._stream.readinto(view[self.size : size])
            if count:
                self.size += count
            else:
                self.eof = True

    def matches(self, end: int, identity: str) -> bool:
        """Whether the first ``end`` bytes have the tagged hash ``identity``."""
        with memoryview(self._data) as view, view[:end] as head:
            return hash_matches(head, identity)

    def find(self, sub: bytes, start: int) -> int:
        return self._data.find(sub, start, self.size)

    def rfind(self, sub: bytes, end: int) -> int:
        return self._data.rfind(sub, 0, min(end, self.size))

    def take(self, count: int) -> bytes:
        """The first ``count`` bytes, removed from the buffer."""
        with memoryview(self._data) as view:
            out = bytes(view[:count])
        self.drop(count)
        return out

    def drop(self, count: int) -> None:
        rest = self.size - count
        self._data[:rest] = self._data[count : self.size]
        self.size = rest


class _MappedFile:
    """A plain file's bytes ahead of the current offset, as ``_Buffer`` offers them, but
    mapped instead of read: each segment is copied once, from the page cache, instead of
    read into a buffer and copied out of it (0.04 s less per 200 MB)."""

    def __init__(self, mapped: mmap.mmap) -> None:
        self._map = mapped
        self._position = 0
        self._released = 0
        self.size = 0
        self.eof = len(mapped) == 0

    @classmethod
    def open(cls, stream: _Decompressed) -> _MappedFile | None:
        """The stream's file mapped; None where it cannot be (empty, a pipe, ...)."""
        try:
            return cls(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        self._map.close()

    def fill(self, size: int) -> None:
        """Hold at least ``size`` bytes, or all that are left."""
        left = len(self._map) - self._position
        self.size = max(self.size, min(size, left))
        self.eof = self.size == left

    def matches(self, end: int, identity: str) -> bool:
        with memoryview(self._map) as view, view[self._position : self._position + end] as head:
            return hash_matches(head, identity)

    def find(self, sub: bytes, start: int) -> int:
        found = self._map.find(sub, self._position + start, self._position + self.size)
        return found - self._position if found >= 0 else -1

    def rfind(self, sub: bytes, end: int) -> int:
        stop = self._position + min(end, self.size)
        found = self._map.rfind(sub, self._position, stop)
        return found - self._position if found >= 0 else -1

    def take(self, count: int) -> bytes:
        out = self._map[self._position : self._position + count]
        self.drop(count)
        return out

    def drop(self, count: int) -> None:
        self._position += count
        self.size -= count
        self._release()

    def _release(self) -> None:
        """Unmap the pages behind the offset, so that the process's resident memory does
        not grow with the file (the page cache keeps them)."""
        done = self._position - self._position % mmap.PAGESIZE
        if done > self._released and hasattr(self._map, "madvise"):
            self._map.madvise(mmap.MADV_DONTNEED, self._released, done - self._released)
            self._released = done


class _InflatedChunks:
    """A gzip stream's bytes ahead of the current offset, as ``_Buffer`` offers them, but
    kept as the pieces inflate returned: a segment is joined from them, one copy instead
    of two (into a buffer, then out of it)."""

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
