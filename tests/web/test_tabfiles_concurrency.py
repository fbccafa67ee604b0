"""Readers of the .tab files during a recomputation see the old file or the new one.

Real concurrent connections on both databases: PostgreSQL, and SQLite in a file in WAL
mode as the embedded default runs (the test database is such a file, see
tests/conftest.py), where readers see the last commit beside a writing transaction.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test import Client, override_settings

from stats.models import PackageMonth, PackageYear, Registry
from tests.web.tab_dataset import PACKAGE_MONTHS, PACKAGE_YEARS, build_dataset, expected

pytestmark = [pytest.mark.django_db(transaction=True)]

NEW_YEARS = {2024: (20, 50), 2023: (8, 18), 2021: (1, 1)}
NEW_MONTHS = {(2024, 2): (20, 50), (2023, 5): (8, 18), (2021, 7): (1, 1)}
URLS = (
    "/packages/stats/bioc/limma/limma_stats.tab",
    "/packages/stats/bioc/bioc_pkg_stats.tab",
)
DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def recompute(package, years, months, pause: float) -> None:
    """What the aggregation service does: delete and rewrite rows, bump, in one transaction."""
    with transaction.atomic():
        PackageYear.objects.filter(package=package).delete()
        PackageMonth.objects.filter(package=package).delete()
        time.sleep(pause)
        PackageYear.objects.bulk_create(
            PackageYear(package=package, year=year, distinct_clients=ips, downloads=downloads)
            for year, (ips, downloads) in years.items()
        )
        time.sleep(pause)
        PackageMonth.objects.bulk_create(
            PackageMonth(
                package=package,
                month=f"{year}-{month:02d}-01",
                distinct_clients=ips,
                downloads=downloads,
                clients=b"",
            )
            for (year, month), (ips, downloads) in months.items()
        )
        Registry.objects.filter(pk=package.registry_id).update(
            data_generation=F("data_generation") + 1
        )


def read_in_loop(url: str, stop: threading.Event, seen: list, errors: list) -> None:
    client = Client()
    try:
        while not stop.is_set():
            response = client.get(url)
            seen.append((response.status_code, response.content))
    except Exception as exc:  # noqa: BLE001 - any exception is the failure under test
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.parametrize("caches", [DUMMY, LOCMEM], ids=["uncached", "cached"])
def test_reader_sees_old_or_new_file_never_an_error(caches):
    with override_settings(CACHES=caches):
        dataset = build_dataset()
        limma = dataset.packages["limma"]
        client = Client()
        old = {url: client.get(url).content for url in URLS}
        assert old[URLS[0]] == expected("limma_stats.tab")
        recompute(limma, NEW_YEARS, NEW_MONTHS, pause=0)
        new = {url: client.get(url).content for url in URLS}
        assert b"2021\tJul\t1\t1\n" in new[URLS[0]]
        assert new[URLS[0]] != old[URLS[0]]

        stop = threading.Event()
        seen: dict[str, list] = {url: [] for url in URLS}
        errors: list[Exception] = []
        readers = [
            threading.Thread(target=read_in_loop, args=(url, stop, seen[url], errors))
            for url in URLS
        ]
        for reader in readers:
            reader.start()
        try:
            for round_ in range(16):
                years, months = (
                    (PACKAGE_YEARS["limma"], PACKAGE_MONTHS["limma"])
                    if round_ % 2 == 0
                    else (NEW_YEARS, NEW_MONTHS)
                )
                recompute(limma, years, months, pause=0.02)
                time.sleep(0.01)
        finally:
            stop.set()
            for reader in readers:
                reader.join(timeout=30)

        assert errors == []
        for url in URLS:
            assert len(seen[url]) >= 10, "readers ran throughout the recomputations"
            statuses = {status for status, _ in seen[url]}
            assert statuses == {200}
            bodies = {body for _, body in seen[url]}
            assert bodies <= {old[url], new[url]}, "a file mixed old and new rows"
