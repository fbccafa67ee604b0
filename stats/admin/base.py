"""Pieces shared by the curators' admin: read-only views and query-cheap filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from stats.models import Category


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only (ingestion, aggregation): curators look, never edit."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline listing service-written rows under their parent."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class CategoryListFilter(admin.RelatedFieldListFilter):
    """Category filter labelled ``registry/category`` in one query (the default is N+1).

    When the changelist is already filtered by a registry, only its categories are offered.
    """

    registry_params = (
        "registry__id__exact",
        "package__registry__id__exact",
        "category__registry__id__exact",
    )

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        categories = Category.objects.select_related("registry").order_by("registry__name", "name")
        for param in self.registry_params:
            value = request.GET.get(param)
            if value and value.isdigit():
                categories = categories.filter(registry_id=int(value))
                break
        return [(c.pk, f"{c.registry.name}/{c.name}") for c in categories]


def category_choices_queryset() -> Any:
    """Categories for form selects, with their registry joined (labels need its name)."""
    return Category.objects.select_related("registry").order_by("registry__name", "name")


class RangeDatesQuerySet(QuerySet):
    """``dates()`` from MIN/MAX (two index probes) instead of SELECT DISTINCT over all rows.

    The admin's date drill-down calls ``dates()`` on the whole list; on summary tables of
    millions of rows the DISTINCT scan takes seconds. A month or day inside the range with
    no rows is offered too; it just lists nothing.
    """

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        if kind not in {"year", "month", "day"}:
            return super().dates(field_name, kind, order)
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None or last is None:
            return []
        steps = list(_date_steps(first, last, kind))
        return steps[::-1] if order == "DESC" else steps


def _date_steps(first: dt.date, last: dt.date, kind: str) -> Iterator[dt.date]:
    if kind == "day":
        for offset in range((last - first).days + 1):
            yield first + dt.timedelta(days=offset)
        return
    if kind == "year":
        for year in range(first.year, last.year + 1):
            yield dt.date(year, 1, 1)
        return
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class EstimatedCountPaginator(Paginator):
    """Pages of an unfiltered big table counted from PostgreSQL's statistics.

    COUNT(*) over tens of millions of summary rows takes seconds; the planner's
    estimate (refreshed by autovacuum) is enough to page through an admin list. Filtered
    lists, small tables and other databases are counted exactly.
    """

    estimate_above = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > self.estimate_above:
                    return int(row[0])
        return super().count
