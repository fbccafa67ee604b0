"""Registries, their download-selection rules, and their categories."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from stats.admin.accounts import OrganisationScopedAdmin
from stats.admin.forms import (
    MethodListField,
    RegexListField,
    StatusListField,
    TextListField,
    UrlListField,
)
from stats.models import Category, Registry, RuleSet


def _engine_validator() -> Callable[[str], None] | None:
    """The ingestion engine's own regex check, when that module is present.

    Imported lazily so the admin keeps working while the parser is being built; the
    form's checks below stand on their own either way.
    """
    try:
        from stats.logparse import rules
    except ModuleNotFoundError as exc:
        if exc.name != "stats.logparse.rules":
            raise
        return None
    return getattr(rules, "validate_download_regex", None)


class RegistryForm(forms.ModelForm):
    """Checks rules when a curator saves them, so ingestion never meets a bad rule."""

    counted_statuses = StatusListField()
    counted_methods = MethodListField()
    bot_patterns = RegexListField(
        help_text="Extra user-agent regexes to leave out as bots; one per line."
    )
    mirror_patterns = RegexListField(
        help_text="Regexes on the client address/host or user agent that mark a mirror; "
        "one per line."
    )
    website_urls = UrlListField(help_text="One per line.")
    log_sources = TextListField(help_text="Folders or globs the daily flow reads; one per line.")

    class Meta:
        model = Registry
        widgets = {
            "download_regex": forms.Textarea(
                attrs={"rows": 2, "cols": 100, "style": "font-family: monospace"}
            )
        }
        fields = (
            "name",
            "title",
            "is_public",
            "organisation",
            "timezone",
            "rule_set",
            "download_regex",
            "counted_statuses",
            "counted_methods",
            "bot_patterns",
            "mirror_patterns",
            "log_sources",
            "manifest_url",
            "website_urls",
        )

    def clean_timezone(self) -> str:
        name: str = self.cleaned_data["timezone"].strip()
        if name not in zoneinfo.available_timezones():
            raise ValidationError(
                "“%(tz)s” is not a known time zone; use an IANA name such as Europe/London.",
                code="invalid_timezone",
                params={"tz": name},
            )
        return name

    def clean_download_regex(self) -> str:
        regex: str = self.cleaned_data["download_regex"].strip()
        if not regex:
            return ""
        try:
            compiled = re.compile(regex)
        except re.error as exc:
            raise ValidationError(
                "Not a valid regular expression: %(error)s.",
                code="invalid_regex",
                params={"error": exc},
            ) from None
        if "package" not in compiled.groupindex:
            raise ValidationError(
                "The regex needs a named group for the package name: (?P<package>...).",
                code="no_package_group",
            )
        validate = _engine_validator()
        if validate is not None:
            try:
                validate(regex)
            except ValueError as exc:
                raise ValidationError(str(exc), code="rejected_by_engine") from None
        return regex

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            cleaned.get("rule_set") == RuleSet.GENERIC
            and not cleaned.get("download_regex")
            and "download_regex" not in self.errors
        ):
            self.add_error(
                "download_regex",
                ValidationError(
                    "A registry with generic rules needs a download regex with a named "
                    "group (?P<package>...).",
                    code="regex_required",
                ),
            )
        return cleaned


class CategoryInline(admin.TabularInline):
    model = Category
    fields = ("name",)
    extra = 0


@admin.register(Registry)
class RegistryAdmin(OrganisationScopedAdmin):
    form = RegistryForm
    registry_lookup = "pk"
    list_display = (
        "name",
        "title",
        "rule_set",
        "timezone",
        "is_public",
        "valid_through",
        "data_generation",
        "package_count",
    )
    list_filter = ("rule_set", "is_public", "organisation")
    search_fields = ("name", "title")
    readonly_fields = ("valid_through", "data_generation", "created_at")
    inlines = (CategoryInline,)
    fieldsets = (
        (None, {"fields": ("name", "title", "is_public", "organisation", "timezone")}),
        (
            "Download rules",
            {
                "fields": (
                    "rule_set",
                    "download_regex",
                    "counted_statuses",
                    "counted_methods",
                    "bot_patterns",
                    "mirror_patterns",
                ),
                "description": "Bioconductor rules are built in; generic rules need a regex "
                "with a named group package (optional version and category).",
            },
        ),
        ("Sources", {"fields": ("log_sources", "manifest_url", "website_urls")}),
        (
            "Freshness (written by the aggregation service)",
            {"fields": ("valid_through", "data_generation", "created_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registry]:
        return super().get_queryset(request).annotate(package_count=Count("packages"))

    @admin.display(description="packages", ordering="package_count")
    def package_count(self, obj: Registry) -> str:
        url = reverse("admin:stats_package_changelist")
        return format_html(
            '<a href="{}?registry__id__exact={}">{}</a>',
            url,
            obj.pk,
            obj.package_count,  # type: ignore[attr-defined]
        )


@admin.register(Category)
class CategoryAdmin(OrganisationScopedAdmin):
    list_display = ("name", "registry", "package_count")
    list_filter = ("registry",)
    search_fields = ("name",)
    list_select_related = ("registry",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(package_count=Count("packages"))

    @admin.display(description="packages", ordering="package_count")
    def package_count(self, obj: Category) -> int:
        return obj.package_count  # type: ignore[attr-defined]
