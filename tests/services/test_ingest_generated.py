"""Generated Bioconductor logs: ingested counts equal the generator's ground truth and
an independent regex count; the fixture files with malformed shapes are each counted."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import pytest

from stats.demo.logs import DemoLogOptions, write_demo_logs
from stats.demo.vocab import BOT_AGENTS
from stats.models import LogSegment, SegmentStatus
from stats.services.ingestion import ingest_log_files
from stats.services.manifest import manifest_load, read_manifest
from stats.services.registries import registry_configure
from tests.logparse.expected import STRICT
from tests.services.ingest_helpers import FIXTURES, totals

pytestmark = pytest.mark.django_db

MANIFEST = Path(__file__).resolve().parents[2] / "stats/demo/data/bioconductor_manifest.csv.gz"
# Bioconductor's own regex from shared/data/bioconductor/SOURCES.md, compiled here.
BIOC = re.compile(
    r"^/+packages/+[^/]*/+(bioc|workflows|data/+experiment|data/+annotation)/+(?:bin|src)/+"
    r"(?:[^/]*/+)*([^_]*)_.*\.(?:tar|gz|zip|tgz)$"
)


@pytest.fixture
def bioc_registry():  # type: ignore[no-untyped-def]
    registry, _ = registry_configure(name="bioconductor", rule_set="bioconductor")
    manifest_load(registry=registry, rows=read_manifest(MANIFEST))
    return registry


def test_generated_logs_match_ground_truth_and_regex(bioc_registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = write_demo_logs(
        tmp_path, DemoLogOptions(lines=30_000, seed=3, months=2, files=2, gzip=True)
    )
    summary = ingest_log_files(registry=bioc_registry, paths=[str(tmp_path / "*.gz")])
    assert summary.lines == truth.lines == 30_000
    assert summary.malformed == truth.malformed > 0
    assert summary.downloads == truth.downloads > 1000
    assert summary.bots == truth.bot_downloads + truth.bot_unknown
    assert summary.unknown == truth.unknown_downloads
    # an independent count: strict line regex + Bioconductor's regex + manifest, with the
    # generator's own list of bot agents (not crawlerdetect)
    bots = {agent for agent, _weight in BOT_AGENTS}
    manifest = {row.package: row.category for row in read_manifest(MANIFEST)}
    counted = Counter()
    for path in sorted(tmp_path.glob("*.gz")):
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            m = STRICT.match(line)
            if not m or m.group(6) not in {"200", "301", "302", "307", "308"}:
                continue
            method, _, rest = m.group(5).partition(" ")
            d = BIOC.match(rest.split(" ")[0].split("?")[0])
            if method != "GET" or not d:
                continue
            category = d.group(1).rsplit("/", 1)[-1]
            agent = (m.group(9) or "").replace('\\"', '"')
            if manifest.get(d.group(2)) == category and agent not in bots:
                counted[d.group(2)] += 1
    per_package = Counter()
    for (name, _day), n in totals(bioc_registry)["per_day"].items():
        per_package[name] += n
    assert per_package == counted


MALFORMED = FIXTURES / "malformed"
# file: (lines, malformed, {package: (downloads, distinct clients)}) per tests/fixtures/SOURCES.md;
# blank and whitespace-only lines are counted as malformed, never dropped.
CASES = {
    "cut_lines.log": (5, 3, {"limma": (1, 1), "edgeR": (1, 1)}),
    "escaped_quotes.log": (4, 0, {"limma": (1, 1), "edgeR": (1, 1)}),
    "ipv6.log": (5, 0, {"limma": (3, 3), "edgeR": (1, 1)}),
    "hostnames.log": (5, 0, {"limma": (3, 3), "edgeR": (1, 1)}),
    "trailing_spaces.log": (5, 0, {"limma": (4, 4), "edgeR": (1, 1)}),
    "blank_lines.log": (9, 6, {"limma": (2, 2), "edgeR": (1, 1)}),
    "split_lines.log": (4, 2, {"limma": (1, 1), "edgeR": (1, 1)}),
    "invalid_utf8.log": (3, 1, {"limma": (2, 2)}),
    "truncated.log.gz": (991, 0, {"limma": (991, 991)}),
    "corrupt.log.gz": (1000, 0, {"limma": (1000, 1000)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_shape_is_counted_never_fatal(bioc_registry, name: str) -> None:  # type: ignore[no-untyped-def]
    lines, malformed, packages = CASES[name]
    summary = ingest_log_files(registry=bioc_registry, paths=[MALFORMED / name])
    assert (summary.lines, summary.malformed) == (lines, malformed)
    got: dict[str, tuple[int, int]] = {}
    data = totals(bioc_registry)
    for (package, day), downloads in data["per_day"].items():
        previous = got.get(package, (0, 0))
        got[package] = (previous[0] + downloads, previous[1] + len(data["clients"][(package, day)]))
    assert got == packages
    segment = LogSegment.objects.get(registry=bioc_registry)
    if name.endswith(".gz"):
        assert segment.status == SegmentStatus.PARTIAL
        assert ("truncated" if "truncated" in name else "corrupt") in segment.status_reason
        assert summary.errors and summary.partial_segments == 1
    else:
        assert segment.status == SegmentStatus.DONE
        if malformed:
            assert len(segment.malformed_samples) == malformed
