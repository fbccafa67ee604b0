"""The year lines of ``<category>_pkg_stats.tab`` kept in PackageYearLines.

Every PackageYear row has its lines: the refresh patches them as it writes months and
years (:class:`YearLinesUpdate`), and :func:`render_year_lines` renders them from the
stored months for rows written some other way (the migration that introduced them, the
benchmark's generated fill).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models

from stats.services.aggregation_bulk import upsert
from stats.services.aggregation_rollup import owner_lookups
from stats.web.tabformat import patch_year_lines, year_lines

PACKAGES_PER_CHUNK = 500
Cells = dict[tuple[int, int], dict[int, tuple[int, int]]]


def render_year_lines(
    *,
    package_ids: Iterable[int],
    year_model: type[models.Model] | None = None,
    month_model: type[models.Model] | None = None,
    lines_model: type[models.Model] | None = None,
) -> int:
    """Write the lines of every year of these packages from their months; rows written.

    The models default to PackageYear, PackageMonth and PackageYearLines (a migration
    passes its historical models).
    """
    if year_model is None or month_model is None or lines_model is None:
        from stats.models import PackageMonth, PackageYear, PackageYearLines

        year_model, month_model, lines_model = PackageYear, PackageMonth, PackageYearLines
    ids = sorted(package_ids)
    written = 0
    for start in range(0, len(ids), PACKAGES_PER_CHUNK):
        chunk = ids[start : start + PACKAGES_PER_CHUNK]
        cells: Cells = defaultdict(dict)
        months = month_model._default_manager.filter(package_id__in=chunk).order_by()
        for package_id, month, ips, downloads in months.values_list(
            "package_id", "month", "distinct_clients", "downloads"
        ):
            cells[(package_id, month.year)][month.month] = (ips, downloads)
        years = year_model._default_manager.filter(package_id__in=chunk).order_by()
        rows = [
            {
                "package_id": package_id,
                "year": year,
                "lines": year_lines(year, cells.get((package_id, year), {}), ips, downloads),
            }
            for package_id, year, ips, downloads in years.values_list(
                "package_id", "year", "distinct_clients", "downloads"
            )
        ]
        upsert(lines_model, rows, unique_fields=["package", "year"], update_fields=["lines"])
        written += len(rows)
    return written


class YearLinesUpdate:
    """The lines of the package years a refresh writes, patched from the months it wrote.

    Use ``patch`` as ``apply_changes(PackageYear, on_write=...)``, then call ``write``.
    A new year starts from twelve empty months (a year row is created with its first
    month row); a stored year without lines is rendered from its months.
    """

    def __init__(
        self,
        *,
        months: Iterable[dict[str, Any]],
        years: Iterable[tuple[int, int]],
        registry_id: int | None,
    ) -> None:
        from stats.models import PackageYearLines

        self.cells: Cells = defaultdict(dict)
        for row in months:
            month: dt.date = row["month"]
            self.cells[(row["package_id"], month.year)][month.month] = (
                row["distinct_clients"],
                row["downloads"],
            )
        keys = set(years)
        package_ids = sorted({p for p, _ in keys})
        wanted = sorted({y for _, y in keys})
        self.stored: dict[tuple[int, int], str] = {}
        for lookup in owner_lookups("package", package_ids, registry_id):
            rows = PackageYearLines.objects.filter(year__in=wanted, **lookup).order_by()
            for package_id, year, lines in rows.values_list("package_id", "year", "lines"):
                self.stored[(package_id, year)] = lines
        self.rows: list[dict[str, Any]] = []
        self.unknown: set[int] = set()

    def patch(self, key: tuple[int, int], values: dict[str, Any], existed: bool) -> None:
        lines = self.stored.get(key)
        if existed and lines is None:
            self.unknown.add(key[0])  # a year written without lines: render it below
            return
        changed = self.cells.get(key, {})
        lines = patch_year_lines(
            lines, key[1], changed, values["distinct_clients"], values["downloads"]
        )
        self.rows.append({"package_id": key[0], "year": key[1], "lines": lines})

    def write(self) -> None:
        from stats.models import PackageYearLines

        upsert(
            PackageYearLines, self.rows, unique_fields=["package", "year"], update_fields=["lines"]
        )
        if self.unknown:
            render_year_lines(package_ids=self.unknown)
