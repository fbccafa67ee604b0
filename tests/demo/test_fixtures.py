"""The fixtures are what tests/fixtures/SOURCES.md says they are (bytes, lines, counts)."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stats.demo.manifest import SHIPPED_MANIFEST, read_manifest
from tests.demo.logformat import (
    BOT_AGENT,
    COUNTED_STATUSES,
    FIXTURES,
    bioc_download,
    parse,
)
from tests.demo.logformat import read_manifest as oracle_manifest

LOGS = FIXTURES / "logs"
REAL = {
    "elastic_apache_logs.log.gz": (
        "f15c31e905f86c7b4b6ab44aee74d0a2086dce89f010187d983edea7ef0364ef",
        2_370_789,
        10_000,
    ),
    "nasa_jul95_xaa.log.gz": (
        "d041937dd153daf2a36e92edb732c53a8704eb8f6563f7e4337f50df0b8a067e",
        1_474_541,
        13_376,
    ),
    "secrepo_access-2018-12-15.log.gz": (
        "2354e46a5926f13f7c43b7c615ed4730f304fce8be38751c0629585d1f03ea99",
        731_564,
        4_961,
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_logs_decompress_to_the_original_bytes(name: str) -> None:
    sha, size, lines = REAL[name]
    data = gzip.decompress((LOGS / name).read_bytes())
    assert hashlib.sha256(data).hexdigest() == sha
    assert len(data) == size
    assert len(data.splitlines()) == lines


def test_real_log_facts() -> None:
    elastic = gzip.decompress((LOGS / "elastic_apache_logs.log.gz").read_bytes()).decode()
    broken = [i for i, line in enumerate(elastic.splitlines(), 1) if parse(line) is None]
    assert broken == [8899]
    secrepo = gzip.decompress((LOGS / "secrepo_access-2018-12-15.log.gz").read_bytes()).decode()
    rows = secrepo.splitlines()
    assert all(line.endswith(" ") for line in rows)
    assert sum(1 for line in rows if parse(line.rstrip())) == 4961


def test_shipped_manifest_is_the_real_one() -> None:
    plain = (FIXTURES / "packages_manifest.csv").read_bytes()
    assert gzip.decompress(SHIPPED_MANIFEST.read_bytes()) == plain
    packages = read_manifest()
    assert len(packages) == 5994
    assert Counter(p.category for p in packages) == {
        "bioc": 2807,
        "annotation": 2653,
        "experiment": 501,
        "workflows": 33,
    }
    assert sum(p.active for p in packages) == 3611
    limma = next(p for p in packages if p.name == "limma")
    assert (limma.category, limma.first_version, limma.last_version) == ("bioc", 108, None)


def _count(path: Path) -> dict[str, object]:
    """The SOURCES.md conventions, applied independently of the code under test."""
    manifest = oracle_manifest()
    text = path.read_bytes().decode("utf-8", "replace")
    rows = text.split("\n")
    if rows[-1] == "":
        rows.pop()
    valid = blank = malformed = bots = head = 0
    downloads: Counter[str] = Counter()
    clients: dict[str, set[str]] = defaultdict(set)
    days: Counter[tuple[str, str]] = Counter()
    unknown: Counter[tuple[str, str]] = Counter()
    for row in rows:
        line = row.rstrip(" \t\r")
        if not line.strip():
            blank += 1
            continue
        match = parse(line)
        if match is None:
            malformed += 1
            continue
        valid += 1
        request = match.group(5).split(" ")
        found = bioc_download(request[1]) if len(request) == 3 else None
        if found is None or int(match.group(6)) not in COUNTED_STATUSES:
            continue
        if request[0] == "HEAD":
            head += 1
            continue
        category, package = found
        agent = match.group(9) if match.re.groups >= 9 else ""
        if manifest.get(package) != category:
            unknown[(category, package)] += 1
        elif BOT_AGENT.search(agent or ""):
            bots += 1
        else:
            downloads[package] += 1
            clients[package].add(match.group(1))
            when = datetime.strptime(match.group(4), "%d/%b/%Y:%H:%M:%S %z")
            days[(package, when.astimezone(UTC).date().isoformat())] += 1
    return {
        "lines": len(rows),
        "valid": valid,
        "blank": blank,
        "malformed": malformed,
        "downloads": dict(downloads),
        "clients": {p: len(c) for p, c in clients.items()},
        "days": days,
        "bots": bots,
        "head": head,
        "unknown": dict(unknown),
    }


def test_bioconductor_sample_counts() -> None:
    got = _count(LOGS / "bioconductor_sample.log")
    assert (got["lines"], got["valid"], got["malformed"]) == (22, 21, 1)
    assert got["downloads"] == {
        "limma": 7,
        "org.Hs.eg.db": 2,
        "airway": 1,
        "rnaseqGene": 1,
        "DESeq": 1,
    }
    assert got["clients"] == {
        "limma": 5,
        "org.Hs.eg.db": 1,
        "airway": 1,
        "rnaseqGene": 1,
        "DESeq": 1,
    }
    days = got["days"]
    assert isinstance(days, Counter)
    assert {d: n for (p, d), n in days.items() if p == "limma"} == {
        "2024-06-03": 2,
        "2024-06-04": 2,
        "2024-06-08": 2,
        "2024-06-09": 1,
    }
    assert (got["bots"], got["head"]) == (1, 1)
    assert got["unknown"] == {("bioc", "ggplot2"): 1, ("experiment", "limma"): 1}


@pytest.mark.parametrize(
    ("name", "lines", "valid", "blank", "malformed", "downloads"),
    [
        ("cut_lines.log", 5, 2, 0, 3, {"limma": 1, "edgeR": 1}),
        ("escaped_quotes.log", 4, 4, 0, 0, {"limma": 1, "edgeR": 1}),
        ("ipv6.log", 5, 5, 0, 0, {"limma": 3, "edgeR": 1}),
        ("hostnames.log", 5, 5, 0, 0, {"limma": 3, "edgeR": 1}),
        ("trailing_spaces.log", 5, 5, 0, 0, {"limma": 4, "edgeR": 1}),
        ("blank_lines.log", 9, 3, 6, 0, {"limma": 2, "edgeR": 1}),
        ("split_lines.log", 4, 2, 0, 2, {"limma": 1, "edgeR": 1}),
        ("invalid_utf8.log", 3, 2, 0, 1, {"limma": 2}),
    ],
)
def test_malformed_fixture_counts(
    name: str, lines: int, valid: int, blank: int, malformed: int, downloads: dict[str, int]
) -> None:
    got = _count(LOGS / "malformed" / name)
    assert (got["lines"], got["valid"], got["blank"], got["malformed"]) == (
        lines,
        valid,
        blank,
        malformed,
    )
    assert got["downloads"] == downloads
    assert got["clients"] == downloads  # one client per download in these files


def test_cut_lines_file_ends_without_newline() -> None:
    assert not (LOGS / "malformed" / "cut_lines.log").read_bytes().endswith(b"\n")
    assert (LOGS / "malformed" / "trailing_spaces.log").read_bytes().count(b"\r\n") == 1


def _salvage(path: Path) -> tuple[bytes, str]:
    """Everything a byte-at-a-time decompressor gets out, and how it stopped."""
    data = path.read_bytes()
    unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    try:
        for i in range(len(data)):
            out += unpack.decompress(data[i : i + 1])
    except zlib.error as exc:
        return bytes(out), str(exc)
    return bytes(out), "eof" if unpack.eof else "truncated"


def test_truncated_gzip() -> None:
    path = LOGS / "malformed" / "truncated.log.gz"
    with pytest.raises(EOFError):
        gzip.decompress(path.read_bytes())
    out, how = _salvage(path)
    assert how == "truncated"
    assert (len(out), out.count(b"\n"), out.endswith(b"\n")) == (174_009, 991, False)


def test_corrupt_gzip() -> None:
    path = LOGS / "malformed" / "corrupt.log.gz"
    with pytest.raises(zlib.error):
        gzip.decompress(path.read_bytes())
    out, how = _salvage(path)
    assert "invalid block type" in how
    assert (len(out), out.count(b"\n"), out.endswith(b"\n")) == (175_560, 1000, True)
    assert all(parse(line) for line in out.decode().splitlines())
