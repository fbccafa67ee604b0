"""Precomputed summaries, read-only: the aggregation service is their only writer.

The binary ``clients`` bitmaps are never loaded here (deferred); ``distinct_clients``
is their exact size.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from stats.admin.accounts import OrganisationScopedAdmin
from stats.admin.base import (
    CategoryListFilter,
    EstimatedCountPaginator,
    RangeDatesQuerySet,
    ReadOnlyAdmin,
)
from stats.models import (
    CategoryDay,
    CategoryMonth,
    CategoryYear,
    PackageDay,
    PackageMonth,
    PackageYear,
)

_COUNTS = ("downloads", "distinct_clients")


class _SummaryAdmin(ReadOnlyAdmin):
    """Lists that stay fast on tables of tens of millions of rows."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts would scan the table per choice
    paginator = EstimatedCountPaginator

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        base = super().get_queryset(request)
        queryset = RangeDatesQuerySet(model=base.model, query=base.query, using=base.db)
        if any(f.name == "clients" for f in self.model._meta.concrete_fields):
            queryset = queryset.defer("clients")
        return queryset


class _PackageSummaryAdmin(OrganisationScopedAdmin, _SummaryAdmin):
    registry_lookup = "package__registry"
    list_select_related = ("package__registry", "package__category")
    list_filter = ("package__registry", ("package__category", CategoryListFilter))
    search_fields = ("package__name",)

    @admin.display(description="registry", ordering="package__registry__name")
    def registry(self, obj: PackageDay | PackageMonth | PackageYear) -> str:
        return obj.package.registry.name

    @admin.display(description="category", ordering="package__category__name")
    def category(self, obj: PackageDay | PackageMonth | PackageYear) -> str:
        return obj.package.category.name


class _CategorySummaryAdmin(OrganisationScopedAdmin, _SummaryAdmin):
    registry_lookup = "category__registry"
    list_select_related = ("category__registry",)
    list_filter = ("category__registry", ("category", CategoryListFilter))
    search_fields = ("category__name",)

    @admin.display(description="registry", ordering="category__registry__name")
    def registry(self, obj: CategoryDay | CategoryMonth | CategoryYear) -> str:
        return obj.category.registry.name


@admin.register(PackageDay)
class PackageDayAdmin(_PackageSummaryAdmin):
    list_display = ("package", "registry", "category", "day", *_COUNTS, "mirror_downloads")
    fields = ("package", "day", *_COUNTS, "mirror_downloads")
    date_hierarchy = "day"
    # Newest first along the (day, package) index; other sorts would scan every row.
    ordering = ("-day", "-package_id")
    sortable_by = ("day",)


@admin.register(PackageMonth)
class PackageMonthAdmin(_PackageSummaryAdmin):
    list_display = ("package", "registry", "category", "month", *_COUNTS)
    fields = ("package", "month", *_COUNTS)
    date_hierarchy = "month"
    ordering = ("-month", "-package_id")
    sortable_by = ("month",)


@admin.register(PackageYear)
class PackageYearAdmin(_PackageSummaryAdmin):
    list_display = ("package", "registry", "category", "year", *_COUNTS)
    fields = ("package", "year", *_COUNTS)
    ordering = ("-year", "-package_id")
    list_filter = ("year", *_PackageSummaryAdmin.list_filter)


@admin.register(CategoryDay)
class CategoryDayAdmin(_CategorySummaryAdmin):
    list_display = ("category", "registry", "day", *_COUNTS, "mirror_downloads")
    fields = ("category", "day", *_COUNTS, "mirror_downloads")
    date_hierarchy = "day"
    ordering = ("-day", "category_id")


@admin.register(CategoryMonth)
class CategoryMonthAdmin(_CategorySummaryAdmin):
    list_display = ("category", "registry", "month", *_COUNTS)
    fields = ("category", "month", *_COUNTS)
    date_hierarchy = "month"
    ordering = ("-month", "category_id")


@admin.register(CategoryYear)
class CategoryYearAdmin(_CategorySummaryAdmin):
    list_display = ("category", "registry", "year", *_COUNTS)
    fields = ("category", "year", *_COUNTS)
    ordering = ("-year", "category_id")
    list_filter = ("year", *_CategorySummaryAdmin.list_filter)
