"""Summary lists avoid whole-table scans: drill-down from MIN/MAX, estimated counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stats.admin.base import EstimatedCountPaginator, RangeDatesQuerySet
from stats.models import PackageDay
from tests.factories import PackageDayFactory, PackageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:stats_packageday_changelist"


@pytest.fixture
def days() -> list[PackageDay]:
    package = PackageFactory(name="limma")
    other = PackageFactory(name="edgeR")
    return [
        PackageDayFactory(package=package, day=dt.date(2023, 11, 30)),
        PackageDayFactory(package=other, day=dt.date(2024, 2, 1)),
        PackageDayFactory(package=package, day=dt.date(2024, 2, 3)),
    ]


def test_dates_span_min_to_max(days: list[PackageDay]) -> None:
    rows = RangeDatesQuerySet(model=PackageDay)
    assert list(rows.dates("day", "year")) == [dt.date(2023, 1, 1), dt.date(2024, 1, 1)]
    assert list(rows.dates("day", "month")) == [
        dt.date(2023, 11, 1),
        dt.date(2023, 12, 1),  # no rows, still offered
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 1),
    ]
    february = rows.filter(day__gte=dt.date(2024, 2, 1))
    assert list(february.dates("day", "day", order="DESC")) == [
        dt.date(2024, 2, 3),
        dt.date(2024, 2, 2),
        dt.date(2024, 2, 1),
    ]
    assert list(rows.filter(day__year=1999).dates("day", "year")) == []
    assert list(rows.dates("day", "week")) == list(PackageDay.objects.dates("day", "week"))


def test_drilldown_never_scans_distinct_dates(admin_client: Client, days: list) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST))
    assert not [q["sql"] for q in queries if "SELECT DISTINCT" in q["sql"].upper()]
    main = 'SELECT "stats_packageday"."id"'
    (listing,) = [q["sql"] for q in queries if q["sql"].startswith(main)]
    # Newest first along the (day, package) index, with no join in the sort.
    assert listing.endswith(
        'ORDER BY "stats_packageday"."day" DESC, "stats_packageday"."package_id" DESC'
    )
    html = response.content.decode()
    assert "?day__year=2023" in html and "?day__year=2024" in html
    rows = response.context["cl"].result_list
    newest_first = [dt.date(2024, 2, 3), dt.date(2024, 2, 1), dt.date(2023, 11, 30)]
    assert [r.day for r in rows] == newest_first

    response = admin_client.get(reverse(CHANGELIST), {"day__year": 2024, "day__month": 2})
    assert [r.day for r in response.context["cl"].result_list] == [
        dt.date(2024, 2, 3),
        dt.date(2024, 2, 1),
    ]


def test_exact_count_off_postgresql_or_when_filtered(days: list[PackageDay]) -> None:
    paginator = EstimatedCountPaginator(PackageDay.objects.order_by("pk"), 100)
    assert paginator.count == 3
    filtered = EstimatedCountPaginator(
        PackageDay.objects.filter(day__year=2024).order_by("pk"), 100
    )
    assert filtered.count == 2


@pytest.mark.postgres
def test_unfiltered_count_comes_from_statistics(
    monkeypatch: pytest.MonkeyPatch, days: list[PackageDay]
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stats_packageday")
    PackageDayFactory.create_batch(2)  # not yet in the statistics
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 1)
    assert EstimatedCountPaginator(PackageDay.objects.order_by("pk"), 100).count == 3
    assert (
        EstimatedCountPaginator(
            PackageDay.objects.filter(downloads__gte=0).order_by("pk"), 100
        ).count
        == 5
    )


def test_summary_lists_offer_no_facet_counts(admin_client: Client, days: list) -> None:
    response = admin_client.get(reverse(CHANGELIST), {"_facets": "True"})
    assert response.status_code == 200
    assert "Show counts" not in response.content.decode()
    assert not response.context["cl"].add_facets
