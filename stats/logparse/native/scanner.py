"""The line-level pass in C (scan.c), giving the same ``LineScan`` as the polars path.

The C pass decides every plain-ASCII line itself and hands back the lines it leaves
to the regex path (other bytes, escapes in the request, odd time stamps); those go
through ``scan_lines_polars`` with their line numbers and the two scans are joined.
Distinct hosts, paths and user agents come back once each with an id per row, so the
string columns are built by gathering, without a Python object per request.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np
import polars as pl

from stats.logparse.lines import (
    REQUESTS_SCHEMA,
    SAMPLE_CHARS,
    LineScan,
    NumberedLine,
    count_lines,
    scan_lines_polars,
)
from stats.logparse.native.arrays import pointing_at
from stats.logparse.native.build import load_library
from stats.logparse.rules import DownloadRules

_NO_AGENT = 0xFFFFFFFF
_DIGEST_BYTES = 16
_P = ctypes.c_void_p
_I = ctypes.c_int64


class _Out(ctypes.Structure):
    _fields_ = [
        ("row_line", _P),
        ("row_host", _P),
        ("row_path", _P),
        ("row_agent", _P),
        ("row_epoch", _P),
        ("rows", _I),
        ("deferred_start", _P),
        ("deferred_end", _P),
        ("deferred_line", _P),
        ("deferred", _I),
        ("malformed", _I),
        ("sample_cap", _I),
        ("samples", _I),
        ("sample_start", _P),
        ("sample_end", _P),
        ("sample_line", _P),
        ("first_start", _I),
        ("first_end", _I),
        ("first_line", _I),
        ("last_start", _I),
        ("last_end", _I),
        ("last_line", _I),
        ("lines", _I),
        ("host_text", _P),
        ("host_text_len", _I),
        ("hosts", _I),
        ("path_text", _P),
        ("path_text_len", _I),
        ("paths", _I),
        ("agent_text", _P),
        ("agent_text_len", _I),
        ("agents", _I),
        ("host_digests", _P),
    ]


class _Rules(ctypes.Structure):
    _fields_ = [
        ("prefilter", ctypes.c_char_p),
        ("prefilter_len", _I),
        ("any_text", ctypes.c_char_p),
        ("any_len", _I),
        ("methods", ctypes.c_char_p),
        ("methods_len", _I),
        ("status_ok", ctypes.c_char_p),
        ("client_key", ctypes.c_char_p),
        ("client_key_len", _I),
    ]


@dataclass(frozen=True)
class _RuleBytes:
    prefilter: bytes
    any_text: bytes
    methods: bytes
    status_ok: bytes
    client_key: bytes

    @classmethod
    def of(cls, rules: DownloadRules) -> _RuleBytes:
        flags = bytearray(1000)
        for status in rules.statuses:
            if 0 <= status < 1000:
                flags[status] = 1
        return cls(
            prefilter=(rules.prefilter or "").encode(),
            any_text=b"\0".join(s.encode() for s in rules.prefilter_any),
            methods=b"\0".join(m.encode() for m in sorted(rules.methods)),
            status_ok=bytes(flags),
            client_key=rules.client_key,
        )

    def structure(self) -> _Rules:
        return _Rules(
            self.prefilter,
            len(self.prefilter),
            self.any_text,
            len(self.any_text),
            self.methods,
            len(self.methods),
            self.status_ok,
            self.client_key,
            len(self.client_key),
        )


class _Buffers:
    """The arrays the C pass writes into: room for ``lines`` rows and deferred lines of a
    shard of ``size`` bytes (untouched room costs address space, not memory)."""

    def __init__(self, lines: int, size: int, sample_size: int) -> None:
        n = lines + 1
        self.row_line = np.empty(n, np.uint32)
        self.row_host = np.empty(n, np.uint32)
        self.row_path = np.empty(n, np.uint32)
        self.row_agent = np.empty(n, np.uint32)
        self.row_epoch = np.empty(n, np.int64)
        self.deferred_start = np.empty(n, np.int64)
        self.deferred_end = np.empty(n, np.int64)
        self.deferred_line = np.empty(n, np.uint32)
        self.sample_start = np.empty(sample_size + 1, np.int64)
        self.sample_end = np.empty(sample_size + 1, np.int64)
        self.sample_line = np.empty(sample_size + 1, np.uint32)
        self.host_text = np.empty(size + 1, np.uint8)
        self.path_text = np.empty(size + 1, np.uint8)
        self.agent_text = np.empty(size + 1, np.uint8)
        self.host_digests = np.empty(n * _DIGEST_BYTES, np.uint8)

    def structure(self, lines: int, sample_size: int) -> _Out:
        out = pointing_at(_Out, self)
        assert isinstance(out, _Out)
        out.lines = lines
        out.sample_cap = sample_size
        return out


def _values(name: str, text: np.ndarray, length: int) -> pl.Series:
    """The '\\n'-terminated values the C pass interned, in id order (split by polars)."""
    if not length:
        return pl.Series(name, [], dtype=pl.String)
    whole = pl.Series(name, [text[: length - 1].tobytes().decode("ascii")])
    return whole.str.split("\n").explode()


_BYTES_PER_LINE_GUESS = 48
"""Room for len(data) / 48 lines at first: access log lines are longer (120-250 bytes), and
the C pass says when a shard of short lines needs more, which are then counted."""


def scan_lines_native(data: bytes, rules: DownloadRules, *, sample_size: int) -> LineScan:
    """The line-level pass in C; raises NativeScannerUnavailable when it cannot run."""
    rule_bytes = _RuleBytes.of(rules)  # kept alive while C reads it
    room = len(data) // _BYTES_PER_LINE_GUESS + 64
    buffers, out, status = _run(data, rule_bytes, room, sample_size)
    if status == _NEEDS_ROOM:
        buffers, out, status = _run(data, rule_bytes, count_lines(data), sample_size)
    if status != 0:
        raise MemoryError("the native log scanner could not allocate its tables")
    scan = LineScan(
        lines=out.lines,
        malformed=out.malformed,
        malformed_samples=[
            (int(i), data[s:e].decode("ascii")[:SAMPLE_CHARS])
            for i, s, e in zip(
                buffers.sample_line[: out.samples],
                buffers.sample_start[: out.samples],
                buffers.sample_end[: out.samples],
                strict=True,
            )
        ],
        first_valid=_line(data, out.first_line, out.first_start, out.first_end),
        last_valid=_line(data, out.last_line, out.last_start, out.last_end),
        requests=_requests(buffers, out),
        hosts=_values("host", buffers.host_text, out.host_text_len),
        paths=_values("path", buffers.path_text, out.path_text_len),
        agents=_values("agent", buffers.agent_text, out.agent_text_len),
        host_digests=_digests(buffers.host_digests, out.hosts),
    )
    if out.deferred:
        _add_deferred(scan, data, buffers, out.deferred, rules, sample_size)
    return scan


_NEEDS_ROOM = -2


def _run(
    data: bytes, rule_bytes: _RuleBytes, room: int, sample_size: int
) -> tuple[_Buffers, _Out, int]:
    library = load_library()
    buffers = _Buffers(room, len(data), sample_size)
    out = buffers.structure(room, sample_size)
    c_rules = rule_bytes.structure()
    status = library.scan_lines(
        ctypes.c_char_p(data), _I(len(data)), ctypes.byref(c_rules), ctypes.byref(out)
    )
    return buffers, out, int(status)


def _digests(digests: np.ndarray, count: int) -> pl.Series:
    """The hosts' digests, cut from the C pass's array by polars (no bytes object each)."""
    blob = pl.lit(digests[: count * _DIGEST_BYTES].tobytes(), dtype=pl.Binary)
    offsets = pl.int_range(0, count, dtype=pl.Int64) * _DIGEST_BYTES
    return pl.select(client=blob.bin.slice(offsets, _DIGEST_BYTES)).to_series()


def _line(data: bytes, index: int, start: int, end: int) -> NumberedLine | None:
    return None if index < 0 else (index, data[start:end].decode("ascii"))


def _requests(buffers: _Buffers, out: _Out) -> pl.DataFrame:
    rows = out.rows
    if not rows:
        return pl.DataFrame(schema=REQUESTS_SCHEMA)
    agent_ids = pl.Series(buffers.row_agent[:rows])
    frame = pl.DataFrame(
        {
            "index": pl.Series(buffers.row_line[:rows]),
            "host_id": pl.Series(buffers.row_host[:rows]),
            "path_id": pl.Series(buffers.row_path[:rows]),
            "agent_id": agent_ids.set(agent_ids == _NO_AGENT, None),
            "epoch": pl.Series(buffers.row_epoch[:rows]),
        }
    )
    # No line text: a time the C pass could not read sends the line to the regex path.
    return frame.with_columns(line=pl.lit(None, dtype=pl.String)).cast(REQUESTS_SCHEMA)  # type: ignore[arg-type]


def _add_deferred(
    scan: LineScan,
    data: bytes,
    buffers: _Buffers,
    count: int,
    rules: DownloadRules,
    sample_size: int,
) -> None:
    """Run the regex path over the lines the C pass left to it and join the two scans."""
    view = memoryview(data)
    starts = buffers.deferred_start[:count].tolist()
    ends = buffers.deferred_end[:count].tolist()
    part = b"".join(view[s:e] for s, e in zip(starts, ends, strict=True))
    other = scan_lines_polars(
        part, rules, sample_size=sample_size, line_numbers=buffers.deferred_line[:count].tolist()
    )
    scan.deferred = count
    scan.malformed += other.malformed
    scan.malformed_samples = sorted(scan.malformed_samples + other.malformed_samples)[:sample_size]
    firsts = [x for x in (scan.first_valid, other.first_valid) if x is not None]
    lasts = [x for x in (scan.last_valid, other.last_valid) if x is not None]
    scan.first_valid = min(firsts) if firsts else None
    scan.last_valid = max(lasts) if lasts else None
    if other.requests.height:
        scan.hosts, host_ids, added = _merged_values(scan.hosts, other.hosts)
        scan.host_digests = pl.concat([scan.host_digests, other.host_digests.filter(added)])
        scan.paths, path_ids, _ = _merged_values(scan.paths, other.paths)
        scan.agents, agent_ids, _ = _merged_values(scan.agents, other.agents)
        renumbered = other.requests.with_columns(
            host_id=host_ids.gather(other.requests.get_column("host_id")),
            path_id=path_ids.gather(other.requests.get_column("path_id")),
            agent_id=agent_ids.gather(other.requests.get_column("agent_id")),
        )
        scan.requests = pl.concat([scan.requests, renumbered])


def _merged_values(values: pl.Series, more: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """``values`` followed by the (distinct) ``more`` it lacks; each of ``more``'s index in
    that, and which of ``more`` were added."""
    known = values.to_frame("value").with_row_index("id")
    found = more.to_frame("value").join(known, on="value", how="left", maintain_order="left")
    added = found.get_column("id").is_null()
    placed = found.select(
        pl.when(added).then(added.cum_sum() - 1 + values.len()).otherwise("id").cast(pl.UInt32)
    )
    new_values = found.filter(added).get_column("value").rename(values.name)
    return pl.concat([values, new_values]), placed.to_series(), added
