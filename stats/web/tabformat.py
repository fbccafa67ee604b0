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

from collections.abc import Iterable, Mapping
from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SERIES_HEADER = "Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n"
PACKAGES_SERIES_HEADER = "Package\t" + SERIES_HEADER
SCORES_HEADER = "Package\tDownload_score\n"
_ZERO = "0\t0\n"


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
    years: Iterable[tuple[int, int, int, int]],
    months: Iterable[tuple[int, date, int, int]],
) -> str:
    """``<prefix>_pkg_stats.tab``: every package's series, packages by name.

    Built for size (thousands of packages times years of months): one pass over plain
    tuples into preformatted cells, then one join.
    """
    cells: dict[tuple[int, date], str] = {
        (package, month): f"{ips}\t{downloads}\n" for package, month, ips, downloads in months
    }
    by_package: dict[int, list[tuple[int, int, int]]] = {}
    for package, year, ips, downloads in years:
        by_package.setdefault(package, []).append((year, ips, downloads))
    month_starts: dict[int, list[tuple[str, date]]] = {}
    out = [PACKAGES_SERIES_HEADER]
    append = out.append
    for package, name in sorted(names.items(), key=lambda item: name_order(item[1])):
        for year, year_ips, year_downloads in sorted(by_package.get(package, ()), reverse=True):
            starts = month_starts.get(year)
            if starts is None:
                starts = month_starts[year] = [
                    (f"\t{year}\t{label}\t", date(year, number, 1))
                    for number, label in enumerate(MONTHS, start=1)
                ]
            for start, first_day in starts:
                append(name + start + cells.get((package, first_day), _ZERO))
            append(f"{name}\t{year}\tall\t{year_ips}\t{year_downloads}\n")
    return "".join(out)


def scores_tab(scores: Iterable[tuple[str, int]]) -> str:
    """``<prefix>_pkg_scores.tab``: each package's download score."""
    rows = sorted(scores, key=lambda item: name_order(item[0]))
    return SCORES_HEADER + "".join(f"{name}\t{score}\n" for name, score in rows)


def names_txt(names: Iterable[str]) -> str:
    """``bioc_packages.txt``: package names, one a line."""
    return "".join(f"{name}\n" for name in sorted(names, key=name_order))
