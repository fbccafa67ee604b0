"""The line-level pass of a shard with polars' regex engine: the exact reference path.

Every line is checked against the log format in one pass of a compiled automaton (so
malformed lines are counted exactly); only the lines that can be downloads are then
split into fields. The native scanner (``stats.logparse.native``) gives the same
``LineScan`` for the lines it can decide and hands the others to this module.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from stats.logparse.clients import client_digests
from stats.logparse.fields import request_fields
from stats.logparse.formats import AGENT_FIELD, TIME_FORMAT, VALID_LINE
from stats.logparse.result import ColumnType
from stats.logparse.rules import DownloadRules

SAMPLE_CHARS = 500
"""Characters of a malformed line kept as its sample."""

REQUESTS_SCHEMA: dict[str, ColumnType] = {
    "index": pl.UInt32,
    "host_id": pl.UInt32,
    "path_id": pl.UInt32,
    "agent_id": pl.UInt32,
    "epoch": pl.Int64,
    "line": pl.String,
}
"""Requests that may be downloads: line index; the client address, path and user agent
as indexes into ``LineScan.hosts``, ``.paths`` and ``.agents`` (no agent: null); the
time in seconds since 1970 UTC (null when it does not parse or falls outside
EPOCH_MIN..EPOCH_END); and the line itself where a sample may be needed (null where it
cannot)."""

NumberedLine = tuple[int, str]
"""(line index in the shard, the line's text)"""


@dataclass
class LineScan:
    """What the line-level pass found: counts, samples, the first and last valid lines,
    and the requests whose method, status and path may make them downloads."""

    lines: int
    malformed: int
    malformed_samples: list[NumberedLine]
    first_valid: NumberedLine | None
    last_valid: NumberedLine | None
    requests: pl.DataFrame
    hosts: pl.Series = field(default_factory=lambda: pl.Series("host", [], dtype=pl.String))
    """Distinct client addresses of the requests; ``host_id`` indexes it."""
    host_digests: pl.Series = field(
        default_factory=lambda: pl.Series("client", [], dtype=pl.Binary)
    )
    """The keyed digest of each of ``hosts`` (``client_digest``), in the same order."""
    paths: pl.Series = field(default_factory=lambda: pl.Series("path", [], dtype=pl.String))
    """Distinct request paths; ``path_id`` indexes it."""
    agents: pl.Series = field(default_factory=lambda: pl.Series("agent", [], dtype=pl.String))
    """Distinct user agents; ``agent_id`` indexes it."""
    deferred: int = 0
    """Lines the native pass left to the regex path (0 on the polars path)."""


def count_lines(data: bytes) -> int:
    """Lines in a chunk: newlines, plus a last line without one."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


_NUL = b"\x00"
_REPLACEMENT = "\ufffd".encode()
_BOM = "\ufeff".encode()

EPOCH_MIN = 0
"""1970-01-01 00:00 UTC: times before it (and from ``EPOCH_END`` on) count as times that
do not parse. Outside, days need not be dates Python holds (year 0, year 10000), and the
two zone databases in use (polars' chrono-tz for the polars counting, the system's for
``zones.py``) disagree: older history differs between their versions, and chrono-tz has
no transitions after 2099."""
EPOCH_END = 4_102_444_800
"""2100-01-01 00:00 UTC."""


def lines_frame(data: bytes) -> pl.DataFrame:
    """One row per line (split on newlines only, a CR before one dropped, empty lines
    null, undecodable bytes replaced by U+FFFD).

    A NUL byte becomes U+FFFD too: it is read_csv's separator here (no column splits),
    PostgreSQL stores no NUL in text or JSON, and the line keeps its shape (both are
    non-space characters that no fixed part of the log format accepts).

    A byte order mark stays in its line wherever it is: read_csv drops one at the start
    of its input, and a shard (or the native pass's deferred lines) may start anywhere.
    """
    if _NUL in data:
        data = data.replace(_NUL, _REPLACEMENT)
    if data.startswith(_BOM):
        return _read_lines(b"\n" + data).slice(1)
    return _read_lines(data)


def _read_lines(data: bytes) -> pl.DataFrame:
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x00",
        quote_char=None,
        new_columns=["line"],
        schema={"line": pl.String},
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
    )


def scan_lines_polars(
    data: bytes,
    rules: DownloadRules,
    *,
    sample_size: int,
    line_numbers: Sequence[int] | None = None,
) -> LineScan:
    """The line-level pass over ``data`` (whole lines).

    ``line_numbers`` gives each line's index in the shard it came from, when ``data``
    holds only some of that shard's lines.
    """
    frame = lines_frame(data).with_columns(
        valid=pl.col("line").str.contains(VALID_LINE).fill_null(False)
    )
    if line_numbers is None:
        frame = frame.with_row_index("index")
    else:
        frame = frame.with_columns(index=pl.Series(line_numbers, dtype=pl.UInt32))
    valid_count = int(frame["valid"].sum())
    valid_rows = frame.filter(pl.col("valid")).select("index", "line")
    invalid_rows = frame.filter(~pl.col("valid")).head(sample_size).select("index", "line")
    scan = LineScan(
        lines=frame.height,  # equals count_lines(data), without a scan
        malformed=max(frame.height - valid_count, 0),
        malformed_samples=[(i, (s or "")[:SAMPLE_CHARS]) for i, s in invalid_rows.iter_rows()],
        first_valid=valid_rows.row(0) if valid_count else None,
        last_valid=valid_rows.row(-1) if valid_count else None,
        requests=pl.DataFrame(schema=REQUESTS_SCHEMA),
    )
    if not valid_count:
        return scan
    candidates = valid_rows.lazy()
    if rules.prefilter:
        candidates = candidates.filter(pl.col("line").str.contains(rules.prefilter, literal=True))
    if rules.prefilter_any:
        candidates = candidates.filter(pl.col("line").str.contains_any(list(rules.prefilter_any)))
    requests = (
        request_fields(candidates)
        .filter(
            pl.col("method").is_in(sorted(rules.methods))
            & pl.col("status").cast(pl.Int32, strict=False).is_in(sorted(rules.statuses))
        )
        .select(
            pl.col("index").cast(pl.UInt32),
            "host",
            "path",
            agent=pl.col("line").str.extract(AGENT_FIELD, 1),
            epoch=pl.col("time").str.to_datetime(TIME_FORMAT, strict=False).dt.epoch("s"),
            line="line",
        )
        .with_columns(  # outside 1970-2099 UTC: as a time that does not parse
            epoch=pl.when(pl.col("epoch").is_between(EPOCH_MIN, EPOCH_END, closed="left")).then(
                "epoch"
            )
        )
        .collect()
    )
    scan.hosts = requests.get_column("host").unique(maintain_order=True)
    scan.host_digests = pl.Series(
        "client", client_digests(rules.client_key, scan.hosts.to_list()), dtype=pl.Binary
    )
    scan.paths = requests.get_column("path").unique(maintain_order=True)
    scan.agents = requests.get_column("agent").drop_nulls().unique(maintain_order=True)
    for column, values in (("host", scan.hosts), ("path", scan.paths), ("agent", scan.agents)):
        numbered = values.to_frame(column).with_row_index(f"{column}_id")
        requests = requests.join(numbered, on=column, how="left", maintain_order="left")
    scan.requests = requests.select(*REQUESTS_SCHEMA).cast(REQUESTS_SCHEMA)  # type: ignore[arg-type]
    return scan
