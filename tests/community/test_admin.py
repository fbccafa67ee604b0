"""The uptime admin shows each URL's uptime over the last 1, 7, 30 and 365 days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import RegistryFactory, UptimeCheckFactory

pytestmark = pytest.mark.django_db


def test_uptime_table_percentages_per_period(admin_client: Client) -> None:
    registry = RegistryFactory(name="nf-core")
    now = dt.datetime.now(tz=dt.UTC)
    for hours_ago, up in ((1, True), (2, False), (3, True), (4, True)):  # today: 75 %
        UptimeCheckFactory(
            registry=registry, checked_at=now - dt.timedelta(hours=hours_ago), available=up
        )
    for days_ago in (3, 4, 5, 6):  # earlier this week: 4 down
        UptimeCheckFactory(
            registry=registry, checked_at=now - dt.timedelta(days=days_ago), available=False
        )
    UptimeCheckFactory(registry=registry, checked_at=now - dt.timedelta(days=100), available=True)
    response = admin_client.get(reverse("admin:stats_uptimecheck_changelist"))
    assert response.status_code == 200
    (row,) = response.context["uptime_table"]
    assert row["url"] == "https://example.org"
    assert row["percentages"] == [75.0, 37.5, 37.5, round(100 * 4 / 9, 2)]
    assert "37.50%" in response.content.decode()
