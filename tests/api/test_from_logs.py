"""From a real-format log to the API: ingest the hand-made Bioconductor log, refresh, read.

The expected numbers are the hand counts documented line by line in
tests/fixtures/SOURCES.md (``logs/bioconductor_sample.log``), not outputs of the code.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOG = FIXTURES / "logs" / "bioconductor_sample.log"

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(data_dir: Path) -> None:
    out = StringIO()
    call_command("add_registry", "bioconductor", "--rules", "bioconductor", stdout=out)
    call_command(
        "load_manifest", "bioconductor", str(FIXTURES / "packages_manifest.csv"), stdout=out
    )
    call_command("ingest_logs", "--registry", "bioconductor", str(LOG), stdout=out)
    call_command("refresh_stats", "--registry", "bioconductor", stdout=out)


def test_point_range_and_detail_equal_the_hand_counts(client: Client, ingested: None) -> None:
    june = "2024-06-01:2024-06-30"
    limma = client.get(f"/api/v1/downloads/point/{june}/limma?registry=bioconductor").json()
    assert (limma["downloads"], limma["distinct_clients"]) == (7, 5)

    days = client.get(f"/api/v1/downloads/range/{june}/limma?registry=bioconductor").json()
    by_day = {d["day"]: d["downloads"] for d in days["downloads"] if d["downloads"]}
    assert by_day == {"2024-06-03": 2, "2024-06-04": 2, "2024-06-08": 2, "2024-06-09": 1}

    bulk = client.get(
        f"/api/v1/downloads/point/{june}/org.Hs.eg.db,airway,rnaseqGene,DESeq,ggplot2"
        "?registry=bioconductor"
    ).json()
    assert {k: v and (v["downloads"], v["distinct_clients"]) for k, v in bulk.items()} == {
        "org.Hs.eg.db": (2, 1),
        "airway": (1, 1),
        "rnaseqGene": (1, 1),
        "DESeq": (1, 1),
        "ggplot2": None,  # requested, but not in the manifest
    }

    registry = client.get(f"/api/v1/downloads/point/{june}?registry=bioconductor").json()
    assert registry["downloads"] == 12

    detail = client.get("/api/v1/registries/bioconductor/packages/limma").json()
    assert detail["monthly"] == [{"month": "2024-06", "downloads": 7, "distinct_clients": 5}]
    assert {v["version"]: v["downloads"] for v in detail["versions"]} == {
        "3.60.0": 6,
        "3.58.0": 1,
    }
    totals = {
        name: client.get(f"/api/v1/registries/bioconductor/categories/{name}").json()[
            "downloads_total"
        ]
        for name in ("bioc", "annotation", "experiment", "workflows")
    }
    assert totals == {"bioc": 8, "annotation": 2, "experiment": 1, "workflows": 1}
