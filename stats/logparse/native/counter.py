"""Counting a scan's downloads in C (count.c): the same results as ``counting.py``.

Python decides what needs a regex or a list once per distinct value (download paths,
bot and mirror user agents, mirror addresses, the zone's offsets) and hands C tables
indexed by the scan's ids; C makes one pass over the request rows with hash tables.
"""

from __future__ import annotations

import ctypes
import re

import numpy as np
import polars as pl

from stats.logparse.bots import bot_detector
from stats.logparse.lines import SAMPLE_CHARS, LineScan
from stats.logparse.native.arrays import address, pointing_at
from stats.logparse.native.build import load_library
from stats.logparse.paths import download_paths
from stats.logparse.result import FactTables, ShardResult
from stats.logparse.rules import DownloadRules
from stats.logparse.zones import utc_offsets

_P = ctypes.c_void_p
_I = ctypes.c_int64
_NO_TIME = np.iinfo(np.int64).min
_BOT, _MIRROR = 1, 2


class _CountIn(ctypes.Structure):
    _fields_ = [
        ("row_path", _P),
        ("row_agent", _P),
        ("row_host", _P),
        ("row_epoch", _P),
        ("rows", _I),
        ("path_kind", _P),
        ("path_code", _P),
        ("path_version", _P),
        ("agent_flags", _P),
        ("host_mirror", _P),
        ("hosts", _I),
        ("zone_start", _P),
        ("zone_offset", _P),
        ("zones", _I),
    ]


class _CountOut(ctypes.Structure):
    _fields_ = [
        ("bots", _I),
        ("unknown", _P),
        ("invalid_time", _I),
        ("invalid_rows", _P),
        ("invalid_cap", _I),
        ("fact_code", _P),
        ("fact_day", _P),
        ("fact_downloads", _P),
        ("fact_mirror", _P),
        ("facts", _I),
        ("pair_fact", _P),
        ("pair_client", _P),
        ("pairs", _I),
        ("client_host", _P),
        ("clients", _I),
        ("version_fact", _P),
        ("version_code", _P),
        ("version_n", _P),
        ("versions", _I),
    ]


class _PathTables:
    """Per path id of the scan: download kind, code, version code (C arrays)."""

    def __init__(self, scan: LineScan, rules: DownloadRules) -> None:
        self.found = found = download_paths(scan.paths, rules)
        count = max(scan.paths.len(), 1)
        self.kind = np.zeros(count, np.uint8)
        self.kind[found.path_ids] = found.kind
        self.code = np.zeros(count, np.int32)
        self.code[found.path_ids] = found.code
        self.version = np.full(count, -1, np.int32)
        self.version[found.path_ids] = found.version_code


def count_downloads_native(
    scan: LineScan, rules: DownloadRules, result: ShardResult, sample_size: int
) -> None:
    """Add ``scan``'s downloads to ``result``; raises NativeScannerUnavailable."""
    library = load_library()
    requests = scan.requests
    if not requests.height:
        return
    paths = _PathTables(scan, rules)
    if not len(paths.found.path_ids):
        return
    row_path = _column(requests.get_column("path_id"), np.uint32)
    row_agent = _column(requests.get_column("agent_id").fill_null(scan.agents.len()), np.uint32)
    row_host = _column(requests.get_column("host_id"), np.uint32)
    row_epoch = _column(requests.get_column("epoch").fill_null(_NO_TIME), np.int64)
    downloads = paths.kind[row_path] != 0
    agent_flags = _agent_flags(
        scan.agents, _used(row_agent[downloads], scan.agents.len() + 1), rules
    )
    host_mirror = _host_mirrors(scan.hosts, _used(row_host[downloads], scan.hosts.len()), rules)
    epochs = row_epoch[downloads]
    starts, offsets = utc_offsets(rules.timezone, epochs[epochs != _NO_TIME])
    rows = requests.height
    count_in = _CountIn(
        *(address(a) for a in (row_path, row_agent, row_host, row_epoch)),
        rows,
        *(address(a) for a in (paths.kind, paths.code, paths.version, agent_flags)),
        address(host_mirror),
        scan.hosts.len(),
        address(starts),
        address(offsets),
        len(starts),
    )
    out = _Out(rows, scan.hosts.len(), paths.found.unknown_names.height)
    if library.count_downloads(ctypes.byref(count_in), ctypes.byref(out.structure)) != 0:
        raise MemoryError("the native download counter could not allocate its tables")
    out.add_to(result, scan, paths, requests, sample_size)


def _column(values: pl.Series, dtype: type[np.generic]) -> np.ndarray:
    """The column as one C array of ``dtype`` (a copy only where it is not one already)."""
    return np.ascontiguousarray(values.to_numpy(), dtype=dtype)


