"""The split-based request fields equal the REQUEST_FIELDS regex on every valid line."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from stats.logparse.fields import FIELD_NAMES, request_fields
from stats.logparse.formats import REQUEST_FIELDS, VALID_LINE
from stats.logparse.lines import lines_frame
from stats.logparse.reader import SegmentReader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
LOG_FILES = sorted(
    p.name
    for p in [*FIXTURES.glob("*.log*"), *(FIXTURES / "malformed").glob("*.log*")]
    if p.is_file()
)

T = "[15/Mar/2024:10:00:00 +0000]"
ODD_LINES = [
    f'10.0.0.1 - - {T} "GET /a/b.tar.gz HTTP/1.1" 200 12 "-" "R (4.4.1)"',
    f'10.0.0.1 - - {T} "GET /a/b.tar.gz?x=1#frag HTTP/1.1" 200 12 "-" "R"',
    f'10.0.0.1 - - {T} "GET /a/b#frag?x HTTP/1.1" 200 12',
    f'10.0.0.1 - - {T} "GET /a/b.tar.gz" 200 12 "-" "R"',  # HTTP/0.9: no protocol
    f'10.0.0.1 - - {T} "GET /a/b c.tar.gz HTTP/1.1" 200 12 "-" "R"',  # space in the path
    f'10.0.0.1 - - {T} "GET  /a/b.tar.gz HTTP/1.1" 200 12 "-" "R"',  # two spaces
    f'10.0.0.1 - - {T} "GET /a/b.tar.gz HTTP/1.1 extra" 200 12 "-" "R"',
    f'10.0.0.1 - - {T} "GET /a/\\"q\\".tar.gz HTTP/1.1" 200 12 "-" "R"',  # escaped quotes
    f'10.0.0.1 - - {T} "GET /a/b\\\\.tar.gz HTTP/1.1" 200 12 "-" "R"',  # escaped backslash
    f'10.0.0.1 - - {T} "GET /a/b.tar.gz HTTP/1.1\\"" 200 12 "-" "R"',
    f'10.0.0.1 - - {T} "GET /a/b\\" 404 x" 200 12 "-" "R"',  # \" after the path
    f'10.0.0.1 - - {T} "-" 400 0 "-" "-"',
    f'10.0.0.1 - - {T} "" 400 0 "-" "-"',
    f'10.0.0.1 - - {T} "get /a/b.tar.gz HTTP/1.1" 200 12 "-" "R"',  # lower-case method
    f'10.0.0.1 - - {T} "GET" 400 0 "-" "-"',
    f'10.0.0.1 - - {T} "G3T /a HTTP/1.1" 200 1',
    f'10.0.0.1 - - {T} "GET /ä/ü.tar.gz HTTP/1.1" 200 12 "-" "R"',  # non-ASCII
    f'10.0.0.1 - - {T} "GET /a\t/b.tar.gz HTTP/1.1" 200 12 "-" "R"',  # tab in the path
    f'10.0.0.1 - - {T} "GET /a/b.tar.gz HTTP/1.1" 200 - "-" "R" ',  # trailing space
    f'10.0.0.1 user-id frank {T} "GET /a/b.tar.gz HTTP/1.1" 304 -',
    f'2001:db8::1 - - {T} "HEAD /a/b.tar.gz HTTP/2.0" 200 0 "a \\"b\\" c" "d"',
    '10.0.0.1 - - [15/Mar/2024:10:00:99 -0830] "GET /a/b.tar.gz HTTP/1.1" 200 12',
]


def _valid(data: bytes) -> pl.DataFrame:
    frame = lines_frame(data).with_row_index("index")
    return frame.filter(pl.col("line").str.contains(VALID_LINE).fill_null(False))


def _assert_same(valid: pl.DataFrame) -> None:
    assert valid.height > 0
    expected = valid.select(
        "index", pl.col("line").str.extract_groups(REQUEST_FIELDS).alias("f")
    ).unnest("f")
    got = request_fields(valid.lazy()).collect().sort("index")
    assert got.columns == ["index", "line", *FIELD_NAMES]
    assert got.select("index", *FIELD_NAMES).equals(expected)


@pytest.mark.parametrize("name", LOG_FILES)
def test_split_fields_equal_the_regex_on_fixture_logs(name: str) -> None:
    path = FIXTURES / name if (FIXTURES / name).exists() else FIXTURES / "malformed" / name
    data = b"".join(s.data for s in SegmentReader(path, segment_bytes=1 << 30))
    _assert_same(_valid(data))


def test_split_fields_equal_the_regex_on_odd_requests() -> None:
    valid = _valid("\n".join(ODD_LINES).encode())
    assert valid.height == len(ODD_LINES)  # each one is a valid line, odd only inside
    _assert_same(valid)
