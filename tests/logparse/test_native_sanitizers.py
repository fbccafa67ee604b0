"""scan.c under AddressSanitizer and UBSan: the differential checks, with memory checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stats.logparse.native import build

REPO = Path(__file__).resolve().parents[2]


def _runtime(compiler: str, name: str) -> str | None:
    found = subprocess.run(
        [compiler, f"-print-file-name={name}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return found if os.path.isabs(found) else None


@pytest.mark.slow
def test_scanner_has_no_memory_errors_or_undefined_behaviour(tmp_path: Path) -> None:
    compiler = shutil.which("gcc")
    if compiler is None:
        pytest.skip("gcc is needed for the sanitizers")
    runtimes = [_runtime(compiler, "libasan.so"), _runtime(compiler, "libubsan.so")]
    if None in runtimes:
        pytest.skip("gcc's sanitizer runtimes are not installed")
    library = tmp_path / "scan-sanitized.so"
    subprocess.run(
        [compiler, "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
         "-fno-omit-frame-pointer", "-shared", "-fPIC", "-o", str(library),
         *map(str, build.SOURCES)],
        check=True,
    )  # fmt: skip
    env = dict(
        os.environ,
        LD_PRELOAD=":".join(r for r in runtimes if r),
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
        PYTHONMALLOC="malloc",  # every bytes object its own block: reads past its end are seen
        PYTHONPATH=str(REPO),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.logparse.sanitized_scan", str(library)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "sanitized scans: 175" in done.stdout
