"""The scan's distinct paths that are downloads, by path id: what both countings read."""

from __future__ import annotations

import polars as pl

from stats.logparse.lines import LineScan
from stats.logparse.paths import download_paths
from stats.logparse.rules import DownloadRules


def download_path_ids(scan: LineScan, rules: DownloadRules) -> pl.DataFrame:
    """``path_id`` with package, version, category, manifest_category and known, for
    the paths of ``scan.paths`` that are downloads."""
    table = download_paths(scan.paths, rules)
    numbered = scan.paths.to_frame("path").with_row_index("path_id")
    return numbered.join(table, on="path", maintain_order="left").drop("path")
