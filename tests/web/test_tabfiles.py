"""The .tab/.txt files: bytes, status codes, headers, routes."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import F
from django.test import Client

from stats.models import Registry
from stats.selectors.tabfiles import (
    category_package_year_lines,
    consistent_read,
    registry_state,
)
from stats.services.tab_lines import render_year_lines
from stats.web.caching import clear_local_entries
from stats.web.tabfiles import category_directory, category_for_directory, warm_tab_files
from tests.factories import RegistryFactory
from tests.web.tab_dataset import build_dataset, expected

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()
    clear_local_entries()


@pytest.fixture
def dataset():
    return build_dataset()


@pytest.mark.parametrize(
    ("url", "expected_file"),
    [
        ("/packages/stats/bioc/limma/limma_stats.tab", "limma_stats.tab"),
        ("/packages/stats/bioc/limma/limma_2023_stats.tab", "limma_2023_stats.tab"),
        ("/packages/stats/bioc/bioc_stats.tab", "bioc_stats.tab"),
        ("/packages/stats/bioc/bioc_2024_stats.tab", "bioc_2024_stats.tab"),
        ("/packages/stats/bioc/bioc_pkg_stats.tab", "bioc_pkg_stats.tab"),
        ("/packages/stats/bioc/bioc_pkg_scores.tab", "bioc_pkg_scores.tab"),
        ("/packages/stats/bioc/bioc_packages.txt", "bioc_packages.txt"),
        ("/packages/stats/data-annotation/annotation_pkg_scores.tab", "annotation_pkg_scores.tab"),
    ],
)
def test_files_match_hand_written_bytes(client: Client, dataset, url: str, expected_file: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == expected(expected_file)


def test_known_package_without_downloads_is_just_the_header(client: Client, dataset):
    response = client.get("/packages/stats/bioc/newpkg/newpkg_stats.tab")
    assert response.status_code == 200
    assert response.content == b"Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n"
    year = client.get("/packages/stats/bioc/limma/limma_2019_stats.tab")
    assert year.content == b"Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n"


def test_last_modified_is_midnight_utc_after_valid_through(client: Client, dataset):
    response = client.get("/packages/stats/bioc/limma/limma_stats.tab")
    # valid through 2024-03-31 -> modified at the start of 2024-04-01
    assert response["Last-Modified"] == "Mon, 01 Apr 2024 00:00:00 GMT"
    assert response["ETag"].startswith('"')


@pytest.mark.parametrize(
    "url",
    [
        "/packages/stats/bioc/nosuchpkg/nosuchpkg_stats.tab",
        "/packages/stats/bioc/limma/affy_stats.tab",
        "/packages/stats/bioc/limma/limma_20x3_stats.tab",
        "/packages/stats/bioc/limma/limma_0000_stats.tab",  # no year 0: was a 500
        "/packages/stats/bioc/bioc_0000_stats.tab",
        # Arabic-Indic digits: \d took them for a year
        "/packages/stats/bioc/limma/limma_\u0662\u0660\u0662\u0663_stats.tab",
        "/packages/stats/bioc/bioc_\u0662\u0660\u0662\u0664_stats.tab",
        "/packages/stats/nosuchcat/nosuchcat_stats.tab",
        "/packages/stats/annotation/annotation_pkg_scores.tab",
        "/packages/stats/data-annotation/bioc_pkg_scores.tab",
        "/packages/stats/data-experiment/experiment_stats.tab",
        "/packages/stats/bioc/org.Hs.eg.db/org.Hs.eg.db_stats.tab",
        "/packages/stats/bioc/bioc_whatever.tab",
        "/r/nosuchregistry/packages/stats/bioc/bioc_stats.tab",
    ],
)
def test_unknown_things_are_plain_text_404(client: Client, dataset, url: str):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.startswith(b"Not found: ")


def test_private_registry_is_not_served(client: Client, dataset):
    Registry.objects.filter(pk=dataset.registry.pk).update(is_public=False)
    assert client.get("/packages/stats/bioc/bioc_stats.tab").status_code == 404


def test_any_registry_under_r_prefix(client: Client, dataset):
    other = build_dataset("nfcore")
    assert other.registry.name == "nfcore"
    response = client.get("/r/nfcore/packages/stats/bioc/limma/limma_stats.tab")
    assert response.status_code == 200
    assert response.content == expected("limma_stats.tab")
    # The default registry is also reachable by name.
    named = client.get("/r/bioconductor/packages/stats/bioc/bioc_pkg_scores.tab")
    assert named.content == expected("bioc_pkg_scores.tab")


def test_default_registry_is_a_setting(client: Client, dataset, settings):
    RegistryFactory(name="empty")
    settings.STATS = settings.STATS.model_copy(
        update={
            "tabfiles": settings.STATS.tabfiles.model_copy(update={"default_registry": "empty"})
        }
    )
    assert client.get("/packages/stats/bioc/bioc_stats.tab").status_code == 404


def test_new_generation_serves_new_numbers(client: Client, dataset):
    url = "/packages/stats/bioc/bioc_pkg_scores.tab"
    first = client.get(url)
    dataset.packages["limma"].__class__.objects.filter(name="limma").update(download_score=99)
    # Same generation: the cached file is served.
    assert client.get(url).content == first.content
    Registry.objects.filter(pk=dataset.registry.pk).update(data_generation=F("data_generation") + 1)
    second = client.get(url)
    assert b"limma\t99\n" in second.content
    assert second["ETag"] != first["ETag"]


def test_category_directories_follow_bioconductor():
    assert category_directory("annotation") == "data-annotation"
    assert category_directory("experiment") == "data-experiment"
    assert category_directory("bioc") == "bioc"
    assert category_for_directory("data-experiment") == "experiment"
    assert category_for_directory("workflows") == "workflows"
    assert category_for_directory("annotation") is None


@pytest.mark.django_db(transaction=True)
def test_snapshot_read_outside_a_transaction_leaves_autocommit_on(client: Client):
    """The real serving path (no test transaction around it), on SQLite and PostgreSQL."""
    build_dataset()
    with consistent_read():
        assert registry_state("bioconductor") is not None
        assert connection.in_atomic_block or connection.vendor == "sqlite"
    assert connection.get_autocommit()
    assert not connection.in_atomic_block
    response = client.get("/packages/stats/bioc/limma/limma_stats.tab")
    assert response.content == expected("limma_stats.tab")
    # A failing read inside the snapshot ends it too.
    with pytest.raises(ZeroDivisionError), consistent_read():
        registry_state("bioconductor")
        _ = 1 / 0
    assert connection.get_autocommit()
    assert registry_state("bioconductor") is not None


def test_warmed_files_are_served_without_rendering(
    client: Client, dataset, django_assert_num_queries
):
    warmed = warm_tab_files(registry="bioconductor")
    assert "/packages/stats/bioc/bioc_pkg_stats.tab" in warmed
    assert "/packages/stats/data-annotation/annotation_pkg_scores.tab" in warmed
    with django_assert_num_queries(1):  # the data generation, nothing else
        response = client.get("/packages/stats/bioc/bioc_pkg_stats.tab")
    assert response.content == expected("bioc_pkg_stats.tab")
    other = build_dataset("nfcore")
    assert "/r/nfcore/packages/stats/bioc/bioc_pkg_stats.tab" in warm_tab_files(
        registry=other.registry.name
    )


def test_head_and_conditional_requests(client: Client, dataset):
    url = "/packages/stats/bioc/limma/limma_stats.tab"
    first = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    older = "Sun, 31 Mar 2024 00:00:00 GMT"
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200


def test_pkg_stats_from_kept_year_lines_matches_hand_written_bytes(client: Client, dataset):
    # The dataset's rows are written directly, without kept lines: rendered from months.
    assert category_package_year_lines(category_id=dataset.bioc.pk) == []
    render_year_lines(package_ids=[p.pk for p in dataset.packages.values()])
    assert len(category_package_year_lines(category_id=dataset.bioc.pk)) == 4
    response = client.get("/packages/stats/bioc/bioc_pkg_stats.tab")
    assert response.content == expected("bioc_pkg_stats.tab")
