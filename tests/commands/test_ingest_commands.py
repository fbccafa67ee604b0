"""The ingestion CLI: add_registry, load_manifest, ingest_logs (table and --json)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from stats.models import Package, Registry, RuleSet
from tests.services.ingest_helpers import FIXTURES

pytestmark = pytest.mark.django_db

MANIFEST = FIXTURES.parent / "packages_manifest.csv"
SPECIMEN_LINES = [
    '128.118.250.14 - - [01/Jan/2021:08:02:03 +0000] "GET /packages/3.12/data/experiment/src/'
    'contrib/dsQTL_0.28.0.tar.gz HTTP/1.1" 200 991465136 "-" "R (4.0.3 x86_64-pc-linux-gnu)"',
    '128.118.250.15 - - [01/Jan/2021:08:02:15 +0000] "GET /packages/3.12/bioc/src/contrib/'
    'EBarrays_2.54.0.tar.gz HTTP/1.1" 200 866870 "-" "R (4.0.3 x86_64-pc-linux-gnu)"',
    "not a log line",
]


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_bioconductor_end_to_end_with_json_summary(tmp_path: Path) -> None:
    assert "Created registry bioc" in _run("add_registry", "bioc", "--rules", "bioconductor")
    assert "5994 packages listed" in _run("load_manifest", "bioc", str(MANIFEST))
    assert Package.objects.filter(registry__name="bioc").count() == 5994
    log = tmp_path / "access.log"
    log.write_text("\n".join(SPECIMEN_LINES) + "\n")
    first = json.loads(_run("ingest_logs", "--registry", "bioc", "--json", str(log)))
    assert {k: first[k] for k in ("lines", "malformed", "downloads", "bots", "unknown")} == {
        "lines": 3,
        "malformed": 1,
        "downloads": 2,
        "bots": 0,
        "unknown": 0,
    }
    assert first["skipped_segments"] == 0
    again = json.loads(_run("ingest_logs", "--registry", "bioc", "--json", str(log)))
    assert (again["downloads"], again["skipped_segments"]) == (0, 1)


def test_table_output_and_generic_rules(tmp_path: Path) -> None:
    _run(
        "add_registry",
        "files",
        "--download-regex",
        r"^/dl/(?P<package>[a-z]+)\.tgz$",
        "--statuses",
        "200,206",
        "--methods",
        "GET",
        "--timezone",
        "Europe/Berlin",
    )
    registry = Registry.objects.get(name="files")
    assert (registry.rule_set, registry.counted_statuses, registry.timezone) == (
        RuleSet.GENERIC,
        [200, 206],
        "Europe/Berlin",
    )
    manifest = tmp_path / "m.csv"
    manifest.write_text("package,category\ntool,main\n")
    _run("load_manifest", "files", str(manifest))
    log = tmp_path / "a.log"
    log.write_text('1.1.1.1 - - [01/Jan/2021:08:02:03 +0000] "GET /dl/tool.tgz HTTP/1.1" 206 9\n')
    table = _run("ingest_logs", "--registry", "files", str(log))
    assert "downloads added" in table and "lines/s" in table


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="named group"):
        _run("add_registry", "x", "--download-regex", "^/dl/(.*)$")
    with pytest.raises(CommandError, match="timezone"):
        _run("add_registry", "x", "--rules", "bioconductor", "--timezone", "Mars/Olympus")
    with pytest.raises(CommandError, match="unknown registry"):
        _run("ingest_logs", "--registry", "nope", "x.log")
    _run("add_registry", "bioc", "--rules", "bioconductor")
    with pytest.raises(CommandError, match="nothing could be read"):
        _run("ingest_logs", "--registry", "bioc", "--json", str(tmp_path / "missing.log"))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,cat\nx,y\n")
    with pytest.raises(CommandError, match="missing column"):
        _run("load_manifest", "bioc", str(bad))


def test_a_wholly_corrupt_gzip_is_an_error_that_says_why(tmp_path: Path) -> None:
    _run("add_registry", "bioc", "--rules", "bioconductor")
    broken = tmp_path / "access.log.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 200)
    with pytest.raises(CommandError, match="nothing could be read") as raised:
        _run("ingest_logs", "--registry", "bioc", str(broken))
    assert "gzip stream" in str(raised.value)
