"""Odd inputs get a 4xx JSON answer with a message, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from stats.services.aggregation import refresh_registry_stats
from tests.selectors.scenario import build_scenario

pytestmark = pytest.mark.django_db

ODD = [
    "/api/v1/downloads/point/9999-12-31/alpha?registry=bioc",
    "/api/v1/downloads/point/0000-00-00/alpha?registry=bioc",
    "/api/v1/downloads/point/2024-01-01:2024-01-01:2024-01-01/alpha?registry=bioc",
    "/api/v1/downloads/range/1969-12-31:1970-01-02/alpha?registry=bioc",
    "/api/v1/downloads/range/2999-12-01:2999-12-31?registry=bioc",
    "/api/v1/downloads/point/last-week/,,,?registry=bioc",
    "/api/v1/downloads/point/last-week/alpha?registry=bioc&format=xml",
    "/api/v1/downloads/point/last-week/%00?registry=bioc",
    "/api/v1/registries/bioc/packages?q=a%00b",
    "/api/v1/registries/bioc/packages/al%00pha",
    "/api/v1/top/bioc/last-week?category=%00",
    "/api/v1/downloads/point/last-week/alpha?registry=" + "x" * 300,
    "/api/v1/registries/bioc/packages?page=0",
    "/api/v1/registries/bioc/packages?page=999999",
    "/api/v1/registries/bioc/packages?page_size=100000",
    "/api/v1/registries/bioc/packages?order=popularity",
    "/api/v1/top/bioc/last-week?limit=0",
    "/api/v1/top/bioc/last-week?limit=abc",
    "/api/v1/top/bioc/2999-01-01:2999-12-31",
    "/api/v1/trending/bioc?min_weekly_downloads=-1",
]


def test_odd_requests_are_answered_in_json(client: Client) -> None:
    scenario = build_scenario(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 3))
    refresh_registry_stats(registry=scenario.registry)
    for url in ODD:
        response = client.get(url)
        assert response.status_code < 500, url
        assert response["Content-Type"].startswith("application/json"), url
        if response.status_code >= 400:
            assert response.json()["message"], url


@pytest.mark.parametrize("page", ["9223372036854775808", "99999999999999999999999999"])
def test_a_huge_page_number_is_422_not_an_offset_overflow(client: Client, page: str) -> None:
    """page x page_size beyond a 64-bit OFFSET made the database fail (a 500)."""
    scenario = build_scenario(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 3))
    response = client.get(f"/api/v1/registries/{scenario.registry.name}/packages?page={page}")
    assert response.status_code == 422, response.content
    assert response.json()["message"].startswith("Invalid request: query.page")


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("/api/v1/downloads/point/%0Alast-week?registry=bioc&format=csv", "bioc_last-week"),
        ("/api/v1/downloads/range/last-week%0D%0A?registry=bioc&format=csv", "bioc_last-week"),
        (
            "/api/v1/downloads/point/last-week%0A/alpha,beta?registry=bioc&format=csv",
            "bioc_last-week",
        ),
        ("/api/v1/top/bioc/%0Alast-week?format=csv", "bioc_top_last-week"),
        ("/api/v1/top/bioc/%E2%80%83last-week%09?format=csv", "bioc_top_last-week"),
    ],
)
def test_csv_filename_never_carries_the_raw_period(client: Client, url: str, filename: str) -> None:
    """Periods are read without surrounding whitespace, but the CSV file name took the raw
    text: a newline in a header is refused by Django (BadHeaderError, a 500)."""
    scenario = build_scenario(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 3))
    refresh_registry_stats(registry=scenario.registry)
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'inline; filename="{filename}.csv"'
