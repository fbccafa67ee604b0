"""Which request paths are downloads of which package: the download regex and the
manifest, applied once per distinct path and remembered across a process's shards.

A path's answer depends on the rules only, and a log's download paths repeat from
shard to shard (the same package files), so each new path is matched once.
"""

from __future__ import annotations

import threading

import polars as pl

from stats.logparse.rules import DownloadRules

PATHS_KEPT = 1_000_000
"""Paths remembered per process at most; past that the table starts again."""

_PATH_SCHEMA = {
    "path": pl.String,
    "package": pl.String,
    "version": pl.String,
    "category": pl.String,
    "manifest_category": pl.String,
    "known": pl.Boolean,
}

_lock = threading.Lock()
_remembered: tuple[DownloadRules, pl.DataFrame] | None = None


def download_paths(paths: pl.Series, rules: DownloadRules) -> pl.DataFrame:
    """For the distinct ``paths`` that are downloads: package, version, category (the
    group's last component, '' without one), the manifest's category, and ``known``
    (in the manifest, and in the same category when the path names one)."""
    global _remembered
    distinct = paths.unique().to_frame("path")
    with _lock:
        table = _remembered[1] if _remembered and _remembered[0] is rules else None
    new = distinct if table is None else distinct.join(table, on="path", how="anti")
    if new.height:
        matched = _match(new, rules)
        table = (
            matched if table is None or table.height > PATHS_KEPT else pl.concat([table, matched])
        )
        with _lock:
            _remembered = (rules, table)
    assert table is not None
    return distinct.join(table, on="path").filter(pl.col("package").is_not_null())


def _match(paths: pl.DataFrame, rules: DownloadRules) -> pl.DataFrame:
    matched = paths.with_columns(
        pl.col("path").str.extract_groups(rules.download_regex).alias("d")
    ).unnest("d")
    for name in ("version", "category"):
        if name not in matched.columns:
            matched = matched.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    manifest = pl.DataFrame(
        {"package": list(rules.manifest), "manifest_category": list(rules.manifest.values())},
        schema={"package": pl.String, "manifest_category": pl.String},
    )
    category = pl.col("category")
    return (
        matched.with_columns(
            # no package (or an empty one): not a download
            package=pl.when(pl.col("package") != "").then("package"),
            # data//experiment -> experiment, as normalise_category does for one value
            category=category.str.replace(r"^.*/", "").fill_null(""),
        )
        .join(manifest, on="package", how="left")
        .with_columns(
            known=pl.col("manifest_category").is_not_null()
            & ((category == "") | (category == pl.col("manifest_category")))
        )
        .select(*_PATH_SCHEMA)
        .cast(_PATH_SCHEMA)  # type: ignore[arg-type]
    )
