"""Community metrics and website uptime: where a registry's community lives, what was collected."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.response import TemplateResponse

from stats.admin.accounts import OrganisationScopedAdmin
from stats.admin.base import ReadOnlyAdmin, ReadOnlyInline
from stats.models import (
    CollectionRun,
    CommunityMetric,
    CommunitySource,
    Release,
    Repository,
    RepositoryDay,
    UptimeCheck,
)

UPTIME_PERIODS = (1, 7, 30, 365)


@admin.register(CommunitySource)
class CommunitySourceAdmin(OrganisationScopedAdmin):
    """Curators say where the community lives; the collectors skip what is empty."""

    list_display = (
        "registry",
        "github_organisation",
        "slack_enabled",
        "youtube_channel_id",
        "twitter_username",
    )
    list_select_related = ("registry",)
    search_fields = ("registry__name", "github_organisation")


class RepositoryDayInline(ReadOnlyInline):
    model = RepositoryDay
    fields = ("day", "stars", "forks", "watchers", "open_issues", "views", "clones", "releases")
    ordering = ("-day",)
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).order_by("-day")


class ReleaseInline(ReadOnlyInline):
    model = Release
    fields = ("tag_name", "published_at", "tag_sha")


@admin.register(Repository)
class RepositoryAdmin(OrganisationScopedAdmin, ReadOnlyAdmin):
    list_display = ("name", "registry", "kind", "archived", "collected_on", "issues_since")
    list_filter = ("registry", "kind", "archived")
    list_select_related = ("registry",)
    search_fields = ("name", "description")
    inlines = (ReleaseInline, RepositoryDayInline)


@admin.register(RepositoryDay)
class RepositoryDayAdmin(OrganisationScopedAdmin, ReadOnlyAdmin):
    registry_lookup = "repository__registry"
    list_display = (
        "repository",
        "day",
        "stars",
        "forks",
        "watchers",
        "open_issues",
        "views",
        "unique_visitors",
        "clones",
        "unique_cloners",
    )
    list_filter = ("repository__registry", "repository__kind")
    list_select_related = ("repository", "repository__registry")
    search_fields = ("repository__name",)
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(CommunityMetric)
class CommunityMetricAdmin(OrganisationScopedAdmin, ReadOnlyAdmin):
    list_display = ("name", "registry", "day", "value")
    list_filter = ("registry", "name")
    list_select_related = ("registry",)
    date_hierarchy = "day"


@admin.register(CollectionRun)
class CollectionRunAdmin(OrganisationScopedAdmin, ReadOnlyAdmin):
    list_display = ("registry", "collector", "started_at", "status", "written", "resume_after")
    list_filter = ("registry", "collector", "status")
    list_select_related = ("registry",)
    readonly_fields = ("skipped", "detail")


@admin.register(UptimeCheck)
class UptimeCheckAdmin(OrganisationScopedAdmin, ReadOnlyAdmin):
    """Every check, and above the list the uptime per URL over the last 1, 7, 30, 365 days."""

    list_display = ("url", "registry", "checked_at", "available", "status_code", "latency_ms")
    list_filter = ("registry", "available")
    list_select_related = ("registry",)
    date_hierarchy = "checked_at"
    change_list_template = "admin/stats/uptimecheck/change_list.html"
    show_full_result_count = False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse):
            response.context_data["uptime_table"] = uptime_table()
        return response


def uptime_table() -> list[dict[str, Any]]:
    """Per registry and URL: uptime percentage over the last 1, 7, 30 and 365 days.

    Rolling windows of 24-hour days ending now, in one grouped query whatever the number
    of registries (the API's per-day figures use each registry's own calendar days).
    """
    now = dt.datetime.now(tz=dt.UTC)
    counts: dict[str, Any] = {}
    for days in UPTIME_PERIODS:
        recent = Q(checked_at__gte=now - dt.timedelta(days=days))
        counts[f"checks_{days}"] = Count("id", filter=recent)
        counts[f"up_{days}"] = Count("id", filter=recent & Q(available=True))
    rows = (
        UptimeCheck.objects.values("registry__name", "url")
        .annotate(**counts)
        .order_by("registry__name", "url")
    )
    return [
        {
            "registry": row["registry__name"],
            "url": row["url"],
            "percentages": [
                round(100.0 * row[f"up_{d}"] / row[f"checks_{d}"], 2)
                if row[f"checks_{d}"]
                else None
                for d in UPTIME_PERIODS
            ],
        }
        for row in rows
    ]
