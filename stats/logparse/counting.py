"""Counting a scan's downloads with polars: the reference for the C counter.

Joins and group-bys over the request rows: the download paths, bot and mirror verdicts
once per distinct user agent and address, days in the registry's zone, then counts per
(category, package, day), distinct (key, client) pairs and version counts.
"""

from __future__ import annotations

import re

import polars as pl

from stats.logparse.bots import bot_detector
from stats.logparse.lines import SAMPLE_CHARS, LineScan
from stats.logparse.paths import download_paths
from stats.logparse.result import FACT_KEYS, FactTables, ShardResult
from stats.logparse.rules import DownloadRules


def count_downloads_polars(
    scan: LineScan, rules: DownloadRules, result: ShardResult, sample_size: int
) -> None:
    """Add ``scan``'s downloads to ``result``."""
    paths = download_paths(scan.paths, rules).frame.select(
        "path_id", "package", "version", "category", "manifest_category", "known"
    )
    requests = scan.requests.join(paths, on="path_id", how="inner")
    if not requests.height:
        return
    requests = requests.with_columns(
        agent=scan.agents.gather(requests.get_column("agent_id")),
        at=pl.from_epoch("epoch", time_unit="s").dt.replace_time_zone("UTC"),
    )
    bots = bot_detector(rules.bot_patterns)
    agents = requests["agent"].unique()
    bot_agents = [a for a in agents.to_list() if bots.is_bot(a)]
    frame = requests.with_columns(
        # A line without a user agent (Common format) is no bot: is_in gives null there.
        is_bot=pl.col("agent").is_in(bot_agents).fill_null(False) if bot_agents else pl.lit(False),
    )
    result.bots += int(frame["is_bot"].sum())
    frame = frame.filter(~pl.col("is_bot"))
    known = pl.col("known")
    unknown = frame.filter(~known)
    result.unknown += unknown.height
    if unknown.height:
        counts = unknown.group_by(["category", "package"]).len().iter_rows()
        result.unknown_names.update({(c or "", p): n for c, p, n in counts})
    frame = frame.filter(known)
    if not frame.height:
        return
    frame = _with_days_and_mirrors(frame, scan.hosts, rules)
    invalid_time = frame.filter(pl.col("day").is_null()).sort("index")
    if invalid_time.height:
        result.malformed += invalid_time.height
        room = max(sample_size - len(result.malformed_samples), 0)
        result.malformed_samples += [s[:SAMPLE_CHARS] for s in invalid_time["line"][:room]]
        frame = frame.filter(pl.col("day").is_not_null())
    _accumulate(frame, scan.host_digests, result)


def _with_days_and_mirrors(
    frame: pl.DataFrame, hosts: pl.Series, rules: DownloadRules
) -> pl.DataFrame:
    day = pl.col("at").dt.convert_time_zone(rules.timezone).dt.date()
    if rules.mirror_patterns:
        mirror_re = re.compile("|".join(f"(?:{p})" for p in rules.mirror_patterns))
        ids = frame.get_column("host_id").unique()
        names = hosts.gather(ids).to_list()
        mirror_hosts = [i for i, h in zip(ids.to_list(), names, strict=True) if mirror_re.search(h)]
        mirror_agents = [a for a in frame["agent"].unique().to_list() if a and mirror_re.search(a)]
        is_mirror = pl.col("host_id").is_in(mirror_hosts) | pl.col("agent").is_in(
            mirror_agents
        ).fill_null(False)
    else:
        is_mirror = pl.lit(False)
    return frame.with_columns(day=day, is_mirror=is_mirror)


def _accumulate(frame: pl.DataFrame, host_digests: pl.Series, result: ShardResult) -> None:
    """Facts in columns: counts per key, distinct (key, client digest), (key, version) counts."""
    frame = frame.select(
        pl.col("manifest_category").alias("category"),
        "package",
        "day",
        "is_mirror",
        "host_id",
        "version",
    )
    mirror = pl.col("is_mirror")
    counts = frame.group_by(FACT_KEYS).agg(
        downloads=(~mirror).sum().cast(pl.Int64), mirror_downloads=mirror.sum().cast(pl.Int64)
    )
    users = frame.filter(~mirror)
    pairs = users.select(*FACT_KEYS, "host_id").unique()
    ids = pairs.get_column("host_id").unique()
    digests = pl.DataFrame(
        {"host_id": ids, "client": host_digests.gather(ids)},
        schema={"host_id": pl.UInt32, "client": pl.Binary},
    )
    clients = pairs.join(digests, on="host_id").select(*FACT_KEYS, "client")
    versions = (
        users.filter(pl.col("version").is_not_null())
        .group_by([*FACT_KEYS, "version"])
        .agg(n=pl.len().cast(pl.Int64))
    )
    result.tables = result.tables.merged(FactTables.from_keyed(counts, clients, versions))
    result.downloads += int(counts.get_column("downloads").sum())
    result.mirror_downloads += int(counts.get_column("mirror_downloads").sum())
