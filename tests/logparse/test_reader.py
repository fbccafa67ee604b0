"""Segments: deterministic cuts at line boundaries, grown files, broken gzip."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from stats.logparse.reader import SegmentReader
from tests.logparse.memory import linux_only, resident_kib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"


def _nasa() -> bytes:
    return gzip.decompress((FIXTURES / "nasa_jul95_xaa.log.gz").read_bytes())


def test_segments_cover_the_file_in_whole_lines(tmp_path: Path) -> None:
    data = _nasa()
    plain = tmp_path / "a.log"
    plain.write_bytes(data)
    segments = list(SegmentReader(plain, segment_bytes=100_000))
    assert b"".join(s.data for s in segments) == data
    assert all(s.data.endswith(b"\n") for s in segments[:-1])
    assert all(s.end - s.start <= 100_000 for s in segments)
    assert [s.start for s in segments[1:]] == [s.end for s in segments[:-1]]


def test_gzip_and_plain_give_identical_segments(tmp_path: Path) -> None:
    data = _nasa()
    (tmp_path / "a.log").write_bytes(data)
    (tmp_path / "a.log.gz").write_bytes(gzip.compress(data))
    (tmp_path / "multi.gz").write_bytes(gzip.compress(data[:5000]) + gzip.compress(data[5000:]))
    ids = [
        [
            (s.start, s.end, s.content_hash)
            for s in SegmentReader(tmp_path / n, segment_bytes=64_000)
        ]
        for n in ("a.log", "a.log.gz", "multi.gz")
    ]
    assert ids[0] == ids[1] == ids[2]


def test_grown_file_keeps_old_segments_and_reads_only_the_new_part(tmp_path: Path) -> None:
    data = _nasa()
    path = tmp_path / "grow.log"
    cut = data.index(b"\n", 700_000) + 1
    path.write_bytes(data[:cut])
    first = list(SegmentReader(path, segment_bytes=100_000))
    path.write_bytes(data)
    again = list(
        SegmentReader(path, segment_bytes=100_000, known=[(s.end, s.content_hash) for s in first])
    )
    assert [s.known for s in again[: len(first)]] == [True] * len(first)
    assert not any(s.known for s in again[len(first) :])
    assert b"".join(s.data for s in again if not s.known) == data[cut:]


def test_replaced_file_is_cut_afresh(tmp_path: Path) -> None:
    data = _nasa()
    path = tmp_path / "r.log"
    path.write_bytes(data[:300_000])
    first = list(SegmentReader(path, segment_bytes=100_000))
    path.write_bytes(b"x" * 10 + data[10:])
    again = list(
        SegmentReader(path, segment_bytes=100_000, known=[(s.end, s.content_hash) for s in first])
    )
    assert not any(s.known for s in again)
    assert b"".join(s.data for s in again) == b"x" * 10 + data[10:]


def test_truncated_gzip_keeps_whole_lines_and_says_why(tmp_path: Path) -> None:
    data = _nasa()
    packed = gzip.compress(data)
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    segments = list(SegmentReader(path, segment_bytes=100_000))
    last = segments[-1]
    assert "truncated" in last.broken_reason
    assert not any(s.broken_reason for s in segments[:-1])
    read = b"".join(s.data for s in segments)
    assert read == data[: len(read)] and read.endswith(b"\n")
    assert len(read) > len(data) // 3
    assert 0 < last.dropped_tail_bytes < 400


def test_corrupt_gzip_keeps_what_was_readable(tmp_path: Path) -> None:
    data = _nasa()
    packed = bytearray(gzip.compress(data))
    middle = len(packed) // 2
    packed[middle : middle + 64] = bytes(64)
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(packed))
    segments = list(SegmentReader(path, segment_bytes=100_000))
    assert "corrupt" in segments[-1].broken_reason
    read = b"".join(s.data for s in segments)
    assert read[:200_000] == data[:200_000]  # everything before the damage is kept


def test_empty_file_has_no_segments(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert list(SegmentReader(path, segment_bytes=4096)) == []


def test_a_line_longer_than_a_segment_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    data = b"a" * 10_000 + b"\nshort\n"
    path.write_bytes(data)
    segments = list(SegmentReader(path, segment_bytes=4096))
    assert [s.data for s in segments] == [b"a" * 10_000 + b"\n", b"short\n"]


@pytest.mark.parametrize(
    "data",
    [
        b"one line without a newline",
        b"a\n" * 2048,  # exactly one segment of 4096 bytes
        b"a\n" * 2048 + b"b",  # one byte more, no newline
        b"x" * 4096 + b"\n" + b"y" * 9000,  # long lines, the last unterminated
        b"\n" * 5000,
        _nasa()[:150_000],
    ],
    ids=["unterminated", "exact", "one-more", "long-lines", "empty-lines", "nasa"],
)
def test_a_plain_file_is_cut_as_its_gzip_is(tmp_path: Path, data: bytes) -> None:
    """Plain files are read by ranges (reader._FileRanges), gzip ones from inflated pieces
    (reader._InflatedChunks): the same bytes give the same segments, data and identities
    either way."""
    (tmp_path / "p.log").write_bytes(data)
    (tmp_path / "p.log.gz").write_bytes(gzip.compress(data))
    plain, packed = (
        [(s.start, s.end, s.content_hash, s.data) for s in SegmentReader(p, segment_bytes=4096)]
        for p in (tmp_path / "p.log", tmp_path / "p.log.gz")
    )
    assert plain == packed
    assert b"".join(s[3] for s in plain) == data


def test_known_segments_of_a_plain_file_are_checked_not_taken(tmp_path: Path) -> None:
    data = _nasa()[:300_000]
    path = tmp_path / "m.log"
    path.write_bytes(data)
    first = list(SegmentReader(path, segment_bytes=100_000))
    known = [(s.end, s.content_hash) for s in first]
    again = list(SegmentReader(path, segment_bytes=100_000, known=known))
    assert [(s.known, s.data) for s in again] == [(True, b"")] * len(first)


@linux_only
def test_memory_stays_flat_however_long_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    line = b'192.0.2.1 - - [01/Jul/1995:00:00:01 -0400] "GET /a HTTP/1.0" 200 1\n'
    path.write_bytes(line * (32_000_000 // len(line)))  # 32 MB
    before = resident_kib()
    peak = 0
    for segment in SegmentReader(path, segment_bytes=1 << 20):
        assert segment.data.endswith(b"\n")
        peak = max(peak, resident_kib() - before)
    assert peak < 8 * 1024  # a few segments' worth, not the 32 MB read


def test_a_file_that_shrinks_while_read_ends_with_an_error(tmp_path: Path) -> None:
    """logrotate's copytruncate empties a log in place: the read stops with an OSError
    (reported for the file), neither a crash nor a short segment."""
    data = _nasa()[:400_000]
    path = tmp_path / "rotated.log"
    path.write_bytes(data)
    segments = iter(SegmentReader(path, segment_bytes=100_000))
    first = next(segments)
    assert first.start == 0 and data.startswith(first.data)
    with path.open("r+b") as handle:
        handle.truncate(150_000)
    with pytest.raises(OSError, match="shrank"):
        list(segments)


def test_a_line_of_several_read_sizes_is_kept_whole(tmp_path: Path) -> None:
    data = b"b\n" + b"a" * 3_500_000 + b"\nshort\n"  # longer than three 1 MiB reads
    (tmp_path / "p.log").write_bytes(data)
    (tmp_path / "p.log.gz").write_bytes(gzip.compress(data))
    for name in ("p.log", "p.log.gz"):
        segments = list(SegmentReader(tmp_path / name, segment_bytes=4096))
        assert [s.data for s in segments] == [b"b\n", b"a" * 3_500_000 + b"\n", b"short\n"]


def test_a_gzip_corrupt_from_its_start_ends_with_an_empty_segment_saying_why(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.log.gz"
    path.write_bytes(gzip.compress(b"x\n" * 1000)[:10] + b"garbage that is no deflate stream")
    segments = list(SegmentReader(path, segment_bytes=4096))
    assert [(s.start, s.end, s.data) for s in segments] == [(0, 0, b"")]
    assert "corrupt" in segments[0].broken_reason or "truncated" in segments[0].broken_reason
