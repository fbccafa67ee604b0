"""Which request paths are downloads of which package: the download regex and the
manifest, applied once per distinct path and remembered across a process's shards.

A path's answer depends on the rules only, and a log's download paths repeat from
shard to shard (the same package files), so each new path is matched once. Besides the
names, each path keeps integer codes (its kind, its package's or unknown name's code,
its version's code) into lists kept with the table, which is what the C counter reads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np
import polars as pl

from stats.logparse.native.string_map import StringMap
from stats.logparse.result import ColumnType
from stats.logparse.rules import DownloadRules

PATHS_KEPT = 1_000_000
"""Paths remembered per process at most; past that the table starts again."""


class PathKind(IntEnum):
    """What a path is, as the C counter reads it."""

    NONE = 0
    """Not a download."""
    KNOWN = 1
    """A download of a package of the manifest (in its category)."""
    UNKNOWN = 2
    """A download of a name the manifest lacks (or lists under another category)."""


_NAMES_SCHEMA: dict[str, ColumnType] = {
    "package": pl.String,
    "version": pl.String,
    "category": pl.String,
    "manifest_category": pl.String,
    "known": pl.Boolean,
}
_CODES_SCHEMA: dict[str, ColumnType] = {
    "kind": pl.UInt8,
    "code": pl.Int32,
    "version_code": pl.Int32,
}
_MATCHED_SCHEMA: dict[str, ColumnType] = {"path": pl.String, **_NAMES_SCHEMA}
_TABLE_SCHEMA: dict[str, ColumnType] = {**_NAMES_SCHEMA, **_CODES_SCHEMA}
"""Without the path: the table's row of a path is found through ``_PathTable.rows``,
which owns a copy of it. A column of paths gathered from each shard would keep every
shard's whole buffer of path text alive (polars' strings are views into it)."""


@dataclass(frozen=True)
class DownloadPaths:
    """The download paths among a shard's distinct paths, and the lists their codes index.

    Per download path, in arrays: ``path_ids`` (the path's position in the shard's
    list), ``kind``, ``code`` (KNOWN: into ``packages``; UNKNOWN: into
    ``unknown_names``) and ``version_code`` (into ``versions``, -1 without a version).
    ``frame`` has them with the names: package, version, category (the group's last
    component, '' without one), manifest_category and known.
    """

    path_ids: np.ndarray
    kind: np.ndarray
    code: np.ndarray
    version_code: np.ndarray
    packages: pl.Series
    categories: pl.Series
    """The manifest category of each of ``packages``."""
    unknown_names: pl.DataFrame
    """(category, package) of the names the manifest lacks."""
    versions: pl.Series
    table: pl.DataFrame
    """The path table these paths' ``rows`` are in."""
    rows: np.ndarray

    @cached_property
    def frame(self) -> pl.DataFrame:
        """path_id and the table's columns, one row per download path."""
        return self.table[self.rows].select(
            pl.Series("path_id", self.path_ids, dtype=pl.UInt32), pl.all()
        )


