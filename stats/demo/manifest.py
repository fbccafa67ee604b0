"""The shipped Bioconductor manifest, read without Django so the generator stays pure."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

SHIPPED_MANIFEST = Path(__file__).resolve().parent / "data" / "bioconductor_manifest.csv.gz"

# Manifest category -> path segment under /packages/<version>/ on the Bioconductor site.
CATEGORY_PATHS: dict[str, str] = {
    "bioc": "bioc",
    "annotation": "data/annotation",
    "experiment": "data/experiment",
    "workflows": "workflows",
}


@dataclass(frozen=True, slots=True)
class ManifestPackage:
    """One manifest row; versions are integers as in the manifest (302 = 3.2)."""

    name: str
    category: str
    first_version: int
    last_version: int | None

    @property
    def active(self) -> bool:
        return self.last_version is None


def version_label(number: int) -> str:
    """302 -> '3.2', 319 -> '3.19' (the manifest's integer to the URL's release)."""
    return f"{number // 100}.{number % 100}"


def read_manifest(path: Path | str | None = None) -> list[ManifestPackage]:
    """Rows of a manifest CSV (plain or .gz) with columns package,category,first/last_version.

    Rows whose category has no known path are skipped: the generator could not build a
    URL for them.
    """
    source = Path(path) if path is not None else SHIPPED_MANIFEST
    raw = source.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    packages: list[ManifestPackage] = []
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        category = (row.get("category") or "").strip()
        name = (row.get("package") or "").strip()
        if not name or category not in CATEGORY_PATHS:
            continue
        first = (row.get("first_version") or "").strip()
        last = (row.get("last_version") or "").strip()
        packages.append(
            ManifestPackage(
                name=name,
                category=category,
                first_version=int(first) if first else 0,
                last_version=int(last) if last else None,
            )
        )
    return packages
