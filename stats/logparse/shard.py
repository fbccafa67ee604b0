"""Parse one shard of log bytes into a ShardResult.

The line-level pass (format check of every line, request fields, user agents) runs in
C when the native scanner is available and with polars' regex engine otherwise; both
give the same ``LineScan``, whose requests are ids into distinct hosts, paths and user
agents. Counting the downloads in it runs in C too (``native/counter.py``) or with
polars (``counting.py``), again with the same result; either way the download regex
runs once per distinct path and user agents and addresses are judged once each.
"""

from __future__ import annotations

from enum import StrEnum

from stats.logparse.counting import count_downloads_polars
from stats.logparse.formats import line_time
from stats.logparse.lines import LineScan, count_lines, scan_lines_polars
from stats.logparse.native import native_available, scan_lines_native
from stats.logparse.native.counter import count_downloads_native
from stats.logparse.result import ShardResult
from stats.logparse.rules import DownloadRules

__all__ = ["Counting", "Scanner", "count_lines", "parse_shard", "scan_lines"]


class Counting(StrEnum):
    """Which counting of the scanned requests to run."""

    AUTO = "auto"
    """In C when the native library can be built here, else polars."""
    NATIVE = "native"
    POLARS = "polars"


class Scanner(StrEnum):
    """Which line-level pass to run."""

    AUTO = "auto"
    """The native scanner when it can be built here, else polars."""
    NATIVE = "native"
    POLARS = "polars"


def scan_lines(
    data: bytes, rules: DownloadRules, *, sample_size: int, scanner: Scanner = Scanner.AUTO
) -> LineScan:
    """The line-level pass of ``scanner`` (NATIVE raises NativeScannerUnavailable)."""
    if scanner is Scanner.NATIVE or (scanner is Scanner.AUTO and native_available()):
        return scan_lines_native(data, rules, sample_size=sample_size)
    return scan_lines_polars(data, rules, sample_size=sample_size)


def parse_shard(
    data: bytes,
    rules: DownloadRules,
    *,
    sample_size: int = 20,
    scanner: Scanner = Scanner.AUTO,
    counting: Counting = Counting.AUTO,
) -> ShardResult:
    """Count the downloads in ``data`` (whole lines) under ``rules``."""
    if not data:
        return ShardResult()
    scan = scan_lines(data, rules, sample_size=sample_size, scanner=scanner)
    result = ShardResult(
        lines=scan.lines,
        malformed=scan.malformed,
        malformed_samples=[text for _, text in scan.malformed_samples],
    )
    if scan.first_valid is not None and scan.last_valid is not None:
        result.first_line_at = line_time(scan.first_valid[1].encode())
        result.last_line_at = line_time(scan.last_valid[1].encode())
    if scan.requests.height:
        if counting is Counting.NATIVE or (counting is Counting.AUTO and native_available()):
            count_downloads_native(scan, rules, result, sample_size)
        else:
            count_downloads_polars(scan, rules, result, sample_size)
    return result