class _PathTable:
    """Every distinct path seen under one rules object, with names and codes."""

    def __init__(self, rules: DownloadRules) -> None:
        self.rules = rules
        names = list(rules.manifest)
        self.packages = pl.Series("package", names, dtype=pl.String)
        self.categories = pl.Series(
            "manifest_category", [rules.manifest[n] for n in names], dtype=pl.String
        )
        self.manifest = pl.DataFrame([self.packages, self.categories]).with_row_index(
            "package_code"
        )
        self.unknown_names = pl.DataFrame(schema={"category": pl.String, "package": pl.String})
        self.versions = pl.Series("version", [], dtype=pl.String)
        self.frame = pl.DataFrame(schema=_TABLE_SCHEMA)
        self.rows = StringMap()
        """path -> its row in ``frame``"""
        self._kind = np.zeros(0, np.uint8)
        self._code = np.zeros(0, np.int32)
        self._version_code = np.zeros(0, np.int32)

    def lookup(self, paths: pl.Series) -> DownloadPaths:
        paths = paths.rename("path")
        rows = self.rows.get(paths)
        new_at = np.flatnonzero(rows < 0)
        if len(new_at):
            first = self.frame.height
            new = paths.gather(new_at)
            self._add(new)
            rows[new_at] = np.arange(first, self.frame.height)
            self.rows.put(new, rows[new_at])
        at = np.flatnonzero(self._kind[rows] != int(PathKind.NONE))
        downloads = rows[at]
        return DownloadPaths(
            path_ids=at,
            kind=self._kind[downloads],
            code=self._code[downloads],
            version_code=self._version_code[downloads],
            packages=self.packages,
            categories=self.categories,
            unknown_names=self.unknown_names,
            versions=self.versions,
            table=self.frame,
            rows=downloads,
        )

    def _add(self, paths: pl.Series) -> None:
        """Match new paths, give them codes (new unknown names and versions are appended
        to the lists) and append their rows to ``frame``."""
        matched = _match(paths.to_frame(), self.rules)
        kind = (
            pl.when(pl.col("package").is_null())
            .then(int(PathKind.NONE))
            .when(pl.col("known"))
            .then(int(PathKind.KNOWN))
            .otherwise(int(PathKind.UNKNOWN))
        )
        matched = matched.with_columns(kind=kind.cast(pl.UInt8))
        unknown = matched.filter(pl.col("kind") == int(PathKind.UNKNOWN)).select(
            "category", "package"
        )
        self.unknown_names = _appended(self.unknown_names, unknown)
        versions = matched.get_column("version").drop_nulls().to_frame()
        self.versions = _appended(self.versions.to_frame(), versions).get_column("version")
        coded = (
            matched.join(
                self.manifest.select("package", "package_code"),
                on="package",
                how="left",
                maintain_order="left",
            )
            .join(
                self.unknown_names.with_row_index("unknown_code"),
                on=["category", "package"],
                how="left",
                maintain_order="left",
            )
            .join(
                self.versions.to_frame().with_row_index("version_index"),
                on="version",
                how="left",
                maintain_order="left",
            )
            .with_columns(
                code=pl.when(pl.col("kind") == int(PathKind.KNOWN))
                .then("package_code")
                .when(pl.col("kind") == int(PathKind.UNKNOWN))
                .then("unknown_code")
                .otherwise(0),
                version_code=pl.col("version_index").fill_null(-1),
            )
            .select(*_TABLE_SCHEMA)
            .cast(_TABLE_SCHEMA)  # type: ignore[arg-type]
        )
        self.frame = pl.concat([self.frame, coded])
        self._kind = np.concatenate((self._kind, coded.get_column("kind").to_numpy()))
        self._code = np.concatenate((self._code, coded.get_column("code").to_numpy()))
        self._version_code = np.concatenate(
            (self._version_code, coded.get_column("version_code").to_numpy())
        )


def _appended(known: pl.DataFrame, more: pl.DataFrame) -> pl.DataFrame:
    """``known`` followed by the distinct rows of ``more`` it lacks (codes are positions)."""
    new = more.unique(maintain_order=True).join(known, on=known.columns, how="anti")
    return pl.concat([known, new]) if new.height else known


_lock = threading.Lock()
_table: _PathTable | None = None


def download_paths(paths: pl.Series, rules: DownloadRules) -> DownloadPaths:
    """What the distinct ``paths`` (a shard's, in the order of its path ids) are under
    ``rules``: the download paths among them, by path id."""
    global _table
    with _lock:
        if _table is None or _table.rules is not rules or _table.frame.height > PATHS_KEPT:
            _table = _PathTable(rules)
        return _table.lookup(paths)


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
        .select("path", *_NAMES_SCHEMA)
        .cast(_MATCHED_SCHEMA)  # type: ignore[arg-type]
    )
