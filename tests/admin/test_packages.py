"""Package search and filters, read-only totals and versions, and unknown names."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from stats.models import Package
from tests.factories import (
    CategoryFactory,
    PackageFactory,
    PackageVersionFactory,
    RegistryFactory,
    UnknownPackageFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:stats_package_changelist"


@pytest.fixture
def catalogue() -> dict[str, Package]:
    bioc = RegistryFactory(name="bioconductor")
    nfcore = RegistryFactory(name="nf-core")
    software = CategoryFactory(registry=bioc, name="bioc")
    annotation = CategoryFactory(registry=bioc, name="annotation")
    pipelines = CategoryFactory(registry=nfcore, name="pipelines")
    return {
        "DESeq2": PackageFactory(registry=bioc, category=software, name="DESeq2"),
        "edgeR": PackageFactory(registry=bioc, category=software, name="edgeR", active=False),
        "org.Hs.eg.db": PackageFactory(registry=bioc, category=annotation, name="org.Hs.eg.db"),
        "rnaseq": PackageFactory(registry=nfcore, category=pipelines, name="rnaseq"),
        "deseq-pipe": PackageFactory(registry=nfcore, category=pipelines, name="deseq-pipe"),
    }


def _names(client: Client, **params: object) -> list[str]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return sorted(p.name for p in response.context["cl"].result_list)


def test_search_by_name(admin_client: Client, catalogue: dict[str, Package]) -> None:
    assert _names(admin_client, q="deseq") == ["DESeq2", "deseq-pipe"]
    assert _names(admin_client, q="org.hs") == ["org.Hs.eg.db"]
    assert _names(admin_client, q="nothing-like-this") == []


def test_filters(admin_client: Client, catalogue: dict[str, Package]) -> None:
    bioc = catalogue["DESeq2"].registry
    annotation = catalogue["org.Hs.eg.db"].category
    assert _names(admin_client, registry__id__exact=bioc.pk) == ["DESeq2", "edgeR", "org.Hs.eg.db"]
    assert _names(admin_client, category__id__exact=annotation.pk) == ["org.Hs.eg.db"]
    assert _names(admin_client, active__exact=0) == ["edgeR"]
    assert _names(admin_client, registry__id__exact=bioc.pk, active__exact=1, q="e") == [
        "DESeq2",
        "org.Hs.eg.db",
    ]


def test_category_filter_is_labelled_and_follows_the_registry(
    admin_client: Client, catalogue: dict[str, Package]
) -> None:
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    for label in ("bioconductor/annotation", "bioconductor/bioc", "nf-core/pipelines"):
        assert label in html
    bioc = catalogue["DESeq2"].registry
    html = admin_client.get(reverse(CHANGELIST), {"registry__id__exact": bioc.pk}).content
    assert b"bioconductor/bioc" in html
    assert b"nf-core/pipelines" not in html


def test_list_shows_totals_written_by_aggregation(
    admin_client: Client, catalogue: dict[str, Package]
) -> None:
    Package.objects.filter(name="DESeq2").update(
        downloads_total=1234567, download_score=4321, rank=7
    )
    response = admin_client.get(reverse(CHANGELIST), {"q": "DESeq2", "o": "7"})
    html = response.content.decode()
    assert "1234567" in html
    assert "4321" in html
    assert '<td class="field-rank">7</td>' in html


def test_totals_and_versions_are_read_only(
    admin_client: Client, catalogue: dict[str, Package]
) -> None:
    package = catalogue["DESeq2"]
    Package.objects.filter(pk=package.pk).update(downloads_total=99, rank=3)
    PackageVersionFactory(package=package, version="1.40.0", downloads=60)
    PackageVersionFactory(package=package, version="1.42.0", downloads=39)
    url = reverse("admin:stats_package_change", args=[package.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert "1.40.0" in html and "1.42.0" in html
    assert 'name="versions-0-version"' not in html  # shown, not editable
    assert 'name="downloads_total"' not in html

    response = admin_client.post(
        url,
        {
            "registry": package.registry_id,
            "category": package.category_id,
            "name": "DESeq2",
            "first_release": "2.13",
            "last_release": "",
            "active": "on",
            "downloads_total": "0",
            "rank": "1",
            "versions-TOTAL_FORMS": "2",
            "versions-INITIAL_FORMS": "2",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.first_release == "2.13"
    assert (package.downloads_total, package.rank) == (99, 3)
    assert sorted(package.versions.values_list("version", "downloads")) == [
        ("1.40.0", 60),
        ("1.42.0", 39),
    ]


def test_category_of_another_registry_is_refused(
    admin_client: Client, catalogue: dict[str, Package]
) -> None:
    package = catalogue["DESeq2"]
    pipelines = catalogue["rnaseq"].category
    response = admin_client.post(
        reverse("admin:stats_package_change", args=[package.pk]),
        {
            "registry": package.registry_id,
            "category": pipelines.pk,
            "name": "DESeq2",
            "active": "on",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Category nf-core/pipelines belongs to another registry." in response.content.decode()
    package.refresh_from_db()
    assert package.category.name == "bioc"


def test_unknown_packages_search_filter_and_read_only(admin_client: Client) -> None:
    bioc = RegistryFactory(name="bioconductor")
    nfcore = RegistryFactory(name="nf-core")
    UnknownPackageFactory(registry=bioc, name="NotInManifest", requests=12)
    UnknownPackageFactory(registry=bioc, name="Typo", requests=1)
    UnknownPackageFactory(registry=nfcore, name="NotInManifestEither", requests=4)
    url = reverse("admin:stats_unknownpackage_changelist")

    rows = admin_client.get(url, {"q": "manifest"}).context["cl"].result_list
    assert sorted((r.registry.name, r.name, r.requests) for r in rows) == [
        ("bioconductor", "NotInManifest", 12),
        ("nf-core", "NotInManifestEither", 4),
    ]
    rows = admin_client.get(url, {"registry__id__exact": bioc.pk}).context["cl"].result_list
    assert [r.name for r in rows] == ["NotInManifest", "Typo"]  # most requested first

    assert admin_client.get(reverse("admin:stats_unknownpackage_add")).status_code == 403