def _used(ids: np.ndarray, count: int) -> np.ndarray:
    """The distinct ``ids`` (each below ``count``), ascending: a mark per id, not a sort."""
    marked = np.zeros(max(count, 1), np.bool_)
    marked[ids] = True
    return np.flatnonzero(marked)


def _agent_flags(agents: pl.Series, used: np.ndarray, rules: DownloadRules) -> np.ndarray:
    """Bot and mirror flags per agent id, decided for the ``used`` ids only; the slot
    past the agents (lines without one) stays 0."""
    flags = np.zeros(agents.len() + 1, np.uint8)
    used = used[used < agents.len()]
    names = agents.gather(used).to_list()
    bots = bot_detector(rules.bot_patterns)
    mirror = _pattern(rules.mirror_patterns)
    for i, agent in zip(used.tolist(), names, strict=True):
        flag = _BOT if bots.is_bot(agent) else 0
        if mirror is not None and agent and mirror.search(agent):
            flag |= _MIRROR
        flags[i] = flag
    return flags


def _host_mirrors(hosts: pl.Series, used: np.ndarray, rules: DownloadRules) -> np.ndarray | None:
    mirror = _pattern(rules.mirror_patterns)
    if mirror is None:
        return None
    flags = np.zeros(max(hosts.len(), 1), np.uint8)
    for i, host in zip(used.tolist(), hosts.gather(used).to_list(), strict=True):
        flags[i] = bool(mirror.search(host))
    return flags


def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


class _Out:
    """The arrays C writes into, with room for every row."""

    def __init__(self, rows: int, hosts: int, unknown_names: int) -> None:
        self.unknown = np.zeros(max(unknown_names, 1), np.int64)
        # Room for every row: the rows are not in line order (the regex path's come after
        # the C pass's, plain requests first), and the samples are the first lines.
        self.invalid_rows = np.empty(rows + 1, np.int64)
        self.fact_code = np.empty(rows, np.int32)
        self.fact_day = np.empty(rows, np.int32)
        self.fact_downloads = np.empty(rows, np.int64)
        self.fact_mirror = np.empty(rows, np.int64)
        self.pair_fact = np.empty(rows, np.uint32)
        self.pair_client = np.empty(rows, np.uint32)
        self.client_host = np.empty(max(hosts, 1), np.uint32)
        self.version_fact = np.empty(rows, np.uint32)
        self.version_code = np.empty(rows, np.int32)
        self.version_n = np.empty(rows, np.int64)
        structure = pointing_at(_CountOut, self)
        assert isinstance(structure, _CountOut)
        self.structure = structure
        self.structure.invalid_cap = rows

    def add_to(
        self,
        result: ShardResult,
        scan: LineScan,
        paths: _PathTables,
        requests: pl.DataFrame,
        sample_size: int,
    ) -> None:
        out = self.structure
        result.bots += out.bots
        names = paths.found.unknown_names
        counted = np.flatnonzero(self.unknown[: names.height])
        result.unknown += int(self.unknown[counted].sum())
        for (category, package), n in zip(
            names[counted.tolist()].iter_rows(), self.unknown[counted].tolist(), strict=True
        ):
            result.unknown_names[(category or "", package)] += n
        if out.invalid_time:
            result.malformed += out.invalid_time
            room = max(sample_size - len(result.malformed_samples), 0)
            if room:
                rows = self.invalid_rows[: out.invalid_time].tolist()
                invalid = requests.select("index", "line")[rows].sort("index")
                result.malformed_samples += [s[:SAMPLE_CHARS] for s in invalid["line"][:room]]
        if not out.facts:
            return
        facts, pairs, versions = out.facts, out.pairs, out.versions
        codes = pl.Series(self.fact_code[:facts])
        packages, categories = paths.found.packages, paths.found.categories
        counts = pl.DataFrame(
            {
                "category": categories.gather(codes),
                "package": packages.gather(codes),
                "day": pl.Series(self.fact_day[:facts]).cast(pl.Date),
                "downloads": self.fact_downloads[:facts],
                "mirror_downloads": self.fact_mirror[:facts],
            }
        )
        clients = pl.DataFrame({"fact": self.pair_fact[:pairs], "client": self.pair_client[:pairs]})
        fact_versions = pl.DataFrame(
            {
                "fact": self.version_fact[:versions],
                "version": paths.found.versions.gather(pl.Series(self.version_code[:versions])),
                "n": self.version_n[:versions],
            }
        )
        digests = scan.host_digests.gather(pl.Series(self.client_host[: out.clients]))
        result.tables = result.tables.merged(FactTables(counts, digests, clients, fact_versions))
        result.downloads += int(self.fact_downloads[:facts].sum())
        result.mirror_downloads += int(self.fact_mirror[:facts].sum())
