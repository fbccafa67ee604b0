"""manage.py make_demo_logs: writes the files it prints, and refuses bad options."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("make_demo_logs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_and_prints_the_files(tmp_path: Path) -> None:
    out, err = _run(
        "--output", str(tmp_path), "--lines", "2500", "--seed", "4", "--gzip", "--files", "3"
    )
    printed = [Path(p) for p in out.split()]
    assert printed == [tmp_path / f"access-00{k}.log.gz" for k in (1, 2, 3)]
    lines = b"".join(gzip.decompress(p.read_bytes()) for p in printed)
    assert lines.count(b"\n") == 2500
    assert "2,500 lines in 3 files" in err


def test_defaults_to_one_file_per_month(tmp_path: Path) -> None:
    out, _ = _run(
        "--output", str(tmp_path), "--lines", "900", "--start", "2023-11-01", "--months", "3"
    )
    assert [Path(p).name for p in out.split()] == [
        "access-2023-11.log",
        "access-2023-12.log",
        "access-2024-01.log",
    ]
    assert sum(Path(p).read_bytes().count(b"\n") for p in out.split()) == 900


@pytest.mark.parametrize(
    "args",
    [
        ("--start", "2024-13-01"),
        ("--months", "0"),
        ("--files", "0"),
        ("--utc-offset", "CET"),
        ("--manifest", "/nonexistent/manifest.csv"),
    ],
)
def test_bad_options_are_command_errors(tmp_path: Path, args: tuple[str, str]) -> None:
    with pytest.raises(CommandError):
        _run("--output", str(tmp_path), "--lines", "10", *args)
