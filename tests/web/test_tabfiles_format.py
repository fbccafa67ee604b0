"""The pure .tab layout functions, on edge cases the database rarely produces."""

from __future__ import annotations

from datetime import date

from stats.web.tabformat import names_txt, packages_series_tab, scores_tab, series_tab

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
