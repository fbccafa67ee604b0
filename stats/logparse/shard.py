"""Parse one shard of log bytes into a ShardResult, vectorised with polars.

Every line is checked against the log format in one pass of a compiled automaton (so
malformed lines are counted exactly); only the lines that can be downloads are then
split into fields, and user agents and client addresses are looked at once per
distinct value.
"""

from __future__ import annotations

import hmac
import io
import re

import polars as pl

from stats.logparse.bots import BotDetector
from stats.logparse.fields import request_fields
from stats.logparse.formats import (
    AGENT_FIELD,
    TIME_FORMAT,
    VALID_LINE,
    line_time,
)
from stats.logparse.result import FACT_KEYS, FactTables, ShardResult
from stats.logparse.rules import DownloadRules

_SAMPLE_CHARS = 500


def count_lines(data: bytes) -> int:
    """Lines in a chunk: newlines, plus a last line without one."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


_NUL = b"\x00"
_REPLACEMENT = "\ufffd".encode()


def _lines_frame(data: bytes) -> pl.DataFrame:
    """One row per line (split on newlines only, a CR before one dropped, empty lines
    null, undecodable bytes replaced by U+FFFD).

    A NUL byte becomes U+FFFD too: it is read_csv's separator here (no column splits),
    PostgreSQL stores no NUL in text or JSON, and the line keeps its shape (both are
    non-space characters that no fixed part of the log format accepts).
    """
    if _NUL in data:
        data = data.replace(_NUL, _REPLACEMENT)
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


def client_digest(key: bytes, client: str) -> bytes:
    """The keyed hash a client is known by: HMAC-SHA256, first 16 bytes."""
    return hmac.digest(key, client.encode(), "sha256")[:16]


def parse_shard(data: bytes, rules: DownloadRules, *, sample_size: int = 20) -> ShardResult:
    """Count the downloads in ``data`` (whole lines) under ``rules``."""
    if not data:
        return ShardResult()
    frame = _lines_frame(data).with_columns(
        valid=pl.col("line").str.contains(VALID_LINE).fill_null(False)
    )
    result = ShardResult(lines=frame.height)  # equals count_lines(data), without a scan
    valid_count = int(frame["valid"].sum())
    result.malformed = max(result.lines - valid_count, 0)
    if result.malformed:
        samples = frame.filter(~pl.col("valid")).head(sample_size)["line"].to_list()
        result.malformed_samples = [(s or "")[:_SAMPLE_CHARS] for s in samples]
    if valid_count:
        _set_line_times(frame, result)
    candidates = frame.lazy().with_row_index("index").filter(pl.col("valid"))
    if rules.prefilter:
        candidates = candidates.filter(pl.col("line").str.contains(rules.prefilter, literal=True))
    if rules.prefilter_any:
        candidates = candidates.filter(pl.col("line").str.contains_any(list(rules.prefilter_any)))
    # Collected here: the plan below uses the requests twice, and polars would compute
    # them twice.
    selected = (
        request_fields(candidates.select("index", "line"))
        .filter(
            pl.col("method").is_in(sorted(rules.methods))
            & pl.col("status").cast(pl.Int32, strict=False).is_in(sorted(rules.statuses))
        )
        .collect()
        .lazy()
    )
    # The download regex runs once per distinct path (downloads repeat the same files),
    # and the user agent is read for downloads only.
    paths = (
        selected.select(pl.col("path").unique())
        .with_columns(pl.col("path").str.extract_groups(rules.download_regex).alias("d"))
        .unnest("d")
        .filter(pl.col("package").is_not_null() & (pl.col("package") != ""))
    )
    requests = (
        selected.join(paths, on="path", how="inner")
        .with_columns(agent=pl.col("line").str.extract(AGENT_FIELD, 1))
        .collect()
    )
    if requests.height:
        _count_downloads(requests, rules, result, sample_size)
    return result


def _set_line_times(frame: pl.DataFrame, result: ShardResult) -> None:
    valid = frame["valid"]
    first = valid.arg_max()
    last = frame.height - 1 - (valid.reverse().arg_max() or 0)
    lines = frame["line"]
    result.first_line_at = line_time(lines[first or 0].encode())
    result.last_line_at = line_time(lines[last].encode())


def _count_downloads(
    requests: pl.DataFrame, rules: DownloadRules, result: ShardResult, sample_size: int
) -> None:
    if "category" not in requests.columns:
        requests = requests.with_columns(category=pl.lit(None, dtype=pl.String))
    if "version" not in requests.columns:
        requests = requests.with_columns(version=pl.lit(None, dtype=pl.String))
    bots = BotDetector(rules.bot_patterns)
    agents = requests["agent"].unique()
    bot_agents = [a for a in agents.to_list() if bots.is_bot(a)]
    frame = requests.with_columns(
        is_bot=pl.col("agent").is_in(bot_agents) if bot_agents else pl.lit(False),
        # data//experiment -> experiment, as normalise_category does for one value
        category=pl.col("category").str.replace(r"^.*/", "").fill_null(""),
    )
    result.bots += int(frame["is_bot"].sum())
    frame = frame.filter(~pl.col("is_bot"))
    frame = frame.join(_manifest_frame(rules), on="package", how="left")
    known = pl.col("manifest_category").is_not_null() & (
        (pl.col("category") == "") | (pl.col("category") == pl.col("manifest_category"))
    )
    unknown = frame.filter(~known)
    result.unknown += unknown.height
    if unknown.height:
        counts = unknown.group_by(["category", "package"]).len().iter_rows()
        result.unknown_names.update({(c or "", p): n for c, p, n in counts})
    frame = frame.filter(known)
    if not frame.height:
        return
    frame = _with_days_and_mirrors(frame, rules)
    invalid_time = frame.filter(pl.col("day").is_null()).sort("index")
    if invalid_time.height:
        result.malformed += invalid_time.height
        room = max(sample_size - len(result.malformed_samples), 0)
        result.malformed_samples += [s[:_SAMPLE_CHARS] for s in invalid_time["line"][:room]]
        frame = frame.filter(pl.col("day").is_not_null())
    _accumulate(frame, rules, result)


def _manifest_frame(rules: DownloadRules) -> pl.DataFrame:
    return pl.DataFrame(
        {"package": list(rules.manifest), "manifest_category": list(rules.manifest.values())},
        schema={"package": pl.String, "manifest_category": pl.String},
    )


def _with_days_and_mirrors(frame: pl.DataFrame, rules: DownloadRules) -> pl.DataFrame:
    day = (
        pl.col("time")
        .str.to_datetime(TIME_FORMAT, strict=False)
        .dt.convert_time_zone(rules.timezone)
        .dt.date()
    )
    if rules.mirror_patterns:
        mirror_re = re.compile("|".join(f"(?:{p})" for p in rules.mirror_patterns))
        mirror_hosts = [h for h in frame["host"].unique().to_list() if mirror_re.search(h)]
        mirror_agents = [a for a in frame["agent"].unique().to_list() if a and mirror_re.search(a)]
        is_mirror = pl.col("host").is_in(mirror_hosts) | pl.col("agent").is_in(mirror_agents)
    else:
        is_mirror = pl.lit(False)
    return frame.with_columns(day=day, is_mirror=is_mirror)


def _accumulate(frame: pl.DataFrame, rules: DownloadRules, result: ShardResult) -> None:
    """Facts in columns: counts per key, distinct (key, client digest), (key, version) counts."""
    frame = frame.select(
        pl.col("manifest_category").alias("category"),
        "package",
        "day",
        "is_mirror",
        "host",
        "version",
    )
    mirror = pl.col("is_mirror")
    counts = frame.group_by(FACT_KEYS).agg(
        downloads=(~mirror).sum().cast(pl.Int64), mirror_downloads=mirror.sum().cast(pl.Int64)
    )
    users = frame.filter(~mirror)
    pairs = users.select(*FACT_KEYS, "host").unique()
    hosts = pairs.get_column("host").unique()
    digests = pl.DataFrame(
        {"host": hosts, "client": _digests(rules.client_key, hosts.to_list())},
        schema={"host": pl.String, "client": pl.Binary},
    )
    clients = pairs.join(digests, on="host").select(*FACT_KEYS, "client")
    versions = (
        users.filter(pl.col("version").is_not_null())
        .group_by([*FACT_KEYS, "version"])
        .agg(n=pl.len().cast(pl.Int64))
    )
    result.tables = result.tables.merged(FactTables(counts, clients, versions))
    result.downloads += int(counts.get_column("downloads").sum())
    result.mirror_downloads += int(counts.get_column("mirror_downloads").sum())


_DIGEST_CACHE: dict[bytes, dict[str, bytes]] = {}
_DIGEST_CACHE_LIMIT = 1_000_000


def _digests(key: bytes, hosts: list[str]) -> list[bytes]:
    """Digests of ``hosts``, remembered across shards of a process (clients return).

    Safe when threads parse shards at once: a cache emptied meanwhile costs hashes only.
    """
    cache = _DIGEST_CACHE.setdefault(key, {})
    if len(cache) > _DIGEST_CACHE_LIMIT:
        cache.clear()
    out: list[bytes] = []
    for host in hosts:
        digest = cache.get(host)
        if digest is None:
            digest = cache[host] = hmac.digest(key, host.encode(), "sha256")[:16]
        out.append(digest)
    return out
