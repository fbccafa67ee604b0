"""Load a registry's package manifest: only listed packages are counted."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from stats.models import Category, Package, Registry

REQUIRED_COLUMNS = ("package", "category")


@dataclass(frozen=True)
class ManifestRow:
    package: str
    category: str
    first_release: str = ""
    last_release: str = ""


@dataclass
class ManifestChange:
    """What loading a manifest changed."""

    added: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deactivated


class ManifestError(ValueError):
    """A manifest file that cannot be read; the message names the line or column."""


def _release(value: str | None) -> str:
    """Bioconductor writes versions as integers (302 = 3.2); keep others as they are."""
    value = (value or "").strip()
    if value.isdigit() and len(value) >= 3:
        return f"{int(value) // 100}.{int(value) % 100}"
    return value


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """Rows of a manifest CSV (plain or .gz) with columns package, category[, first_version,
    last_version]."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}")
    rows = []
    for number, record in enumerate(reader, start=2):
        name = (record.get("package") or "").strip()
        category = (record.get("category") or "").strip()
        if not name or not category:
            raise ManifestError(f"{path}, line {number}: package and category are required")
        rows.append(
            ManifestRow(
                package=name,
                category=category,
                first_release=_release(record.get("first_version")),
                last_release=_release(record.get("last_version")),
            )
        )
    return rows


def diff_manifest(*, registry: Registry, rows: list[ManifestRow]) -> ManifestChange:
    """What ``manifest_load`` would change, without changing anything."""
    return _apply(registry, rows, write=False)


@transaction.atomic
def manifest_load(*, registry: Registry, rows: list[ManifestRow]) -> ManifestChange:
    """Add and update the listed packages; packages no longer listed become inactive.

    ``active`` means "in the current release" (no last release). Every package ever
    listed stays countable, so old logs of a retired package still count.
    """
    return _apply(registry, rows, write=True)


def _apply(registry: Registry, rows: list[ManifestRow], *, write: bool) -> ManifestChange:
    change = ManifestChange()
    categories = {c.name: c for c in Category.objects.filter(registry=registry)}
    for name in sorted({r.category for r in rows} - set(categories)):
        if write:
            categories[name] = Category.objects.create(registry=registry, name=name)
    existing = {p.name: p for p in Package.objects.filter(registry=registry)}
    to_create: list[Package] = []
    to_update: list[Package] = []
    listed = set()
    applied: dict[str, tuple[int | None, str, str, bool]] = {}
    for row in rows:
        listed.add(row.package)
        active = not row.last_release
        package = existing.get(row.package)
        if package is None:
            change.added += 1
            if write:
                to_create.append(
                    Package(
                        registry=registry,
                        category=categories[row.category],
                        name=row.package,
                        first_release=row.first_release,
                        last_release=row.last_release,
                        active=active,
                    )
                )
            continue
        category_id = categories[row.category].pk if row.category in categories else None
        values = (category_id, row.first_release, row.last_release, active)
        # A name listed twice is compared with what its previous row set, in a dry run too.
        current = applied.get(row.package) or (
            package.category_id,
            package.first_release,
            package.last_release,
            package.active,
        )
        applied[row.package] = values
        if values == current:
            change.unchanged += 1
            continue
        change.updated += 1
        if write:  # a dry run may name a category not created yet
            package.category = categories[row.category]
            package.first_release, package.last_release = row.first_release, row.last_release
            package.active = active
            to_update.append(package)
    stale = [p for name, p in existing.items() if name not in listed and p.active]
    change.deactivated = len(stale)
    if write:
        Package.objects.bulk_create(to_create, batch_size=1000)
        Package.objects.bulk_update(
            to_update, ["category", "first_release", "last_release", "active"], batch_size=1000
        )
        Package.objects.filter(pk__in=[p.pk for p in stale]).update(active=False)
    return change
