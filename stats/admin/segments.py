"""Ingested log segments: what was read, what was found, what went wrong."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from stats.admin.accounts import OrganisationScopedAdmin
from stats.models import LogSegment
from stats.selectors.facts import fact_counts


def _sample_text(sample: Any) -> str:
    """A malformed-line sample as one readable line, whatever shape ingestion stored."""
    if isinstance(sample, str):
        return sample
    return json.dumps(sample, ensure_ascii=False, sort_keys=True)


@admin.register(LogSegment)
class LogSegmentAdmin(OrganisationScopedAdmin):
    """Read-only; a superuser may delete a segment so its log range is ingested again."""

    list_display = (
        "source",
        "byte_range",
        "registry",
        "status",
        "lines",
        "malformed",
        "downloads",
        "bots",
        "unknown",
        "mirror_downloads",
        "aggregated",
        "started_at",
        "duration",
    )
    list_filter = ("registry", "status", "aggregated")
    search_fields = ("source", "content_hash")
    list_select_related = ("registry",)
    date_hierarchy = "started_at"
    fieldsets = (
        (None, {"fields": ("registry", "source", "byte_range", "content_hash")}),
        ("Outcome", {"fields": ("status", "status_reason", "aggregated")}),
        (
            "Counts",
            {
                "fields": (
                    "lines",
                    "malformed",
                    "downloads",
                    "mirror_downloads",
                    "bots",
                    "unknown",
                    "fact_count",
                )
            },
        ),
        ("Malformed lines", {"fields": ("malformed_sample_lines",)}),
        (
            "Timings",
            {"fields": ("first_line_at", "last_line_at", "started_at", "finished_at", "duration")},
        ),
    )
    readonly_fields = (
        "registry",
        "source",
        "byte_range",
        "content_hash",
        "status",
        "status_reason",
        "aggregated",
        "lines",
        "malformed",
        "downloads",
        "mirror_downloads",
        "bots",
        "unknown",
        "fact_count",
        "malformed_sample_lines",
        "first_line_at",
        "last_line_at",
        "started_at",
        "finished_at",
        "duration",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    @admin.display(description="bytes", ordering="start_offset")
    def byte_range(self, obj: LogSegment) -> str:
        return f"{obj.start_offset:,} to {obj.end_offset:,}"

    @admin.display(description="took")
    def duration(self, obj: LogSegment) -> str:
        if obj.started_at is None or obj.finished_at is None:
            return "-"
        return f"{(obj.finished_at - obj.started_at).total_seconds():.2f} s"

    @admin.display(description="download facts (package-days)")
    def fact_count(self, obj: LogSegment) -> int:
        return fact_counts([obj.pk]).get(obj.pk, 0)

    @admin.display(description="samples")
    def malformed_sample_lines(self, obj: LogSegment) -> SafeString | str:
        samples = obj.malformed_samples or []
        if not samples:
            return "-"
        items = format_html_join(
            "",
            "<li><pre style='white-space: pre-wrap; margin: 0'>{}</pre></li>",
            ((_sample_text(s),) for s in samples),
        )
        return format_html(
            "<p>{} of {} malformed lines kept as samples:</p><ol>{}</ol>",
            len(samples),
            obj.malformed,
            items,
        )

    def get_deleted_objects(
        self, objs: QuerySet[LogSegment] | list[LogSegment], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        """Summarise the cascade: a segment can own thousands of download facts."""
        segments = list(objs)
        per_segment = fact_counts([segment.pk for segment in segments])
        facts = sum(per_segment.values())
        listed: list[Any] = []  # unordered_list format: item, [its children], item, ...
        for segment in segments[:100]:
            listed += [
                f"Log segment: {segment}",
                [f"{per_segment.get(segment.pk, 0)} download facts"],
            ]
        if len(segments) > 100:
            listed.append(f"... and {len(segments) - 100} more log segments")
        counts = {"log segments": len(segments), "download facts": facts}
        return listed, counts, set(), []

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LogSegment]) -> None:
        aggregated = queryset.filter(aggregated=True).exists()
        super().delete_queryset(request, queryset)
        self._after_delete(request, aggregated)

    def delete_model(self, request: HttpRequest, obj: LogSegment) -> None:
        aggregated = obj.aggregated
        super().delete_model(request, obj)
        self._after_delete(request, aggregated)

    def _after_delete(self, request: HttpRequest, aggregated: bool) -> None:
        advice = "Ingest the log again to read its range anew"
        if aggregated:
            advice += (
                "; its downloads were already in the summaries, so rebuild them with "
                "`manage.py refresh_stats --registry NAME --rebuild`"
            )
        self.message_user(request, advice + ".", messages.WARNING)
