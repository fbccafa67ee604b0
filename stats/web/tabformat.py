"""Byte layout of the .tab/.txt files www.bioconductor.org serves under /packages/stats/.

Pure functions from plain rows to text; scripts in the wild (BiocPkgTools, dlstats)
parse these files, so the layout follows Bioconductor's exactly:

- tab-separated, one header line, UTF-8, every line (the last too) ends with ``\\n``;
- years newest first; each year lists all twelve months ``Jan`` .. ``Dec`` (months
  without downloads, including the current year's future months, as ``0 0``, as
  Bioconductor's files do) and then an ``all`` row whose distinct IPs are the yearly
  distinct count (never a sum of months) and whose downloads are the yearly total;
- only years with a yearly summary row are listed (years with no downloads are
  omitted, as on Bioconductor's pages);
- packages in ``*_pkg_stats.tab``, ``*_pkg_scores.tab`` and ``*_packages.txt`` are
  sorted case-insensitively (ties by exact name), the order of Bioconductor's lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import groupby
from operator import itemgetter

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SERIES_HEADER = "Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n"
PACKAGES_SERIES_HEADER = "Package\t" + SERIES_HEADER
SCORES_HEADER = "Package\tDownload_score\n"
_ZERO = "0\t0\n"
_LABELS = [f"\t{name}\t" for name in MONTHS]


def name_order(name: str) -> tuple[str, str]:
    """Sort key of package names: case-insensitive, then exact."""
    return (name.lower(), name)


def series_lines(
    years: Iterable[tuple[int, int, int]],
    cells: Mapping[tuple[int, int], tuple[int, int]],
    prefix: str = "",
) -> list[str]:
    """Thirteen lines per year: twelve months then ``all``; ``prefix`` starts each line."""
    lines: list[str] = []
    for year, year_ips, year_downloads in years:
        start = f"{prefix}{year}\t"
        for number, name in enumerate(MONTHS, start=1):
            cell = cells.get((year, number))
            lines.append(
                f"{start}{name}\t{cell[0]}\t{cell[1]}\n" if cell else f"{start}{name}\t{_ZERO}"
            )
        lines.append(f"{start}all\t{year_ips}\t{year_downloads}\n")
    return lines


def series_tab(
    years: Iterable[tuple[int, int, int]], cells: Mapping[tuple[int, int], tuple[int, int]]
) -> str:
    """``<pkg>_stats.tab``, ``<prefix>_stats.tab`` and their per-year variants."""
    return SERIES_HEADER + "".join(series_lines(years, cells))


def packages_series_tab(
    names: Mapping[int, str],
    years: Sequence[tuple[int, int, int, int]],
    months: Sequence[tuple[int, date, int, int]],
) -> str:
    """``<prefix>_pkg_stats.tab``: every package's series, packages by name.

    ``years`` are (package id, year, distinct, downloads) ordered by package id then
    year descending; ``months`` are (package id, first day, distinct, downloads) ordered
    by package id then month descending. Built for size (thousands of packages times
    years of months): one merge walk over both lists, no per-row lookups, one join.
    """
    blocks: dict[int, str] = {}
    index, count = 0, len(months)
    for package, package_years in groupby(years, key=itemgetter(0)):
        while index < count and months[index][0] < package:
            index += 1
        name = names.get(package)
        parts: list[str] = []
        for _, year, year_ips, year_downloads in package_years:
            cells = [_ZERO] * 12
            while index < count:
                month_package, first_day, ips, downloads = months[index]
                if month_package != package or first_day.year < year:
                    break
                if first_day.year == year:
                    cells[first_day.month - 1] = f"{ips}\t{downloads}\n"
                index += 1
            start = f"{name}\t{year}"
            parts.extend([start + label + cell for label, cell in zip(_LABELS, cells, strict=True)])
            parts.append(f"{start}\tall\t{year_ips}\t{year_downloads}\n")
        if name is not None:
            blocks[package] = "".join(parts)
    ordered = sorted(blocks, key=lambda package: name_order(names[package]))
    return PACKAGES_SERIES_HEADER + "".join([blocks[package] for package in ordered])


def year_lines(
    year: int, cells: Mapping[int, tuple[int, int]], year_ips: int, year_downloads: int
) -> str:
    """One year's thirteen lines without a package column: ``cells`` {month: (ips, downloads)}."""
    return "".join(
        series_lines([(year, year_ips, year_downloads)], {(year, m): c for m, c in cells.items()})
    )


def patch_year_lines(
    lines: str | None,
    year: int,
    changed: Mapping[int, tuple[int, int]],
    year_ips: int,
    year_downloads: int,
) -> str:
    """``lines`` (from :func:`year_lines`; None: a year without months yet) with the
    ``changed`` months and the ``all`` row replaced: what a refresh keeps per year."""
    if not lines:
        return year_lines(year, changed, year_ips, year_downloads)
    rows = lines.split("\n")[:12]
    for month, (ips, downloads) in changed.items():
        rows[month - 1] = f"{year}\t{MONTHS[month - 1]}\t{ips}\t{downloads}"
    rows.append(f"{year}\tall\t{year_ips}\t{year_downloads}\n")
    return "\n".join(rows)


def packages_series_from_lines(kept: Iterable[tuple[str, int, str]]) -> str:
    """``<prefix>_pkg_stats.tab`` from each package's kept year lines (:func:`year_lines`).

    ``kept``: (package name, year, lines) in any order. Joining stored text is what
    makes the file cheap to serve cold.
    """
    years_of: dict[str, list[tuple[int, str]]] = {}
    for name, year, lines in kept:
        years_of.setdefault(name, []).append((year, lines))
    parts = [PACKAGES_SERIES_HEADER]
    for name in sorted(years_of, key=name_order):
        prefix = f"{name}\t"
        text = "".join([lines for _, lines in sorted(years_of[name], reverse=True)])
        parts.append(prefix + text[:-1].replace("\n", "\n" + prefix) + "\n")
    return "".join(parts)


def scores_tab(scores: Iterable[tuple[str, int]]) -> str:
    """``<prefix>_pkg_scores.tab``: each package's download score."""
    rows = sorted(scores, key=lambda item: name_order(item[0]))
    return SCORES_HEADER + "".join(f"{name}\t{score}\n" for name, score in rows)


def names_txt(names: Iterable[str]) -> str:
    """``bioc_packages.txt``: package names, one a line."""
    return "".join(f"{name}\n" for name in sorted(names, key=name_order))
