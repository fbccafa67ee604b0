"""Per-package columns the list endpoints sort on: totals, download score and rank.

The Bioconductor download score of a package is the sum of its monthly distinct-client
counts over 12 full months, divided by 12 and rounded down (months without downloads
count as 0). The window is the 12 months ending with the last complete month, and the
last complete month is the month of ``valid_through`` when that is the last day of its
month, otherwise the month before. This matches Bioconductor's own code, which takes
the 12 months before the month of its "valid through" date.

Rank 1 is the highest score of the registry; equal scores are ranked by package name,
so every package has a distinct, stable rank.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Max, Sum

from stats.models import LogSegment, Package, PackageMonth, PackageYear, Registry
from stats.services.aggregation_bulk import update_by_pk
from stats.services.aggregation_rollup import chunks
from stats.services.windows import WINDOW_FIELDS, WindowChange

SCORE_MONTHS = 12


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def score_window(valid_through: dt.date) -> tuple[dt.date, dt.date]:
    """First days of the first and the last month of the score's 12-month window."""
    month = valid_through.replace(day=1)
    last_complete = (
        month if (valid_through + dt.timedelta(days=1)).day == 1 else add_months(month, -1)
    )
    return add_months(last_complete, -(SCORE_MONTHS - 1)), last_complete


def newest_valid_day(
    *, registry: Registry, segment_ids: list[int], touched_days: set[dt.date]
) -> dt.date | None:
    """The last complete day the new segments vouch for.

    With line times: the day before the newest line's day (in the registry's time
    zone), since that day's log is probably still being written. Without line times we
    cannot tell, so the newest day with facts.
    """
    newest: dt.datetime | None = None
    for chunk in chunks(segment_ids):
        found = LogSegment.objects.filter(id__in=chunk).aggregate(m=Max("last_line_at"))["m"]
        if found and (newest is None or found > newest):
            newest = found
    if newest is not None:
        return newest.astimezone(ZoneInfo(registry.timezone or "UTC")).date() - dt.timedelta(days=1)
    return max(touched_days) if touched_days else None


def update_package_columns(
    *,
    registry: Registry,
    windows: WindowChange | None = None,
    downloads_added: dict[int, int] | None = None,
) -> int:
    """Recompute downloads_total, download_score, rank (and the rolling windows) of all
    the registry's packages.

    ``downloads_added`` (package -> downloads the refresh added; a rebuild starts from
    zero) updates the totals without summing every year; without it they are summed.
    Grouped queries and a bulk update of the rows that changed.
    """
    totals: dict[int, int] | None = None
    if downloads_added is None:
        totals = dict(
            PackageYear.objects.filter(package__registry=registry)
            .values("package_id")
            .annotate(total=Sum("downloads"))
            .values_list("package_id", "total")
        )
    scores: dict[int, int] = {}
    if registry.valid_through is not None:
        first, last = score_window(registry.valid_through)
        monthly = (
            PackageMonth.objects.filter(
                package__registry=registry, month__gte=first, month__lte=last
            )
            .values("package_id")
            .annotate(clients=Sum("distinct_clients"))
            .values_list("package_id", "clients")
        )
        scores = {package_id: clients // SCORE_MONTHS for package_id, clients in monthly}
    window_columns = list(WINDOW_FIELDS.values())
    packages = list(
        Package.objects.filter(registry=registry).values(
            "id", "name", "downloads_total", "download_score", "rank", *window_columns
        )
    )
    ordered = sorted(packages, key=lambda p: (-scores.get(p["id"], 0), p["name"]))
    changed = []
    for rank, package in enumerate(ordered, start=1):
        pk = package["id"]
        total = (
            totals.get(pk, 0) or 0
            if totals is not None
            else package["downloads_total"] + (downloads_added or {}).get(pk, 0)
        )
        new: dict[str, int | None] = {
            "downloads_total": total,
            "download_score": scores.get(pk, 0),
            "rank": rank,
        }
        if windows is not None:
            new.update(windows.apply(pk, package))
        if any(package[column] != value for column, value in new.items()):
            changed.append({"id": pk, **new})
    fields = ["downloads_total", "download_score", "rank"]
    update_by_pk(Package, changed, fields=fields + (window_columns if windows else []))
    return len(changed)
