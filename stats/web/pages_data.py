"""Pure shaping of selector output for the pages: chart series, year tables, A-Z groups.

No database and no HTTP here, so the shapes are easy to test on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from stats.web.tabformat import MONTHS, name_order


def _month_key(month: str) -> tuple[int, int]:
    year, number = month.split("-")
    return int(year), int(number)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def chart_months(
    monthly: Iterable[Mapping[str, Any]], valid_through: dt.date | None
) -> list[dict[str, Any]]:
    """Every month from the first with downloads to the last counted one, zeros filled in.

    The last month is that of ``valid_through`` (or the last month with downloads),
    so a time axis shows quiet months as zero instead of skipping them.
    """
    found = {m["month"]: m for m in monthly}
    if not found:
        return []
    keys = sorted(_month_key(m) for m in found)
    last = keys[-1]
    if valid_through is not None:
        last = max(last, (valid_through.year, valid_through.month))
    months = []
    current = keys[0]
    while current <= last:
        label = f"{current[0]:04d}-{current[1]:02d}"
        row = found.get(label)
        months.append(
            {
                "month": label,
                "downloads": row["downloads"] if row else 0,
                "distinct_clients": row["distinct_clients"] if row else 0,
            }
        )
        current = _next_month(*current)
    return months


def year_tables(
    monthly: Iterable[Mapping[str, Any]], yearly: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One table per year (newest first): twelve months, then the year's own totals.

    The year's distinct clients are the yearly count (a union), never a sum of months,
    as in the .tab files.
    """
    cells = {_month_key(m["month"]): m for m in monthly}
    tables = []
    for year_row in sorted(yearly, key=lambda y: y["year"], reverse=True):
        year = year_row["year"]
        rows = []
        for number, name in enumerate(MONTHS, start=1):
            cell = cells.get((year, number))
            rows.append(
                {
                    "month": name,
                    "downloads": cell["downloads"] if cell else 0,
                    "distinct_clients": cell["distinct_clients"] if cell else 0,
                }
            )
        tables.append(
            {
                "year": year,
                "months": rows,
                "downloads": year_row["downloads"],
                "distinct_clients": year_row["distinct_clients"],
            }
        )
    return tables


def alphabet_groups(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Packages sorted case-insensitively and grouped by first letter (``#`` for others)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: name_order(r["name"])):
        first = row["name"][:1].upper()
        groups.setdefault(first if first.isalpha() else "#", []).append(row)
    return [{"letter": letter, "packages": packages} for letter, packages in groups.items()]


def category_links(url_for: Callable[[str], str], category: str) -> list[dict[str, str]]:
    """The category's .tab/.txt files, as Bioconductor lists them."""
    files = [
        (f"{category}_stats.tab", "Monthly downloads of the whole category"),
        (f"{category}_pkg_stats.tab", "Monthly downloads of every package"),
        (f"{category}_pkg_scores.tab", "Download scores"),
        (f"{category}_packages.txt", "Package names"),
    ]
    return [{"name": name, "title": title, "url": url_for(name)} for name, title in files]
