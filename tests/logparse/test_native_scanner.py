"""The C line scanner and counter against the polars path: the same ShardResult, field
for field.

Real logs, generated Bioconductor logs, the malformed fixtures, and lines mutated at
random with the bytes that make log parsing hard (quotes, backslashes, brackets, tabs,
CR, NUL, non-ASCII spaces and digits, broken UTF-8).
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from stats.logparse.native import scan_lines_native
from stats.logparse.reader import SegmentReader
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules, bioconductor_rules
from stats.logparse.shard import Counting, Scanner, parse_shard
from tests.demo.logformat import read_manifest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
TOP_DIR = r"^/(?P<package>[A-Za-z0-9._-]+)/(?:(?P<version>[0-9][^/]*)/)?"
PACKAGES = ("images", "shuttle", "history", "software", "presentations", "files", "pkg")


def _rules(timezone: str = "UTC") -> DownloadRules:
    return DownloadRules(
        download_regex=TOP_DIR,
        statuses=frozenset({200, 206, 304}),
        methods=frozenset({"GET", "HEAD"}),
        manifest=dict.fromkeys(PACKAGES, ""),
        timezone=timezone,
        client_key=b"test-key",
        bot_patterns=("curl",),
        mirror_patterns=(r"^10\.",),
    )


def _both(data: bytes, rules: DownloadRules) -> tuple[ShardResult, ShardResult]:
    """The whole polars path (scan and counting) and the whole C path."""
    reference = parse_shard(
        data, rules, sample_size=10_000, scanner=Scanner.POLARS, counting=Counting.POLARS
    )
    native = parse_shard(
        data, rules, sample_size=10_000, scanner=Scanner.NATIVE, counting=Counting.NATIVE
    )
    return reference, native


def _assert_same(reference: ShardResult, native: ShardResult) -> None:
    for name in ("lines", "malformed", "downloads", "mirror_downloads", "bots", "unknown"):
        assert getattr(native, name) == getattr(reference, name), name
    assert native.first_line_at == reference.first_line_at
    assert native.last_line_at == reference.last_line_at
    assert native.malformed_samples == reference.malformed_samples
    assert native.unknown_names == reference.unknown_names
    assert native.tables.as_dict() == reference.tables.as_dict()


@pytest.mark.parametrize(
    ("name", "timezone"),
    [
        ("elastic_apache_logs.log.gz", "UTC"),
        ("nasa_jul95_xaa.log.gz", "America/New_York"),
        ("secrepo_access-2018-12-15.log.gz", "Asia/Kolkata"),
    ],
)
def test_real_logs_give_the_same_result(name: str, timezone: str) -> None:
    data = gzip.decompress((FIXTURES / name).read_bytes())
    reference, native = _both(data, _rules(timezone))
    assert reference.downloads > 0 or name.startswith("secrepo")
    _assert_same(reference, native)
    # The C pass decides nearly every line of real traffic itself.
    assert (
        scan_lines_native(data, _rules(timezone), sample_size=0).deferred <= reference.lines // 100
    )


def test_crlf_logs_are_decided_by_the_c_pass_too() -> None:
    """Logs written with CRLF endings (Windows servers, copies): one CR is dropped per line,
    as the polars path reads them; a lone CR elsewhere leaves the line to the regex path."""
    data = gzip.decompress((FIXTURES / "elastic_apache_logs.log.gz").read_bytes())
    crlf = data.replace(b"\n", b"\r\n") + b"\r\n\rstray CR\r\nunterminated last line\r"
    reference, native = _both(crlf, _rules())
    assert reference.lines == data.count(b"\n") + 3
    assert reference.downloads > 0
    _assert_same(reference, native)
    assert scan_lines_native(crlf, _rules(), sample_size=0).deferred == 1  # the stray CR


def test_shards_of_short_lines_are_counted_and_scanned_again() -> None:
    """The C pass starts with room for one line per 48 bytes; more lines than that (here
    2-byte lines left to the regex path, and short malformed ones) take a second pass."""
    line = (
        b'192.0.2.1 - - [01/Jul/1995:00:00:01 -0400] "GET /pkg/1.0/a.tgz HTTP/1.0" 200 1 "-" "R"\n'
    )
    data = line * 50 + b"\xff\n" * 20_000 + b"x\n" * 20_000 + line * 50
    reference, native = _both(data, _rules())
    assert (reference.lines, reference.downloads) == (40_100, 100)
    _assert_same(reference, native)
    assert scan_lines_native(data, _rules(), sample_size=0).deferred == 20_000


@pytest.mark.parametrize("path", sorted((FIXTURES / "malformed").iterdir()), ids=lambda p: p.name)
def test_malformed_fixtures_give_the_same_result(path: Path) -> None:
    data = b"".join(s.data for s in SegmentReader(path, segment_bytes=1 << 20))
    _assert_same(*_both(data, _rules()))


def test_generated_bioconductor_log_gives_the_same_result(tmp_path: Path) -> None:
    from stats.demo.logs import DemoLogOptions, write_demo_logs

    written = write_demo_logs(tmp_path, DemoLogOptions(lines=30_000, seed=3, months=2, files=1))
    data = written.files[0].read_bytes()
    rules = bioconductor_rules(manifest=read_manifest(), client_key=b"k", timezone="Europe/Paris")
    reference, native = _both(data, rules)
    assert reference.downloads > 5_000
    assert reference.bots > 0 and reference.unknown > 0 and reference.malformed > 0
    _assert_same(reference, native)


_BASE_LINES = (
    '10.0.0.{n} - - [{day:02d}/Jul/1995:{h:02d}:00:01 -0400] "GET /{pkg}/1.{n}/file.tgz HTTP/1.0" '
    '200 6245 "-" "R (4.{n}.0 x86_64-pc-linux-gnu)"',
    'host{n}.example.org - frank [{day:02d}/Jul/1995:{h:02d}:12:59 +0530] "GET /{pkg}/a.gif?x=1 '
    'HTTP/1.1" 304 -',
    '2001:db8::{n} - - [{day:02d}/Jul/1995:{h:02d}:59:59 +0000] "HEAD /{pkg}/x#frag HTTP/1.1" '
    '206 12 "http://ref/" "curl/8.{n}"',
    '192.168.1.{n} - - [{day:02d}/Jul/1995:{h:02d}:30:00 -1130] "GET /{pkg}/2.0/y.zip HTTP/1.1" '
    '200 99 "-" "Mozilla/5.0 (X11; \\"quoted\\") like Gecko" ',
)
_NASTY_ASCII = [
    '"',
    "\\",
    " ",
    "\t",
    "[",
    "]",
    "/",
    ":",
    "-",
    "+",
    "0",
    "9",
    "a",
    "Z",
    "?",
    "#",
    "\x0b",
    "\x0c",
    "\x1f",
    "\x7f",
    '\\"',
    '" "',
]
_NASTY = [*_NASTY_ASCII, "\r", "\x00", "é", "\u00a0", "\u0663", "\u2028"]
"""Mutations: printable ASCII ones the C pass decides, and bytes it leaves to the regex path."""


def _mutated(rng: random.Random, line: str, nasty: list[str]) -> str:
    chars = list(line)
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        position = rng.randrange(len(chars) + 1)
        action = rng.random()
        if action < 0.4 and chars:
            chars[min(position, len(chars) - 1)] = rng.choice(nasty)
        elif action < 0.7:
            chars.insert(position, rng.choice(nasty))
        elif chars:
            del chars[min(position, len(chars) - 1)]
    return "".join(chars)


def _fuzzed_log(seed: int, lines: int) -> bytes:
    """Odd seeds: any byte, CRLF endings, broken UTF-8; even seeds: printable ASCII only."""
    rng = random.Random(seed)
    any_byte = seed % 2 == 1
    out: list[bytes] = []
    for _ in range(lines):
        line = rng.choice(_BASE_LINES).format(
            n=rng.randrange(20),
            day=rng.choice((1, 13, 28, 29, 30, 31, 0, 32)),
            h=rng.choice((0, 12, 23, 24)),
            pkg=rng.choice((*PACKAGES, "unknown")),
        )
        if rng.random() < 0.02:
            line = line.replace("Jul", rng.choice(("jul", "JUL", "Foo", "Feb")))
        text = _mutated(rng, line, _NASTY if any_byte else _NASTY_ASCII).encode("utf-8")
        if any_byte and rng.random() < 0.01:
            text = text[: rng.randrange(len(text) + 1)] + b"\xff\xfe"
        out.append(text + (rng.choice((b"\n", b"\r\n")) if any_byte else b"\n"))
    data = b"".join(out)
    return data if seed % 2 else data.rstrip(b"\n")  # half of them end without a newline


@pytest.mark.parametrize("seed", range(8))
def test_fuzzed_lines_give_the_same_result(seed: int) -> None:
    data = _fuzzed_log(seed, 4_000)
    reference, native = _both(data, _rules("Pacific/Chatham"))
    assert reference.downloads > 0 and reference.malformed > 0
    _assert_same(reference, native)
    # Hosts of lines the C pass decided and of lines it left to the regex path share one
    # numbering: each address once, so a client is never counted under two ids.
    scan = scan_lines_native(data, _rules(), sample_size=0)
    assert scan.deferred and not scan.hosts.is_duplicated().any()
    assert scan.requests.get_column("host_id").max() < scan.hosts.len()


def test_escaped_requests_with_uncounted_statuses_are_decided_by_the_c_pass() -> None:
    """TLS handshakes sent to the HTTP port log as escaped bytes with status 400: no
    request fields are needed for them; a counted status leaves the line to the regex."""
    handshake = (
        b'192.0.2.7 - - [01/Jul/1995:00:00:09 -0400] "\\x16\\x03\\x01\\x00\\xf7" 400 226 "-" "-"\n'
    )
    escaped_download = (
        b'192.0.2.8 - - [01/Jul/1995:00:00:10 -0400] "GET /pkg/1.0/a\\"b.tgz HTTP/1.0" '
        b'200 1 "-" "R"\n'
    )
    data = handshake * 30 + escaped_download * 2 + handshake
    reference, native = _both(data, _rules())
    _assert_same(reference, native)
    assert reference.lines == 33 and reference.malformed == 0
    assert scan_lines_native(data, _rules(), sample_size=0).deferred == 2


def test_byte_order_marks_stay_in_their_lines() -> None:
    """A BOM is a character of its line wherever it is (read_csv drops one at the start of
    its input: the C pass's deferred lines began with it and lost it, polars kept it)."""
    line = b'192.0.2.1 - - [01/Jul/1995:00:00:01 -0400] "GET /pkg/1.0/a.tgz HTTP/1.0" 200 1 "-" "R"'
    bom = "\ufeff".encode()
    data = line + b"\n" + bom + line + b"\n" + bom + b"\n"
    reference, native = _both(data, _rules())
    _assert_same(reference, native)
    assert (native.lines, native.malformed, native.downloads) == (3, 1, 2)
    assert native.malformed_samples == ["\ufeff"]
    (facts,) = native.facts.values()
    assert len(facts.clients) == 2  # "192.0.2.1" and "\ufeff192.0.2.1"
    # At the very start of a shard too: the same line, the same clients.
    reference, native = _both(bom + line + b"\n" + line + b"\n", _rules())
    _assert_same(reference, native)
    (facts,) = native.facts.values()
    assert (native.downloads, len(facts.clients)) == (2, 2)


def test_an_escaped_quote_after_the_path_does_not_end_the_request() -> None:
    """REQUEST_FIELDS' path took the backslash of \\" and closed the request there: the
    404 line counted as a download of 'pkg' with the '200' inside its request, and the
    200 line was read with status 404 (rules whose regex does not anchor the path's end)."""
    data = (
        b'192.0.2.1 - - [01/Jul/1995:00:00:01 -0400] "GET /pkg/1.0/a\\" 200 x" 404 1\n'
        b'192.0.2.2 - - [01/Jul/1995:00:00:01 -0400] "GET /pkg/2.0/b\\" 404 x" 200 1\n'
    )
    reference, native = _both(data, _rules())
    _assert_same(reference, native)
    assert (native.lines, native.malformed, native.downloads) == (2, 0, 1)
    (facts,) = native.facts.values()
    assert facts.versions == {"2.0": 1}
