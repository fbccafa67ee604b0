"""Run the differential checks against a scanner built with AddressSanitizer and UBSan.

``python -m tests.logparse.sanitized_scan LIBRARY`` (with the sanitizer runtimes in
LD_PRELOAD, as test_native_sanitizers.py starts it): any out-of-bounds read or write,
use after free or undefined behaviour in the C sources aborts the process with a report.
"""

from __future__ import annotations

import ctypes
import gzip
import sys

import numpy as np

from stats.logparse.native import build
from stats.logparse.native.string_map import StringMap
from stats.services.fact_encoding import encode_facts
from tests.logparse.test_native_scanner import (
    FIXTURES,
    _assert_same,
    _both,
    _fuzzed_log,
    _rules,
)
from tests.logparse.test_string_map import exercise

_LINE = b'192.0.2.1 - - [01/Jul/1995:00:00:01 -0400] "GET /pkg/1.0/a.tgz HTTP/1.0" 200 1 "-" "R"\n'
_EDGES = [
    b"x",
    b"\n",
    b"\r",
    b"\\",
    b'"',
    b"a b c [",
    b'a b c [01/Jan/2000:00:00:00 +0000] "',
    b'a b c [01/Jan/2000:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "',
    b'a b c [01/Jan/2000:00:00:00 +0000] "GET /\\',
    b"\xff" * 10,
    b"a" * 100_000,
    _LINE * 50 + b"\xff\n" * 20_000 + b"x\n" * 20_000 + _LINE * 50,  # a second pass
    b"\r\n" * 70_000,
]


def main(library: str) -> None:
    loaded = build.with_result_types(ctypes.CDLL(library))
    build._load = lambda: loaded  # type: ignore[assignment]
    checked = 0
    for seed in range(40):
        data = _fuzzed_log(seed, 2_000)
        for piece in (data, data[: len(data) // 3], data[:-1]):  # cut anywhere
            _assert_same(*_both(piece, _rules("Europe/Paris")))
            checked += 1
    for name in ("elastic_apache_logs.log.gz", "nasa_jul95_xaa.log.gz"):
        reference, native = _both(gzip.decompress((FIXTURES / name).read_bytes()), _rules())
        _assert_same(reference, native)
        # The facts' bitmaps (roaring.c) too.
        tables = native.tables
        clients = np.arange(tables.digests.len()) * 7
        packages = {p: i for i, p in enumerate(tables.counts.get_column("package").unique())}
        days = encode_facts(tables, client_ids=clients, package_ids=packages)
        assert sum(day.packages for day in days) == len(tables)
        checked += 1
    for edge in _EDGES:
        for ending in (b"", b"\n"):
            for before in (b"", _LINE * 3):  # alone, and as the last line of a shard
                _assert_same(*_both(before + edge + ending, _rules()))
                checked += 1
    exercise(StringMap)  # string_map.c
    checked += 1
    print(f"sanitized scans: {checked}")


if __name__ == "__main__":
    main(sys.argv[1])
