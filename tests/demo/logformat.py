"""Independent oracles for demo-log tests: the log-format regexes and the Bioconductor rule.

Written from ../shared/data/logs/SOURCES.md and ../shared/data/bioconductor/SOURCES.md,
not imported from the code under test, so the tests can disagree with it.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

_Q = r'"((?:[^"\\]|\\.)*)"'  # a quoted field; \" and \\ escapes allowed
COMBINED = re.compile(rf"^(\S+) (\S+) (\S+) \[([^\]]+)\] {_Q} (\d{{3}}) (\d+|-) {_Q} {_Q}$")
COMMON = re.compile(rf"^(\S+) (\S+) (\S+) \[([^\]]+)\] {_Q} (\d{{3}}) (\d+|-)$")
BIOC_DOWNLOAD = re.compile(
    r"^/+packages/+[^/]*/+(bioc|workflows|data/+experiment|data/+annotation)/+(?:bin|src)/+"
    r"(?:[^/]*/+)*([^_]*)_.*\.(?:tar|gz|zip|tgz)$"
)
COUNTED_STATUSES = {200, 301, 302, 307, 308}
BOT_AGENT = re.compile(r"bot|crawler|spider|python-requests|go-http-client|uptimerobot", re.I)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def read_manifest(path: Path = FIXTURES / "packages_manifest.csv") -> dict[str, str]:
    """package -> category of a manifest CSV (plain or gzip)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return {r["package"]: r["category"] for r in csv.DictReader(io.StringIO(raw.decode()))}


def parse(line: str) -> re.Match[str] | None:
    """A combined or common-format match of a line (without its newline), else None."""
    return COMBINED.match(line) or COMMON.match(line)


def bioc_download(uri: str) -> tuple[str, str] | None:
    """(category, package) of a Bioconductor package file URI, matched on its stem."""
    match = BIOC_DOWNLOAD.match(uri.split("?", 1)[0])
    if match is None:
        return None
    return re.sub(r"^data/+", "", match.group(1)), match.group(2)
