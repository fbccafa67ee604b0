"""Cut a log file (plain or gzip) into segments of whole lines, with their identity.

A segment is a byte range of the decompressed stream plus the SHA-256 of its bytes.
Boundaries are deterministic, so the same content always gives the same segments;
known boundaries of an earlier ingestion of the same file can be followed so that a
file that grew yields its old segments unchanged and only the new part is new.
A truncated or corrupt gzip yields what was readable, up to the last whole line.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_GZIP_MAGIC = b"\x1f\x8b"
_READ_BYTES = 1 << 20
_SMALLEST_BLOCK = 64


@dataclass(frozen=True)
class Segment:
    """One piece of a log: whole lines, their position and their fingerprint."""

    source: str
    start: int
    end: int
    sha256: str
    data: bytes
    broken_reason: str = ""
    """Why the stream ended early (truncated/corrupt gzip); empty for a clean read."""
    dropped_tail_bytes: int = 0
    """Bytes of an incomplete last line cut off by a broken stream, not counted."""
    known: bool = False
    """True when this range was ingested before with the same content (no data)."""


class _Decompressed:
    """A readable stream of a file's content that remembers why it ended early."""

    def __init__(self, path: Path) -> None:
        self._file: BinaryIO = path.open("rb")
        self._gzip = self._file.read(2) == _GZIP_MAGIC
        self._file.seek(0)
        self._inflater = zlib.decompressobj(wbits=47) if self._gzip else None
        self._pending = b""
        self.broken_reason = ""

    def close(self) -> None:
        self._file.close()

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        if self._inflater is None:
            return self._file.read(size)
        while len(self._pending) < size and not self.broken_reason:
            if not self._inflate_more():
                break
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _inflate_more(self) -> bool:
        assert self._inflater is not None
        raw = self._file.read(_READ_BYTES)
        if not raw:
            if not self._inflater.eof:
                self.broken_reason = "gzip stream truncated (no end-of-stream marker)"
            return False
        try:
            self._inflate(raw)
        except zlib.error as exc:
            self.broken_reason = f"gzip stream corrupt: {exc}"
            return False
        return True

    def _inflate(self, raw: bytes) -> None:
        """Inflate ``raw``; on corruption, keep the output of every byte before it."""
        assert self._inflater is not None
        saved = self._inflater.copy()
        try:
            out = self._inflater.decompress(raw)
            while self._inflater.eof and self._inflater.unused_data:
                rest = self._inflater.unused_data  # a concatenated gzip member follows
                self._inflater = zlib.decompressobj(wbits=47)
                out += self._inflater.decompress(rest)
        except zlib.error:
            self._inflater = saved
            if len(raw) <= _SMALLEST_BLOCK:
                for i in range(len(raw)):  # byte by byte up to the damage
                    self._pending += self._inflater.decompress(raw[i : i + 1])
                return
            half = len(raw) // 2
            self._inflate(raw[:half])
            self._inflate(raw[half:])
            return
        self._pending += out


class SegmentReader:
    """Iterate over a file's segments.

    ``known`` lists (end offset, sha256) of segments ingested before, in order from 0.
    The reader cuts there first; a piece whose hash still matches is yielded with
    ``known=True``. At the first mismatch (the file was replaced) it forgets the rest
    and cuts regularly from that offset.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        segment_bytes: int,
        known: list[tuple[int, str]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.segment_bytes = segment_bytes
        self._known = list(known or [])

    def __iter__(self) -> Iterator[Segment]:
        stream = _Decompressed(self.path)
        try:
            yield from self._segments(stream)
        finally:
            stream.close()

    def _segments(self, stream: _Decompressed) -> Iterator[Segment]:
        offset = 0
        buf = b""
        eof = False

        def fill(size: int) -> None:
            nonlocal buf, eof
            while len(buf) < size and not eof:
                more = stream.read(max(size - len(buf), _READ_BYTES))
                if more:
                    buf += more
                else:
                    eof = True

        while True:
            if self._known:
                end, sha = self._known[0]
                length = end - offset
                fill(length)
                piece = buf[:length]
                if length > 0 and len(piece) == length and hashlib.sha256(piece).hexdigest() == sha:
                    self._known.pop(0)
                    buf = buf[length:]
                    yield Segment(str(self.path), offset, end, sha, b"", known=True)
                    offset = end
                    continue
                self._known.clear()
            fill(self.segment_bytes + 1)
            if not buf:
                return
            if eof and len(buf) <= self.segment_bytes:
                piece, buf, dropped = buf, b"", 0
                if stream.broken_reason:
                    cut = piece.rfind(b"\n") + 1
                    piece, dropped = piece[:cut], len(piece) - cut
                if piece or stream.broken_reason:
                    yield self._segment(offset, piece, stream.broken_reason, dropped)
                return
            cut = buf.rfind(b"\n", 0, self.segment_bytes) + 1
            while cut == 0:  # a line longer than a segment: take it whole
                newline = buf.find(b"\n", self.segment_bytes)
                if newline >= 0:
                    cut = newline + 1
                elif eof:
                    cut = len(buf)
                else:
                    fill(len(buf) + _READ_BYTES)
            piece, buf = buf[:cut], buf[cut:]
            yield self._segment(offset, piece, "", 0)
            offset += len(piece)

    def _segment(self, offset: int, piece: bytes, reason: str, dropped: int) -> Segment:
        return Segment(
            source=str(self.path),
            start=offset,
            end=offset + len(piece),
            sha256=hashlib.sha256(piece).hexdigest(),
            data=piece,
            broken_reason=reason,
            dropped_tail_bytes=dropped,
        )
