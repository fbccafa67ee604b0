"""Top packages: ties at the limit are broken by name."""

from __future__ import annotations

import datetime as dt

import pytest

from stats.models import Registry
from stats.selectors.periods import Period
from stats.selectors.rankings import top_packages
from stats.services.aggregation import refresh_registry_stats
from tests.selectors.scenario import Scenario

pytestmark = pytest.mark.django_db


def test_top_breaks_ties_by_name() -> None:
    scenario = Scenario(registry=Registry.objects.create(name="ties"))
    segment = scenario.add_segment()
    day = dt.date(2024, 4, 2)
    for name, clients in [("zeta", {1}), ("beta", {1, 2}), ("alpha", {3}), ("gamma", {4, 5})]:
        scenario.add_package(name, "software")
        scenario.add_fact(segment, name, day, clients, downloads=5 if name != "gamma" else 9)
    scenario.add_package("idle", "software")
    refresh_registry_stats(registry=scenario.registry)

    rows = top_packages(scenario.registry, Period(day, day), limit=3)
    assert [(r["package"], r["downloads"], r["distinct_clients"]) for r in rows] == [
        ("gamma", 9, 2),
        ("alpha", 5, 1),
        ("beta", 5, 2),
    ]
    assert top_packages(scenario.registry, Period(day, day), limit=10)[-1]["package"] == "zeta"
    assert top_packages(scenario.registry, Period(dt.date(2020, 1, 1), dt.date(2020, 1, 2))) == []
