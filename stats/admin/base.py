"""Pieces shared by the curators' admin: read-only views and query-cheap filters."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

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
