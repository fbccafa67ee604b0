"""The year lines of ``<category>_pkg_stats.tab`` kept on PackageYear (``tab_lines``).

The refresh patches them as it writes months and years (see
:func:`stats.services.aggregation._aggregate_days`); this module renders them from the
stored months for rows written some other way: the migration that added the column,
the benchmark's generated fill. Readers fall back to rendering from the months while
any year of a category has none, so a missing line is slow, never wrong.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from stats.services.aggregation_bulk import update_by_pk
from stats.web.tabformat import patch_year_lines, year_lines

PACKAGES_PER_CHUNK = 500


def render_year_lines(
    *,
    package_ids: Iterable[int],
    year_model: type[models.Model] | None = None,
    month_model: type[models.Model] | None = None,
) -> int:
    """Write ``tab_lines`` of every year of these packages from their months; rows written.

    ``year_model`` and ``month_model`` default to PackageYear and PackageMonth (a
    migration passes its historical models).
    """
    if year_model is None or month_model is None:
        from stats.models import PackageMonth, PackageYear

        year_model, month_model = year_model or PackageYear, month_model or PackageMonth
    ids = sorted(package_ids)
    written = 0
    for start in range(0, len(ids), PACKAGES_PER_CHUNK):
        chunk = ids[start : start + PACKAGES_PER_CHUNK]
        cells: dict[tuple[int, int], dict[int, tuple[int, int]]] = defaultdict(dict)
        months = month_model.objects.filter(package_id__in=chunk).order_by()
        for package_id, month, ips, downloads in months.values_list(
            "package_id", "month", "distinct_clients", "downloads"
        ):
            cells[(package_id, month.year)][month.month] = (ips, downloads)
        years = year_model.objects.filter(package_id__in=chunk).order_by()
        rows = [
            {"id": pk, "tab_lines": year_lines(year, cells.get((package_id, year), {}), ips, dl)}
            for pk, package_id, year, ips, dl in years.values_list(
                "id", "package_id", "year", "distinct_clients", "downloads"
            )
        ]
        update_by_pk(year_model, rows, fields=["tab_lines"])
        written += len(rows)
    return written


def year_lines_patcher(
    months: Iterable[dict[str, Any]],
) -> Callable[[tuple[int, int], dict[str, Any], tuple[Any, ...] | None], dict[str, Any]]:
    """For ``apply_changes(PackageYear, extra=...)``: the year's new ``tab_lines``.

    ``months`` are the PackageMonth rows just written. Their lines and the ``all`` line
    are replaced in the stored lines; a new year starts from twelve empty months (a
    year row is created with its first month row). A stored year without lines stays
    without: only :func:`render_year_lines` can know its other months.
    """
    cells: dict[tuple[int, int], dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in months:
        month: dt.date = row["month"]
        cells[(row["package_id"], month.year)][month.month] = (
            row["distinct_clients"],
            row["downloads"],
        )

    def patch(
        key: tuple[int, int], values: dict[str, Any], stored: tuple[Any, ...] | None
    ) -> dict[str, Any]:
        if stored is not None and stored[0] is None:
            return {"tab_lines": None}
        lines = stored[0] if stored is not None else None
        changed = cells.get(key, {})
        return {
            "tab_lines": patch_year_lines(
                lines, key[1], changed, values["distinct_clients"], values["downloads"]
            )
        }

    return patch
