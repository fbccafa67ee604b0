"""Aggregation: summaries equal numbers computed from the facts; incremental == rebuild."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.management import call_command

from stats import bitmaps
from stats.models import (
    CategoryDay,
    CategoryMonth,
    CategoryYear,
    LogSegment,
    Package,
    PackageDay,
    PackageMonth,
    PackageVersion,
    PackageYear,
    Registry,
)
from stats.services.aggregation import rebuild_registry_stats, refresh_registry_stats
from tests.selectors.scenario import Scenario, build_scenario

pytestmark = pytest.mark.django_db


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _snapshot(registry: Registry) -> dict[str, object]:
    """Every summary number of a registry, bitmaps decoded, for equality checks."""

    def rows(model, owner: str, period: str) -> dict:
        lookup = {f"{owner}__registry": registry}
        return {
            (getattr(r, owner).name, getattr(r, period)): (
                r.downloads,
                r.distinct_clients,
                tuple(bitmaps.from_bytes(r.clients)),
                getattr(r, "mirror_downloads", None),
            )
            for r in model.objects.filter(**lookup).select_related(owner)
        }

    return {
        "package_days": rows(PackageDay, "package", "day"),
        "package_months": rows(PackageMonth, "package", "month"),
        "package_years": rows(PackageYear, "package", "year"),
        "category_days": rows(CategoryDay, "category", "day"),
        "category_months": rows(CategoryMonth, "category", "month"),
        "category_years": rows(CategoryYear, "category", "year"),
        "versions": {
            (v.package.name, v.version): (v.downloads, v.first_day, v.last_day)
            for v in PackageVersion.objects.filter(package__registry=registry).select_related(
                "package"
            )
        },
        "packages": {
            p.name: (p.downloads_total, p.download_score, p.rank)
            for p in Package.objects.filter(registry=registry)
        },
    }


def _assert_matches_facts(scenario: Scenario) -> None:
    registry = scenario.registry
    for row in PackageDay.objects.filter(package__registry=registry).select_related("package"):
        expected = scenario.expected(packages=[row.package.name], start=row.day, end=row.day)
        assert (row.downloads, row.distinct_clients) == expected
    for row in PackageMonth.objects.filter(package__registry=registry).select_related("package"):
        end = _month_end(row.month)
        expected = scenario.expected(packages=[row.package.name], start=row.month, end=end)
        assert (row.downloads, row.distinct_clients) == expected
    for row in PackageYear.objects.filter(package__registry=registry).select_related("package"):
        start, end = dt.date(row.year, 1, 1), dt.date(row.year, 12, 31)
        expected = scenario.expected(packages=[row.package.name], start=start, end=end)
        assert (row.downloads, row.distinct_clients) == expected
    for row in CategoryDay.objects.filter(category__registry=registry).select_related("category"):
        expected = scenario.expected(category=row.category.name, start=row.day, end=row.day)
        assert (row.downloads, row.distinct_clients) == expected
    for row in CategoryMonth.objects.filter(category__registry=registry).select_related("category"):
        end = _month_end(row.month)
        expected = scenario.expected(category=row.category.name, start=row.month, end=end)
        assert (row.downloads, row.distinct_clients) == expected
    for row in CategoryYear.objects.filter(category__registry=registry).select_related("category"):
        start, end = dt.date(row.year, 1, 1), dt.date(row.year, 12, 31)
        expected = scenario.expected(category=row.category.name, start=start, end=end)
        assert (row.downloads, row.distinct_clients) == expected
    # Every (package, day) with facts has its row, and nothing else.
    pairs = {(f.package, f.day) for f in scenario.facts}
    assert PackageDay.objects.filter(package__registry=registry).count() == len(pairs)
    for package in Package.objects.filter(registry=registry):
        assert package.downloads_total == scenario.expected(packages=[package.name])[0]


def test_refresh_matches_facts_and_marks_segments() -> None:
    scenario = build_scenario()
    result = refresh_registry_stats(registry=scenario.registry)

    assert result.segments == len(scenario.segments)
    assert result.package_days == len({(f.package, f.day) for f in scenario.facts})
    assert result.data_generation == 1
    assert not LogSegment.objects.filter(registry=scenario.registry, aggregated=False).exists()
    _assert_matches_facts(scenario)
    # Years 2023 and 2024, both categories.
    assert CategoryYear.objects.filter(category__registry=scenario.registry).count() == 4


def test_versions_sum_new_segments_once() -> None:
    scenario = build_scenario(end=dt.date(2024, 1, 5))
    refresh_registry_stats(registry=scenario.registry)
    refresh_registry_stats(registry=scenario.registry)  # nothing new: nothing added twice

    expected: dict[tuple[str, str], int] = defaultdict(int)
    days: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for fact in scenario.facts:
        for version, count in fact.versions.items():
            expected[(fact.package, version)] += count
            days[(fact.package, version)].append(fact.day)
    versions = PackageVersion.objects.filter(package__registry=scenario.registry)
    assert {(v.package.name, v.version): v.downloads for v in versions} == dict(expected)
    for v in versions:
        key = (v.package.name, v.version)
        assert (v.first_day, v.last_day) == (min(days[key]), max(days[key]))


def test_category_distinct_is_a_union_not_a_sum() -> None:
    scenario = Scenario(registry=Registry.objects.create(name="crafted"))
    scenario.add_package("one", "software")
    scenario.add_package("two", "software")
    segment = scenario.add_segment()
    day = dt.date(2024, 3, 3)
    scenario.add_fact(segment, "one", day, {1, 2, 3})
    scenario.add_fact(segment, "two", day, {2, 3, 4})
    refresh_registry_stats(registry=scenario.registry)

    category_day = CategoryDay.objects.get(category__registry=scenario.registry, day=day)
    package_days = PackageDay.objects.filter(package__registry=scenario.registry, day=day)
    assert sum(p.distinct_clients for p in package_days) == 6
    assert category_day.distinct_clients == 4
    assert CategoryMonth.objects.get(category__registry=scenario.registry).distinct_clients == 4
    assert CategoryYear.objects.get(category__registry=scenario.registry).distinct_clients == 4


@pytest.mark.parametrize("chunk", [500, 2])
def test_incremental_in_steps_equals_rebuild(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # chunk=2: more owners than a chunk, so old rows are read registry-wide.
    monkeypatch.setattr("stats.services.aggregation_rollup.CHUNK", chunk)
    scenario = build_scenario(end=dt.date(2024, 1, 3))
    refresh_registry_stats(registry=scenario.registry)
    # New segments: more of a day already aggregated, and days after it.
    late = scenario.add_segment(last_line_at=dt.datetime(2024, 1, 4, 9, tzinfo=dt.UTC))
    scenario.add_fact(late, "alpha", dt.date(2024, 1, 2), {1, 500, 501})
    scenario.add_fact(late, "gamma", dt.date(2023, 12, 31), {77})
    scenario.add_fact(late, "beta", dt.date(2024, 1, 4), {2, 3})
    second = refresh_registry_stats(registry=scenario.registry)
    assert second.segments == 1
    assert second.package_days == 3
    _assert_matches_facts(scenario)
    incremental = _snapshot(scenario.registry)
    generation = Registry.objects.get(pk=scenario.registry.pk).data_generation

    rebuilt = rebuild_registry_stats(registry=scenario.registry)
    assert rebuilt.segments == len(scenario.segments)
    assert rebuilt.data_generation == generation + 1
    assert _snapshot(scenario.registry) == incremental


def test_no_new_segments_keeps_the_generation() -> None:
    scenario = build_scenario(end=dt.date(2023, 12, 21))
    refresh_registry_stats(registry=scenario.registry)
    again = refresh_registry_stats(registry=scenario.registry)
    assert again.segments == 0
    assert again.data_generation == 1
    assert "nothing to refresh" in again.summary()


def test_valid_through_is_the_day_before_the_newest_line_in_the_registry_zone() -> None:
    scenario = build_scenario(end=dt.date(2023, 12, 22))
    scenario.registry.timezone = "America/New_York"
    scenario.registry.save()
    segment = scenario.add_segment(
        # 03:00 UTC on the 24th is still the 23rd in New York.
        last_line_at=dt.datetime(2023, 12, 24, 3, 0, tzinfo=dt.UTC)
    )
    scenario.add_fact(segment, "alpha", dt.date(2023, 12, 23), {9})
    result = refresh_registry_stats(registry=scenario.registry)
    assert result.valid_through == dt.date(2023, 12, 22)


def test_valid_through_without_line_times_is_the_newest_day_with_facts() -> None:
    scenario = Scenario(registry=Registry.objects.create(name="untimed"))
    scenario.add_package("one", "software")
    segment = scenario.add_segment(last_line_at=None)
    scenario.add_fact(segment, "one", dt.date(2024, 5, 1), {1})
    scenario.add_fact(segment, "one", dt.date(2024, 5, 3), {1})
    assert refresh_registry_stats(registry=scenario.registry).valid_through == dt.date(2024, 5, 3)
    # An older backfill never moves it back.
    old = scenario.add_segment(last_line_at=None)
    scenario.add_fact(old, "one", dt.date(2023, 1, 1), {1})
    assert refresh_registry_stats(registry=scenario.registry).valid_through == dt.date(2024, 5, 3)


def test_score_is_twelve_full_months_of_distinct_clients_over_twelve() -> None:
    scenario = Scenario(registry=Registry.objects.create(name="scored"))
    for name in ("aaa", "bbb", "ccc", "ddd"):
        scenario.add_package(name, "software")
    segment = scenario.add_segment(last_line_at=None)
    # Monthly facts from 2023-01 to 2024-03; valid through 2024-03-15 (newest day).
    for month in range(1, 16):
        day = dt.date(2023 + (month - 1) // 12, (month - 1) % 12 + 1, 15)
        scenario.add_fact(segment, "aaa", day, range(month))  # month-dependent
        scenario.add_fact(segment, "bbb", day, range(10))
        scenario.add_fact(segment, "ccc", day, range(10))  # ties with bbb
    refresh_registry_stats(registry=scenario.registry)

    # Last complete month: Feb 2024; window Mar 2023 .. Feb 2024 (months 3..14).
    packages = {p.name: p for p in Package.objects.filter(registry=scenario.registry)}
    assert packages["aaa"].download_score == sum(range(3, 15)) // 12 == 8
    assert packages["bbb"].download_score == 10
    assert packages["ddd"].download_score == 0
    assert [packages[n].rank for n in ("bbb", "ccc", "aaa", "ddd")] == [1, 2, 3, 4]


def test_refresh_command_prints_what_it_did() -> None:
    from io import StringIO

    scenario = build_scenario(end=dt.date(2023, 12, 21))
    out = StringIO()
    call_command("refresh_stats", "--registry", scenario.registry.name, stdout=out)
    assert f"{len(scenario.segments)} segments" in out.getvalue()
    out = StringIO()
    call_command("refresh_stats", "--registry", scenario.registry.name, "--rebuild", stdout=out)
    assert "generation 2" in out.getvalue()
