"""Rolling-window totals (downloads_last_*): equal to sums of the facts after every refresh.

Expected values come from the scenario's facts alone; the windows end at valid_through
(npm's last-day/week/month/year: 1, 7, 30 and 365 days).
"""

from __future__ import annotations

import datetime as dt

import pytest

from stats.models import Package, Registry
from stats.selectors.periods import RELATIVE_DAYS, Period
from stats.selectors.rankings import stored_window, top_packages
from stats.services.aggregation import rebuild_registry_stats, refresh_registry_stats
from stats.services.windows import MAX_SHIFT_DAYS
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db

COLUMNS = [
    "downloads_last_day",
    "downloads_last_week",
    "downloads_last_month",
    "downloads_last_year",
]


def _stored(registry: Registry) -> dict[str, tuple[int, ...]]:
    return {
        row[0]: tuple(row[1:])
        for row in Package.objects.filter(registry=registry).values_list("name", *COLUMNS)
    }


def _expected(scenario: Scenario, end: dt.date) -> dict[str, tuple[int, ...]]:
    return {
        name: tuple(
            scenario.expected(packages=[name], start=end - dt.timedelta(days=days - 1), end=end)[0]
            for days in RELATIVE_DAYS.values()
        )
        for name in scenario.packages
    }


def _assert_windows_match_facts(scenario: Scenario) -> dt.date:
    registry = Registry.objects.get(pk=scenario.registry.pk)
    assert registry.valid_through is not None
    assert registry.windows_through == registry.valid_through
    assert _stored(registry) == _expected(scenario, registry.valid_through)
    totals = dict(Package.objects.filter(registry=registry).values_list("name", "downloads_total"))
    assert totals == {name: scenario.expected(packages=[name])[0] for name in scenario.packages}
    return registry.valid_through


def _next_day(scenario: Scenario, day: dt.date, *, late: dict[str, dt.date]) -> None:
    """A segment with ``day``'s downloads (valid through ``day``) and late facts of older days."""
    segment = scenario.add_segment(
        last_line_at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 3), dt.UTC)
    )
    scenario.add_fact(segment, "alpha", day, {1, 2, 900}, downloads=11)
    scenario.add_fact(segment, "gamma", day, {3}, downloads=4)
    for package, old_day in late.items():
        scenario.add_fact(segment, package, old_day, {1, 700}, downloads=6)


def test_windows_follow_incremental_refreshes_and_equal_a_rebuild() -> None:
    scenario = build_scenario(end=dt.date(2024, 1, 20))
    refresh_registry_stats(registry=scenario.registry)
    end = _assert_windows_match_facts(scenario)
    assert end == dt.date(2024, 1, 19)  # the facts of the 20th wait for the next refresh

    # One day at a time, with late facts inside the week, the month and the year only,
    # and one before every window.
    for late_by in (2, 20, 200, 400):
        day = end + dt.timedelta(days=1)
        _next_day(scenario, day, late={"beta": end - dt.timedelta(days=late_by)})
        refresh_registry_stats(registry=scenario.registry)
        end = _assert_windows_match_facts(scenario)
        assert end == day

    # Late facts only: the windows stay where they are and take the new downloads.
    segment = scenario.add_segment(last_line_at=dt.datetime(2024, 1, 5, tzinfo=dt.UTC))
    scenario.add_fact(segment, "gamma", end, {5}, downloads=3)
    scenario.add_fact(segment, "alpha", end - dt.timedelta(days=6), {5}, downloads=2)
    refresh_registry_stats(registry=scenario.registry)
    assert _assert_windows_match_facts(scenario) == end

    # A jump longer than the incremental shift: summed afresh.
    far = end + dt.timedelta(days=MAX_SHIFT_DAYS + 10)
    _next_day(scenario, far, late={"beta": end - dt.timedelta(days=3)})
    refresh_registry_stats(registry=scenario.registry)
    assert _assert_windows_match_facts(scenario) == far
    incremental = _stored(scenario.registry)

    rebuild_registry_stats(registry=scenario.registry)
    assert _assert_windows_match_facts(scenario) == far
    assert _stored(scenario.registry) == incremental


def _expected_top(
    scenario: Scenario, period: Period, category: str | None, limit: int
) -> list[tuple[str, str, int, int]]:
    rows = []
    for name, package in scenario.packages.items():
        if category and package.category.name != category:
            continue
        downloads, clients = scenario.expected(packages=[name], start=period.start, end=period.end)
        if downloads:
            rows.append((name, package.category.name, downloads, clients))
    return sorted(rows, key=lambda r: (-r[2], r[0]))[:limit]


@pytest.mark.parametrize("window", list(RELATIVE_DAYS))
def test_top_of_a_window_reads_the_stored_totals_and_equals_the_facts(window: str) -> None:
    scenario = build_scenario(end=dt.date(2024, 2, 10))
    refresh_registry_stats(registry=scenario.registry)
    _next_day(scenario, dt.date(2024, 2, 10), late={"beta": dt.date(2024, 2, 3)})
    refresh_registry_stats(registry=scenario.registry)
    registry = Registry.objects.get(pk=scenario.registry.pk)
    end = registry.valid_through
    assert end == dt.date(2024, 2, 10)
    period = Period(end - dt.timedelta(days=RELATIVE_DAYS[window] - 1), end)
    assert stored_window(registry, period) is not None

    for category, limit in ((None, 10), (None, 2), ("software", 10), ("annotation", 1)):
        rows = top_packages(registry, period, category=category, limit=limit)
        assert [
            (r["package"], r["category"], r["downloads"], r["distinct_clients"]) for r in rows
        ] == _expected_top(scenario, period, category, limit)
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


def test_top_uses_the_exact_sums_when_the_stored_windows_are_stale() -> None:
    scenario = build_scenario(end=dt.date(2024, 1, 12))
    refresh_registry_stats(registry=scenario.registry)
    registry = Registry.objects.get(pk=scenario.registry.pk)
    end = registry.valid_through
    period = Period(end - dt.timedelta(days=6), end)
    Registry.objects.filter(pk=registry.pk).update(windows_through=None)
    Package.objects.filter(registry=registry).update(downloads_last_week=0)
    registry.refresh_from_db()
    assert stored_window(registry, period) is None
    rows = top_packages(registry, period)
    assert [(r["package"], r["category"], r["downloads"], r["distinct_clients"]) for r in rows] == (
        _expected_top(scenario, period, None, 10)
    )
    # The next refresh sums the windows afresh and trusts them again.
    _next_day(scenario, end + dt.timedelta(days=1), late={})
    refresh_registry_stats(registry=scenario.registry)
    _assert_windows_match_facts(scenario)
