"""Periods as the npm downloads API names them; pure functions, no database.

``last-day | last-week | last-month | last-year | YYYY-MM-DD | YYYY-MM-DD:YYYY-MM-DD``.
Relative periods end at the registry's ``valid_through`` (the last complete day), and
cover 1, 7, 30 and 365 days ending there, like npm's. Ranges include both ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

RELATIVE_DAYS = {"last-day": 1, "last-week": 7, "last-month": 30, "last-year": 365}
WINDOW_COLUMNS = {
    days: f"downloads_{name.replace('-', '_')}" for name, days in RELATIVE_DAYS.items()
}
"""Window length in days -> the Package column the refresh keeps its downloads in."""
MAX_PERIOD_DAYS = 366 * 30
EARLIEST_DAY = dt.date(1970, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
PERIOD_HELP = (
    "last-day, last-week, last-month, last-year, a day YYYY-MM-DD "
    "or a range YYYY-MM-DD:YYYY-MM-DD (both days included)"
)


class InvalidPeriod(ValueError):
    """A period string that cannot be understood; the message says why."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterator[dt.date]:
        for offset in range(self.days):
            yield self.start + dt.timedelta(days=offset)


def parse_period(text: str, *, valid_through: dt.date | None) -> Period:
    """The period named by ``text``; raises InvalidPeriod with a message for the caller."""
    text = (text or "").strip()
    if text in RELATIVE_DAYS:
        if valid_through is None:
            raise InvalidPeriod(
                f"period {text!r} ends at the last complete day of data, "
                "and no downloads have been counted yet"
            )
        return Period(valid_through - dt.timedelta(days=RELATIVE_DAYS[text] - 1), valid_through)
    if ":" in text:
        first, _, last = text.partition(":")
        period = Period(_day(first, text), _day(last, text))
        if period.start > period.end:
            raise InvalidPeriod(
                f"period {text!r}: start date {period.start} is after end date {period.end}"
            )
        if period.days > MAX_PERIOD_DAYS:
            raise InvalidPeriod(
                f"period {text!r} spans {period.days} days; at most {MAX_PERIOD_DAYS} are allowed"
            )
        return period
    if text[:1].isdigit():
        day = _day(text, text)
        return Period(day, day)
    raise InvalidPeriod(f"unknown period {text!r}: use {PERIOD_HELP}")


def _day(value: str, period: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidPeriod(f"period {period!r}: {value!r} is not a date (YYYY-MM-DD)") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidPeriod(f"period {period!r}: {value} is outside {EARLIEST_DAY}..{LATEST_DAY}")
    return day


def month_end(month: dt.date) -> dt.date:
    """The last day of the month of ``month``."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Split:
    """A day range cut into whole years, whole months and leftover day spans."""

    years: tuple[int, ...]
    months: tuple[dt.date, ...]
    spans: tuple[tuple[dt.date, dt.date], ...]


def split_period(period: Period) -> Split:
    """Cut a range so exact client unions read as few stored client sets as possible.

    A 15-year range reads 15 yearly sets plus at most 22 monthly sets and 60 days.
    """
    years: list[int] = []
    months: list[dt.date] = []
    spans: list[tuple[dt.date, dt.date]] = []
    day = period.start
    span_start: dt.date | None = None
    while day <= period.end:
        year_end = dt.date(day.year, 12, 31)
        m_end = month_end(day)
        if day.month == 1 and day.day == 1 and year_end <= period.end:
            step_end, bucket = year_end, "year"
        elif day.day == 1 and m_end <= period.end:
            step_end, bucket = m_end, "month"
        else:
            step_end, bucket = min(m_end, period.end), "days"
        if bucket == "days":
            span_start = span_start or day
        else:
            if span_start is not None:
                spans.append((span_start, day - dt.timedelta(days=1)))
                span_start = None
            if bucket == "year":
                years.append(day.year)
            else:
                months.append(day)
        day = step_end + dt.timedelta(days=1)
    if span_start is not None:
        spans.append((span_start, period.end))
    return Split(tuple(years), tuple(months), tuple(spans))
