"""Packages of the manifests, their versions, and names the manifests lack."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey
from django.http import HttpRequest

from stats.admin.accounts import OrganisationScopedAdmin
from stats.admin.base import (
    CategoryListFilter,
    ReadOnlyAdmin,
    ReadOnlyInline,
    category_choices_queryset,
)
from stats.models import Package, PackageVersion, UnknownPackage


class PackageVersionInline(ReadOnlyInline):
    """Versions seen in downloads, with running totals (written by aggregation)."""

    model = PackageVersion
    fields = ("version", "downloads", "first_day", "last_day")
    readonly_fields = fields
    ordering = ("-last_day", "version")


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = ("registry", "category", "name", "first_release", "last_release", "active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        registry, category = cleaned.get("registry"), cleaned.get("category")
        if registry and category and category.registry_id != registry.pk:
            self.add_error(
                "category",
                ValidationError(
                    "Category %(category)s belongs to another registry.",
                    code="foreign_category",
                    params={"category": category},
                ),
            )
        return cleaned


@admin.register(Package)
class PackageAdmin(OrganisationScopedAdmin):
    form = PackageForm
    list_display = (
        "name",
        "registry",
        "category_name",
        "active",
        "first_release",
        "last_release",
        "downloads_total",
        "download_score",
        "rank",
    )
    list_filter = ("registry", ("category", CategoryListFilter), "active")
    search_fields = ("name",)
    list_select_related = ("registry", "category")
    readonly_fields = ("downloads_total", "download_score", "rank")
    fieldsets = (
        (None, {"fields": ("registry", "category", "name", "active")}),
        ("Releases", {"fields": ("first_release", "last_release")}),
        (
            "Downloads (written by the aggregation service)",
            {"fields": ("downloads_total", "download_score", "rank")},
        ),
    )
    inlines = (PackageVersionInline,)

    @admin.display(description="category", ordering="category__name")
    def category_name(self, obj: Package) -> str:
        return obj.category.name

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "category":
            kwargs["queryset"] = category_choices_queryset()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(UnknownPackage)
class UnknownPackageAdmin(OrganisationScopedAdmin, ReadOnlyAdmin):
    """What the logs ask for that the manifest lacks: a curator's to-do list."""

    list_display = ("name", "category", "registry", "requests", "last_seen")
    list_filter = ("registry", "category")
    search_fields = ("name",)
    list_select_related = ("registry",)
