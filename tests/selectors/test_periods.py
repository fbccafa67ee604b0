"""Period parsing (npm semantics) and the year/month/day split of a range."""

from __future__ import annotations

import datetime as dt

import pytest

from stats.selectors.periods import InvalidPeriod, Period, parse_period, split_period

VT = dt.date(2024, 3, 15)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("last-day", VT, VT),
        ("last-week", dt.date(2024, 3, 9), VT),
        ("last-month", dt.date(2024, 2, 15), VT),
        ("last-year", dt.date(2023, 3, 17), VT),
        ("2024-01-05", dt.date(2024, 1, 5), dt.date(2024, 1, 5)),
        ("2024-01-05:2024-02-01", dt.date(2024, 1, 5), dt.date(2024, 2, 1)),
        (" 2024-01-05:2024-01-05 ", dt.date(2024, 1, 5), dt.date(2024, 1, 5)),
    ],
)
def test_periods(text: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(text, valid_through=VT)
    assert (period.start, period.end) == (start, end)
    if text.startswith("last-"):
        assert period.days == {"day": 1, "week": 7, "month": 30, "year": 365}[text[5:]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "unknown period 'yesterday'"),
        ("", "unknown period ''"),
        ("2024-13-01", "'2024-13-01' is not a date"),
        ("2024-1-1", "'2024-1-1' is not a date"),
        ("2024-02-01:2024-01-01", "start date 2024-02-01 is after end date 2024-01-01"),
        ("2024-01-01:", "'' is not a date"),
        ("1971-01-01:2999-12-31", "at most"),
        ("9999-12-31", "outside 1970-01-01..2999-12-31"),
        ("0001-01-01:2024-01-01", "outside"),
    ],
)
def test_bad_periods_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidPeriod, match=message.replace("(", r"\(")):
        parse_period(text, valid_through=VT)


def test_relative_period_without_data() -> None:
    with pytest.raises(InvalidPeriod, match="no downloads have been counted yet"):
        parse_period("last-week", valid_through=None)
    assert parse_period("2024-01-01", valid_through=None).days == 1


def _covered(period: Period) -> list[dt.date]:
    split = split_period(period)
    days: list[dt.date] = []
    for year in split.years:
        days += list(Period(dt.date(year, 1, 1), dt.date(year, 12, 31)).each_day())
    for month in split.months:
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        days += list(Period(month, nxt - dt.timedelta(days=1)).each_day())
    for first, last in split.spans:
        days += list(Period(first, last).each_day())
    return sorted(days)


@pytest.mark.parametrize(
    ("start", "end", "years", "months", "spans"),
    [
        (dt.date(2024, 1, 1), dt.date(2024, 1, 1), 0, 0, 1),
        (dt.date(2024, 1, 1), dt.date(2024, 1, 31), 0, 1, 0),
        (dt.date(2022, 12, 15), dt.date(2024, 2, 10), 1, 1, 2),
        (dt.date(2010, 1, 1), dt.date(2024, 12, 31), 15, 0, 0),
        (dt.date(2023, 3, 17), dt.date(2024, 3, 15), 0, 11, 2),
        (dt.date(2024, 1, 15), dt.date(2024, 2, 10), 0, 0, 1),
    ],
)
def test_split_covers_each_day_once(
    start: dt.date, end: dt.date, years: int, months: int, spans: int
) -> None:
    period = Period(start, end)
    split = split_period(period)
    assert (len(split.years), len(split.months), len(split.spans)) == (years, months, spans)
    assert _covered(period) == list(period.each_day())
