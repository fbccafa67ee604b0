"""Building the C scanner: once per source version, and a clear fallback without a compiler."""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

import pytest

from stats.logparse.native import build
from stats.logparse.rules import bioconductor_rules
from stats.logparse.shard import Scanner, parse_shard


@pytest.fixture
def build_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    # The first folder cannot be made (its parent is a file, as a read-only checkout
    # would refuse it even to root): the second one, the user's cache, is used.
    (tmp_path / "checkout").write_text("")
    dirs = [tmp_path / "checkout" / "_build", tmp_path / "cache"]
    monkeypatch.setattr(build, "_build_dirs", lambda: dirs)
    return dirs


def test_the_library_is_built_once_under_its_source_hash(build_dirs: list[Path]) -> None:
    path = build._built_library()
    assert path == build_dirs[1] / build.library_name()
    assert path.name.startswith("scan-") and path.suffix == ".so"
    first_build = path.stat().st_mtime_ns
    assert build._built_library() == path  # found, not built again
    assert path.stat().st_mtime_ns == first_build
    assert [p.name for p in build_dirs[1].iterdir()] == [path.name]  # no temporary left
    assert hasattr(ctypes.CDLL(str(path)), "scan_lines")


def test_without_a_compiler_the_reason_is_given(
    build_dirs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(build.NativeScannerUnavailable, match="no C compiler"):
        build._built_library()
    monkeypatch.setenv("CC", "false")  # a compiler that fails
    with pytest.raises(build.NativeScannerUnavailable, match="false failed"):
        build._built_library()
    assert not any(p.is_file() for p in build_dirs[1].glob("*"))


def test_auto_falls_back_to_polars_when_the_scanner_cannot_load(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    failure = build.NativeScannerUnavailable("no C compiler (cc) found; install gcc")
    monkeypatch.setattr(build, "_load", lambda: failure)
    build._warn_once.cache_clear()
    rules = bioconductor_rules(manifest={"limma": "bioc"}, client_key=b"k")
    line = (
        b'10.0.0.1 - - [15/Mar/2024:10:00:00 +0000] "GET '
        b'/packages/3.19/bioc/src/contrib/limma_3.60.0.tar.gz HTTP/1.1" 200 5 "-" "R (4.4.0)"\n'
    )
    with caplog.at_level(logging.WARNING, logger=build.__name__):
        result = parse_shard(line * 3, rules, scanner=Scanner.AUTO)
    assert (result.lines, result.downloads) == (3, 3)
    assert "install gcc" in caplog.text
    with pytest.raises(build.NativeScannerUnavailable):
        parse_shard(line, rules, scanner=Scanner.NATIVE)
    build._warn_once.cache_clear()
