"""Range selectors against numbers computed from the facts, over many date ranges."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from stats.selectors.downloads import (
    category_counts,
    downloads_by_package,
    package_counts,
    package_daily,
    registry_counts,
    registry_daily,
)
from stats.selectors.periods import Period
from stats.services.aggregation import refresh_registry_stats
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db

START, END = dt.date(2023, 11, 20), dt.date(2024, 3, 5)


@pytest.fixture(scope="module")
def periods() -> list[Period]:
    rng = random.Random(3)
    chosen = [
        Period(dt.date(2023, 1, 1), dt.date(2024, 12, 31)),  # whole years
        Period(dt.date(2023, 12, 1), dt.date(2024, 1, 31)),  # whole months
        Period(dt.date(2023, 12, 3), dt.date(2024, 1, 29)),  # months mostly inside
        Period(dt.date(2024, 2, 5), dt.date(2024, 3, 5)),  # last-month shape
        Period(dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
    ]
    for _ in range(12):
        first = START + dt.timedelta(days=rng.randint(-10, 100))
        chosen.append(Period(first, first + dt.timedelta(days=rng.randint(0, 80))))
    return chosen


@pytest.fixture
def scenario() -> Scenario:
    built = build_scenario(start=START, end=END, segments_per_day=1)
    refresh_registry_stats(registry=built.registry)
    return built


def test_ranges_equal_the_facts(scenario: Scenario, periods: list[Period]) -> None:
    ids = {name: p.pk for name, p in scenario.packages.items()}
    categories = {name: c.pk for name, c in scenario.categories.items()}
    for period in periods:
        span = {"start": period.start, "end": period.end}
        counts = package_counts(list(ids.values()), period)
        sums = downloads_by_package(scenario.registry, period)
        for name, pk in ids.items():
            expected = scenario.expected(packages=[name], **span)
            assert (counts[pk].downloads, counts[pk].distinct_clients) == expected, period
            assert sums.get(pk, 0) == expected[0], period
        by_category = category_counts(list(categories.values()), period)
        for name, pk in categories.items():
            expected = scenario.expected(category=name, **span)
            assert (by_category[pk].downloads, by_category[pk].distinct_clients) == expected
            software_only = downloads_by_package(scenario.registry, period, category_id=pk)
            assert sum(software_only.values()) == expected[0]
        whole = registry_counts(scenario.registry, period)
        assert (whole.downloads, whole.distinct_clients) == scenario.expected(**span), period


def test_daily_series_equal_the_facts(scenario: Scenario) -> None:
    period = Period(dt.date(2024, 2, 20), dt.date(2024, 3, 10))
    alpha = scenario.packages["alpha"].pk
    series = package_daily([alpha], period)[alpha]
    whole = registry_daily(scenario.registry, period)
    assert [d.day for d in series] == list(period.each_day())
    for day, registry_day in zip(series, whole, strict=True):
        assert (day.downloads, day.distinct_clients) == scenario.expected(
            packages=["alpha"], start=day.day, end=day.day
        )
        assert (registry_day.downloads, registry_day.distinct_clients) == scenario.expected(
            start=day.day, end=day.day
        )
