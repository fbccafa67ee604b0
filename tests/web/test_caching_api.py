"""The response cache on the real statistics API (applied in emgapiv2/api.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.db.models import F
from django.test import Client

from stats.models import Package, Registry
from stats.web.caching import clear_local_entries
from tests.factories import PackageFactory, RegistryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()
    clear_local_entries()


@pytest.fixture
def registry() -> Registry:
    registry = RegistryFactory(name="bioc", valid_through=dt.date(2024, 1, 9), data_generation=1)
    PackageFactory(registry=registry, name="alpha", downloads_total=5)
    RegistryFactory(name="other", data_generation=1)
    return registry


def test_package_list_is_cached_by_generation(client: Client, registry: Registry):
    url = "/api/v1/registries/bioc/packages"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Last-Modified"] == "Wed, 10 Jan 2024 00:00:00 GMT"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # A write without a new generation is not seen (the cache is keyed by generation).
    PackageFactory(registry=registry, name="beta")
    assert client.get(url).json()["count"] == 1
    # Another registry's refresh leaves this entry alone.
    Registry.objects.filter(name="other").update(data_generation=F("data_generation") + 1)
    assert client.get(url).json()["count"] == 1
    # This registry's refresh shows the new numbers, under a new ETag.
    Registry.objects.filter(pk=registry.pk).update(data_generation=F("data_generation") + 1)
    fresh = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert fresh.json()["count"] == 2
    assert fresh["ETag"] != first["ETag"]


def test_json_and_csv_are_cached_apart(client: Client, registry: Registry):
    url = "/api/v1/registries/bioc/packages/alpha"
    as_json = client.get(url)
    as_csv = client.get(url, HTTP_ACCEPT="text/csv")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_csv["Content-Type"].startswith("text/csv")
    assert client.get(url)["Content-Type"].startswith("application/json")
    assert client.get(url, HTTP_ACCEPT="text/csv").content == as_csv.content
    assert as_json["ETag"] != as_csv["ETag"]
    assert "Accept" in as_csv["Vary"]


def test_errors_are_not_cached(client: Client, registry: Registry):
    url = "/api/v1/registries/bioc/packages/gamma"
    assert client.get(url).status_code == 404
    Package.objects.create(registry=registry, category=registry.categories.get(), name="gamma")
    assert client.get(url).status_code == 200


def test_health_is_never_cached(client: Client, registry: Registry):
    assert "ETag" not in client.get("/api/v1/health")
