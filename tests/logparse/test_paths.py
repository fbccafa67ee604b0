"""Download paths: matched once per distinct path and rules, the same answers every time,
with codes that index the lists handed back with them."""

from __future__ import annotations

import polars as pl
import pytest

from stats.logparse import paths
from stats.logparse.paths import DownloadPaths, PathKind
from stats.logparse.rules import bioconductor_rules
from tests.logparse.memory import linux_only, resident_kib

SRC = "/packages/3.19/bioc/src/contrib/"
EXPERIMENT = "/packages/3.19/data//experiment/src/contrib/"


def _named(found: DownloadPaths) -> list[tuple[object, ...]]:
    """(path_id, package, version, category, known) with the names the codes give."""
    rows = []
    for path_id, package, version, category, known, kind, code, version_code in found.frame.select(
        "path_id", "package", "version", "category", "known", "kind", "code", "version_code"
    ).iter_rows():
        if kind == PathKind.KNOWN:
            assert found.packages[code] == package
        else:
            assert kind == PathKind.UNKNOWN
            assert found.unknown_names.row(code) == (category, package)
        assert (found.versions[version_code] if version_code >= 0 else None) == version
        rows.append((path_id, package, version, category, known))
    return sorted(rows)


def test_paths_are_matched_once_per_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = bioconductor_rules(manifest={"limma": "bioc", "airway": "experiment"}, client_key=b"k")
    matched: list[int] = []
    match = paths._match
    monkeypatch.setattr(paths, "_match", lambda new, r: matched.append(new.height) or match(new, r))
    first = pl.Series([f"{SRC}limma_3.60.0.tar.gz", f"{EXPERIMENT}airway_1.2.tar.gz", "/a.html"])
    assert _named(paths.download_paths(first, rules)) == [
        (0, "limma", "3.60.0", "bioc", True),
        (1, "airway", "1.2", "experiment", True),
    ]
    more = pl.Series([f"{SRC}airway_1.2.tar.gz", "/a.html", f"{SRC}limma_3.60.0.tar.gz"])
    again = paths.download_paths(more, rules)
    assert matched == [3, 1]  # only the new path went through the regex
    assert _named(again) == [
        (0, "airway", "1.2", "bioc", False),  # listed under another category: unknown
        (2, "limma", "3.60.0", "bioc", True),
    ]
    other = bioconductor_rules(manifest={"airway": "bioc"}, client_key=b"k")
    assert [known for *_, known in _named(paths.download_paths(more, other))] == [True, False]
    assert matched == [3, 1, 3]  # other rules: matched afresh


def test_the_table_starts_again_past_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "PATHS_KEPT", 2)
    rules = bioconductor_rules(manifest={"limma": "bioc"}, client_key=b"k")
    names = [f"{SRC}limma_3.{i}.0.tar.gz" for i in range(5)]
    paths.download_paths(pl.Series(names[:3]), rules)
    found = paths.download_paths(pl.Series(names[3:]), rules)  # a new table: 2 versions
    assert found.versions.to_list() == ["3.3.0", "3.4.0"]
    assert _named(found) == [
        (0, "limma", "3.3.0", "bioc", True),
        (1, "limma", "3.4.0", "bioc", True),
    ]


def _shard_paths(names: list[str]) -> pl.Series:
    """A shard's distinct paths as the scanner gives them: views into one text buffer."""
    return pl.Series("path", ["\n".join(names)]).str.split("\n").explode()


@linux_only
def test_the_table_keeps_no_shard_text_alive() -> None:
    """40 shards of the same 5,000 long paths (2 MB of text each) and two new downloads
    each: the table keeps the new paths' names and versions, not every shard's text (which
    grew memory by the shard's whole path text per shard before)."""
    rules = bioconductor_rules(manifest={"limma": "bioc"}, client_key=b"k")
    old = [f"/site/{i:05d}/" + "x" * 400 for i in range(5_000)]
    paths.download_paths(_shard_paths(old), rules)
    before = resident_kib()
    for shard in range(40):
        new = [  # a version longer than the 12 bytes a string view holds inline
            f"{SRC}limma_3.{shard}.0.{'9' * 20}.tar.gz",
            f"{SRC}{'unlisted' * 4}{shard}_1.0.tar.gz",
        ]
        found = paths.download_paths(_shard_paths([*old, *new]), rules)
        assert found.kind.tolist() == [PathKind.KNOWN, PathKind.UNKNOWN]
        assert found.versions[int(found.version_code[0])] == f"3.{shard}.0.{'9' * 20}"
    assert resident_kib() - before < 16 * 1024  # not 40 x 2 MB
