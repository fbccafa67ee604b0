"""The C download counter against the polars counting, on the same scans.

Time zones with half- and quarter-hour offsets and DST (Lord Howe moves by 30 minutes),
mirrors by address and by user agent, bots, unknown packages, lines whose time does not
parse, and a segment of real traffic cut into shards.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from stats.logparse.native import scan_lines_native
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules, bioconductor_rules
from stats.logparse.shard import Counting, Scanner, parse_shard
from tests.demo.logformat import read_manifest
from tests.logparse.test_native_scanner import FIXTURES, _assert_same, _fuzzed_log, _rules


def _counted(data: bytes, rules: DownloadRules) -> tuple[ShardResult, ShardResult]:
    """Both countings of the same (C) scan."""
    results = [
        parse_shard(data, rules, sample_size=10_000, scanner=Scanner.NATIVE, counting=c)
        for c in (Counting.POLARS, Counting.NATIVE)
    ]
    return results[0], results[1]


@pytest.mark.parametrize(
    "timezone", ["UTC", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"]
)
def test_generated_log_over_dst_changes_counts_the_same(tmp_path: Path, timezone: str) -> None:
    from stats.demo.logs import DemoLogOptions, write_demo_logs

    options = DemoLogOptions(lines=40_000, seed=5, months=7, files=1)
    data = write_demo_logs(tmp_path, options).files[0].read_bytes()
    rules = bioconductor_rules(
        manifest=read_manifest(),
        client_key=b"k",
        timezone=timezone,
        bot_patterns=("Firefox/12",),
        mirror_patterns=(r"^1[0-9]\.", r"Windows NT 6"),
    )
    reference, native = _counted(data, rules)
    assert reference.downloads > 10_000 and reference.mirror_downloads > 100
    assert reference.bots > 0 and reference.unknown > 0
    _assert_same(reference, native)


@pytest.mark.parametrize("seed", range(4))
def test_lines_with_unreadable_times_are_malformed_in_both(seed: int) -> None:
    data = _fuzzed_log(seed, 4_000)
    reference, native = _counted(data, _rules("Pacific/Chatham"))
    assert reference.malformed > 0
    _assert_same(reference, native)


def test_shards_of_real_traffic_merge_to_the_same_facts() -> None:
    data = gzip.decompress((FIXTURES / "nasa_jul95_xaa.log.gz").read_bytes())
    cut = data.index(b"\n", len(data) // 2) + 1
    whole_reference, whole_native = _counted(data, _rules("Europe/London"))
    first, second = (
        _counted(data[:cut], _rules("Europe/London"))[1],
        _counted(data[cut:], _rules("Europe/London"))[1],
    )
    first.merge(second, sample_size=10_000)
    assert whole_native.downloads > 1_000
    _assert_same(whole_reference, whole_native)
    assert first.tables.as_dict() == whole_native.tables.as_dict()


def test_requests_without_downloads_count_nothing() -> None:
    line = b'192.0.2.1 - - [01/Jul/1995:00:00:01 -0400] "GET /nothing/here HTTP/1.0" 200 1\n'
    rules = DownloadRules(
        download_regex=r"^/never/(?P<package>\w+)",
        statuses=frozenset({200}),
        methods=frozenset({"GET"}),
    )
    reference, native = _counted(line * 10, rules)
    assert native.downloads == reference.downloads == 0
    assert len(native.tables) == 0
    assert scan_lines_native(line * 10, rules, sample_size=0).requests.height == 10
