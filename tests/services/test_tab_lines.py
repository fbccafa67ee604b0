"""Kept .tab year lines: what the refresh patches equals what the months render."""

from __future__ import annotations

import datetime as dt

import pytest

from stats.models import Category, PackageYear, PackageYearLines, Registry
from stats.selectors import tabfiles as selectors
from stats.services.aggregation import rebuild_registry_stats, refresh_registry_stats
from stats.services.tab_lines import render_year_lines
from stats.web import tabformat
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


def _files(registry: Registry) -> dict[str, tuple[str, str]]:
    """Per category: the file joined from the kept lines, and rendered from the months."""
    result = {}
    for category in Category.objects.filter(registry=registry):
        names = selectors.category_package_names(category_id=category.pk)
        result[category.name] = (
            tabformat.packages_series_from_lines(
                selectors.category_package_year_lines(category_id=category.pk)
            ),
            tabformat.packages_series_tab(
                names,
                selectors.category_package_years(category_id=category.pk),
                selectors.category_package_months(category_id=category.pk),
            ),
        )
    return result


def _kept(registry: Registry) -> dict[tuple[str, int], str]:
    rows = PackageYearLines.objects.filter(package__registry=registry)
    return {(r.package.name, r.year): r.lines for r in rows.select_related("package")}


def _assert_kept_lines_are_right(scenario: Scenario) -> None:
    years = PackageYear.objects.filter(package__registry=scenario.registry)
    assert set(_kept(scenario.registry)) == {(y.package.name, y.year) for y in years}
    for joined, rendered in _files(scenario.registry).values():
        assert joined == rendered
    kept = _kept(scenario.registry)
    render_year_lines(package_ids=[p.pk for p in scenario.packages.values()])
    assert _kept(scenario.registry) == kept


def test_refreshes_keep_the_lines_of_every_year_and_a_rebuild_gives_the_same() -> None:
    scenario = build_scenario(end=dt.date(2023, 12, 28))
    refresh_registry_stats(registry=scenario.registry)
    _assert_kept_lines_are_right(scenario)
    # Into the new year, with late facts for last year's December and November.
    for day in (dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 2, 1)):
        segment = scenario.add_segment(
            last_line_at=dt.datetime.combine(day, dt.time(23, 0), dt.UTC)
        )
        scenario.add_fact(segment, "alpha", day, {1, 2, 3})
        scenario.add_fact(segment, "gamma", day - dt.timedelta(days=5), {4, 800})
        scenario.add_fact(segment, "beta", dt.date(2023, 11, 30), {5})
        refresh_registry_stats(registry=scenario.registry)
        _assert_kept_lines_are_right(scenario)
    kept = _kept(scenario.registry)
    assert {year for _, year in kept} == {2023, 2024}

    rebuild_registry_stats(registry=scenario.registry)
    _assert_kept_lines_are_right(scenario)
    assert _kept(scenario.registry) == kept


def test_years_written_without_lines_are_rendered_from_the_months() -> None:
    scenario = build_scenario(end=dt.date(2024, 1, 3))
    refresh_registry_stats(registry=scenario.registry)
    PackageYearLines.objects.filter(package__registry=scenario.registry).delete()
    segment = scenario.add_segment(last_line_at=dt.datetime(2024, 1, 4, 9, tzinfo=dt.UTC))
    scenario.add_fact(segment, "alpha", dt.date(2024, 1, 4), {1})
    scenario.add_fact(segment, "gamma", dt.date(2023, 12, 30), {1})
    refresh_registry_stats(registry=scenario.registry)
    # The refresh cannot patch lines it does not have: it renders the touched packages'.
    assert {name for name, _ in _kept(scenario.registry)} == {"alpha", "gamma"}
    render_year_lines(package_ids=[p.pk for p in scenario.packages.values()])
    _assert_kept_lines_are_right(scenario)
