"""Loading a registry's manifest: added, updated, unchanged, deactivated; a dry run agrees."""

from __future__ import annotations

import pytest

from stats.models import Package
from stats.services.manifest import ManifestRow, diff_manifest, manifest_load
from tests.factories import RegistryFactory

pytestmark = pytest.mark.django_db


def test_load_adds_updates_and_deactivates_and_the_dry_run_agrees() -> None:
    registry = RegistryFactory(name="m")
    first = manifest_load(
        registry=registry,
        rows=[
            ManifestRow("foo", "software", "3.1", ""),
            ManifestRow("old", "software", "2.0", ""),
        ],
    )
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    rows = [
        ManifestRow("foo", "software", "3.1", "3.5"),  # retired in 3.5
        ManifestRow("new", "data", "3.6", ""),  # a new package in a new category
    ]
    preview = diff_manifest(registry=registry, rows=rows)
    assert Package.objects.filter(registry=registry).count() == 2, "a dry run writes nothing"
    loaded = manifest_load(registry=registry, rows=rows)
    assert preview == loaded
    assert (loaded.added, loaded.updated, loaded.unchanged, loaded.deactivated) == (1, 1, 0, 1)
    foo = Package.objects.get(registry=registry, name="foo")
    assert (foo.last_release, foo.active) == ("3.5", False)
    assert Package.objects.get(registry=registry, name="new").category.name == "data"


def test_a_name_listed_twice_counts_the_same_in_a_dry_run() -> None:
    registry = RegistryFactory(name="m")
    manifest_load(registry=registry, rows=[ManifestRow("foo", "software", "3.1", "")])
    rows = [
        ManifestRow("foo", "software", "3.1", "3.5"),
        ManifestRow("foo", "software", "3.1", ""),
    ]
    preview = diff_manifest(registry=registry, rows=rows)
    loaded = manifest_load(registry=registry, rows=rows)
    assert (preview.updated, preview.unchanged) == (loaded.updated, loaded.unchanged) == (2, 0)
