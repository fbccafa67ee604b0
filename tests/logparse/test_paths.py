"""Download paths: matched once per distinct path and rules, the same answers every time."""

from __future__ import annotations

import polars as pl
import pytest

from stats.logparse import paths
from stats.logparse.rules import bioconductor_rules

SRC = "/packages/3.19/bioc/src/contrib/"
EXPERIMENT = "/packages/3.19/data//experiment/src/contrib/"


def test_paths_are_matched_once_per_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = bioconductor_rules(manifest={"limma": "bioc", "airway": "experiment"}, client_key=b"k")
    matched: list[int] = []
    match = paths._match
    monkeypatch.setattr(paths, "_match", lambda new, r: matched.append(new.height) or match(new, r))
    first = pl.Series(
        [f"{SRC}limma_3.60.0.tar.gz", f"{EXPERIMENT}airway_1.2.tar.gz", "/index.html"] * 2
    )
    answer = paths.download_paths(first, rules).sort("package")
    assert answer.select("package", "version", "category", "known").rows() == [
        ("airway", "1.2", "experiment", True),
        ("limma", "3.60.0", "bioc", True),
    ]
    more = pl.Series([f"{SRC}limma_3.60.0.tar.gz", f"{SRC}airway_1.2.tar.gz"])
    again = paths.download_paths(more, rules).sort("package")
    assert matched == [3, 1]  # only the new path went through the regex
    assert again.select("package", "category", "known").rows() == [
        ("airway", "bioc", False),  # listed under another category: unknown
        ("limma", "bioc", True),
    ]
    other = bioconductor_rules(manifest={"airway": "bioc"}, client_key=b"k")
    assert paths.download_paths(more, other).sort("package").get_column("known").to_list() == [
        True,
        False,
    ]
    assert matched == [3, 1, 2]  # other rules: matched afresh
