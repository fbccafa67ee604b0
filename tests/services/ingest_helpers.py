"""Shared set-up for ingestion tests: a registry over the real NASA log, and totals."""

from __future__ import annotations

import gzip
import hashlib
from collections import defaultdict
from datetime import date
from pathlib import Path

from django.db.models import Sum

from stats import bitmaps
from stats.models import Client, LogSegment, Package, Registry
from stats.selectors.facts import facts_of_segments
from stats.services.manifest import ManifestRow, manifest_load
from stats.services.registries import registry_configure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
TOP_DIR = r"^/(?P<package>[A-Za-z0-9._-]+)/"
NASA_PACKAGES = ("shuttle", "history", "images", "software")
NASA_TZ = "America/New_York"


def nasa_bytes() -> bytes:
    return gzip.decompress((FIXTURES / "nasa_jul95_xaa.log.gz").read_bytes())


def as_ingested_before_blake3(registry: Registry) -> None:
    """Give the registry's segments the SHA-256 identities an older version stored,
    computed from their source files (decompressed where gzip)."""
    contents: dict[str, bytes] = {}
    for segment in LogSegment.objects.filter(registry=registry):
        if segment.source not in contents:
            raw = Path(segment.source).read_bytes()
            contents[segment.source] = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        piece = contents[segment.source][segment.start_offset : segment.end_offset]
        segment.content_hash = "sha256:" + hashlib.sha256(piece).hexdigest()
        segment.save(update_fields=["content_hash"])


def nasa_registry(name: str = "nasa") -> Registry:
    registry, _ = registry_configure(
        name=name,
        rule_set="generic",
        download_regex=TOP_DIR,
        statuses=[200, 304],
        methods=["GET"],
        timezone=NASA_TZ,
    )
    manifest_load(
        registry=registry, rows=[ManifestRow(package=p, category="site") for p in NASA_PACKAGES]
    )
    return registry


def totals(registry: Registry) -> dict[str, object]:
    """Everything a second run must leave unchanged, read from the database."""
    segments = LogSegment.objects.filter(registry=registry).aggregate(
        lines=Sum("lines"),
        malformed=Sum("malformed"),
        downloads=Sum("downloads"),
        bots=Sum("bots"),
        unknown=Sum("unknown"),
    )
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    clients: dict[tuple[str, date], set[int]] = defaultdict(set)
    names = dict(Package.objects.filter(registry=registry).values_list("pk", "name"))
    segment_ids = LogSegment.objects.filter(registry=registry).values_list("pk", flat=True)
    rows = [
        (names[f.package_id], f.day, f.downloads, f.clients)
        for f in facts_of_segments(list(segment_ids))
    ]
    for name, day, downloads, blob in rows:
        per_day[(name, day)] += downloads
        clients[(name, day)] |= set(bitmaps.from_bytes(blob))
    digests = dict(Client.objects.filter(registry=registry).values_list("id", "digest"))
    distinct = {k: sorted(bytes(digests[i]) for i in v) for k, v in clients.items()}
    return {"segments": segments, "per_day": dict(per_day), "clients": distinct}
