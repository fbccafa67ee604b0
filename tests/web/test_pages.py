"""Public pages: registry index, category index, package page, rendered from real summaries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.test import Client

from stats.models import Package
from stats.services.aggregation import refresh_registry_stats
from tests.factories import PackageFactory
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario(name="bioconductor", start=dt.date(2023, 11, 25), end=dt.date(2024, 1, 10))
    refresh_registry_stats(registry=built.registry)
    return built


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_smoke(client: Client, scenario: Scenario) -> None:
    for url in ("/packages/stats/", "/packages/stats/software.html", "/packages/stats/software/alpha/", "/packages/stats/data-annotation/gamma/"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:500])
