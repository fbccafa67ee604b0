"""The pure .tab layout functions, on edge cases the database rarely produces."""

from __future__ import annotations

import random
from datetime import date

import pytest

from stats.web.tabformat import (
    names_txt,
    packages_series_from_lines,
    packages_series_tab,
    patch_year_lines,
    scores_tab,
    series_tab,
    year_lines,
)

HEADER = "Package\tYear\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n"


def _zero_months(prefix: str, skip: dict[str, str]) -> str:
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return "".join(f"{prefix}\t{m}\t{skip.get(m, '0' + chr(9) + '0')}\n" for m in months)


def test_months_without_a_year_row_and_unknown_packages_are_left_out():
    names = {1: "b", 3: "A"}
    years = [(1, 2024, 2, 3), (3, 2023, 1, 1)]
    months = [
        (1, date(2025, 1, 1), 9, 9),  # no 2025 year row for package 1
        (1, date(2024, 5, 1), 2, 3),
        (2, date(2024, 1, 1), 7, 7),  # package 2 is not in the names
        (3, date(2023, 12, 1), 1, 1),
        (3, date(2022, 1, 1), 5, 5),  # no 2022 year row for package 3
    ]
    text = packages_series_tab(names, years, months)
    expected = (
        HEADER
        + _zero_months("A\t2023", {"Dec": "1\t1"})
        + "A\t2023\tall\t1\t1\n"
        + _zero_months("b\t2024", {"May": "2\t3"})
        + "b\t2024\tall\t2\t3\n"
    )
    assert text == expected


def test_empty_inputs_give_the_header_only():
    assert packages_series_tab({}, [], []) == HEADER
    assert series_tab([], {}) == "Year\tMonth\tNb_of_distinct_IPs\tNb_of_downloads\n"
    assert scores_tab([]) == "Package\tDownload_score\n"
    assert names_txt([]) == ""


def test_names_sort_case_insensitively_then_exactly():
    assert names_txt(["beta", "Alpha", "alpha", "Zeta"]) == "Alpha\nalpha\nbeta\nZeta\n"


def _random_rows(seed: int):
    """Random packages, years and months in the selectors' order."""
    rng = random.Random(seed)
    names = {pk: rng.choice(["a", "B", "b", "limma", "Zeta", "z.y"]) + str(pk) for pk in range(8)}
    years, months = [], []
    for pk in sorted(names):
        for year in sorted(rng.sample(range(2015, 2026), rng.randint(0, 4)), reverse=True):
            years.append((pk, year, rng.randint(0, 99), rng.randint(0, 999)))
            for month in sorted(rng.sample(range(1, 13), rng.randint(1, 12)), reverse=True):
                months.append((pk, date(year, month, 1), rng.randint(0, 50), rng.randint(1, 500)))
    return names, years, months


@pytest.mark.parametrize("seed", range(5))
def test_kept_year_lines_join_to_the_rendered_file(seed: int):
    names, years, months = _random_rows(seed)
    cells: dict[tuple[int, int], dict[int, tuple[int, int]]] = {}
    for pk, first_day, ips, downloads in months:
        cells.setdefault((pk, first_day.year), {})[first_day.month] = (ips, downloads)
    kept = [(names[pk], y, year_lines(y, cells[(pk, y)], ips, dl)) for pk, y, ips, dl in years]
    rendered = packages_series_tab(names, years, months)
    assert packages_series_from_lines(kept) == rendered
    assert packages_series_from_lines(random.Random(seed).sample(kept, len(kept))) == rendered
    # Patched month by month, as a refresh writes them, the lines are the same.
    patched = []
    for pk, year, ips, downloads in years:
        lines = None
        for month, cell in sorted(cells[(pk, year)].items()):
            lines = patch_year_lines(lines, year, {month: cell}, 0, 0)
        patched.append((names[pk], year, patch_year_lines(lines, year, {}, ips, downloads)))
    assert patched == kept
