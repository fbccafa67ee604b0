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
from tests.logparse.test_native_scanner import (
    FIXTURES,
    _assert_same,
    _both,
    _fuzzed_log,
    _rules,
)


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


def test_times_outside_1970_to_2099_utc_are_malformed_not_fatal() -> None:
    """Year 0 (read by the regex path) and 31 Dec 9999 at -0100 (year 10000 in UTC) gave
    days Python cannot hold: the C counter's zone table raised OverflowError and the polars
    counting kept facts in years 0 and 10000. Outside 1970-2099 the two zone databases
    disagree: polars' has no transitions after 2099 (Lord Howe in May 2100: +11 for it,
    +10:30 for the system's, the 11th against the 10th), and older history differs
    (Dakar on 1 Jan 1900 at 01:00 UTC: the 1st against 31 Dec 1899). Both paths now count
    such lines as malformed."""
    template = '192.0.2.1 - - [{}] "GET /pkg/1.0/a.tgz HTTP/1.0" 200 1 "-" "R"\n'
    times = (
        "30/Sep/0000:23:00:60 -2359",
        "31/Dec/9999:23:59:59 -0100",
        "11/May/2100:03:09:47 +1345",
        "01/Jan/2100:00:00:00 +0000",  # the first time refused
        "01/Jan/1900:01:00:00 +0000",
        "01/Jan/1970:00:59:59 +0100",  # 1969 in UTC
        "01/Jan/1970:01:00:00 +0100",  # counted
        "31/Dec/2099:12:00:00 +0100",  # counted
    )
    data = "".join(template.format(t) for t in times).encode()
    for zone in ("Australia/Lord_Howe", "Africa/Dakar"):
        for reference, native in (_counted(data, _rules(zone)), _both(data, _rules(zone))):
            _assert_same(reference, native)
            assert (native.lines, native.malformed, native.downloads) == (8, 6, 2)
            assert sorted(day.year for _c, _p, day in native.facts) == [1970, 2099]


def test_samples_of_unreadable_times_are_the_first_lines() -> None:
    """The regex path's request rows come plain requests first: the C counter kept the
    first sample_size invalid rows in row order (line 1 here), not line order (line 0)."""
    data = (
        b'192.0.2.1 - - [32/Jul/1995:00:00:01 -0400] "GET /pkg/1.0/a.tgz" 200 1\n'
        b'192.0.2.1 - - [32/Jul/1995:00:00:01 -0400] "GET /pkg/1.0/b.tgz HTTP/1.0" 200 1\n'
    )
    results = [
        parse_shard(data, _rules(), sample_size=1, scanner=scanner, counting=counting)
        for scanner in (Scanner.POLARS, Scanner.NATIVE)
        for counting in (Counting.POLARS, Counting.NATIVE)
    ]
    for result in results:
        assert (result.lines, result.malformed, result.downloads) == (2, 2, 0)
        assert result.malformed_samples == [data.decode().split("\n")[0]]
