"""Resident memory of the test process, for tests that show memory stays flat."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

linux_only = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="Linux only")


def resident_kib() -> int:
    """This process's resident memory (Linux's /proc/self/statm), in KiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024
