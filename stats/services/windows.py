"""Rolling-window downloads per package (last day, week, month, year), kept by the refresh.

``top/{registry}/last-month`` would otherwise sum about 180,000 day rows per request at
Bioconductor scale. The windows are npm's: 1, 7, 30 and 365 days ending at the
registry's ``valid_through``; ``Registry.windows_through`` says which day the stored
totals end at, and readers use them only when it equals ``valid_through``.

Incremental, because downloads (unlike client sets) can be subtracted. When a refresh
moves the end of the windows from ``old`` to ``new``, each window's total becomes::

    old total + (new - old value of every day of the old window the refresh rewrote)
              + current value of the days entering  (max(old, new - L), new]
              - current value of the days leaving   (old - L, min(old, new - L)]

The rewritten days' deltas come from the refresh itself; the entering and leaving days
are one grouped query over a handful of days. The first refresh, a rebuild and a jump
of more than :data:`MAX_SHIFT_DAYS` sum the windows from the summaries instead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Case, F, Q, Sum, Value, When

from stats.models import PackageDay, Registry
from stats.selectors.downloads import downloads_by_package
from stats.selectors.periods import WINDOW_COLUMNS, Period

WINDOW_FIELDS = WINDOW_COLUMNS
LONGEST = max(WINDOW_FIELDS)
MAX_SHIFT_DAYS = 31


@dataclass
class WindowChange:
    """New window totals for the package columns: whole values or deltas to add."""

    end: dt.date | None
    totals: dict[int, dict[str, int]] | None = None
    deltas: dict[int, dict[str, int]] = field(default_factory=dict)

    def apply(self, package_id: int, stored: dict[str, int]) -> dict[str, int]:
        if self.totals is not None:
            found = self.totals.get(package_id, {})
            return {column: found.get(column, 0) for column in WINDOW_FIELDS.values()}
        delta = self.deltas.get(package_id, {})
        return {column: stored[column] + delta.get(column, 0) for column in WINDOW_FIELDS.values()}


def in_old_windows(day: dt.date, old_end: dt.date | None) -> bool:
    """Whether a rewritten day's delta can matter: inside the longest window at ``old_end``."""
    return old_end is not None and old_end - dt.timedelta(days=LONGEST) < day <= old_end


def window_change(
    *,
    registry: Registry,
    old_end: dt.date | None,
    day_deltas: dict[tuple[int, dt.date], int],
) -> WindowChange:
    """How the windows move to end at ``registry.valid_through``.

    ``day_deltas``: (package, day) -> downloads added by this refresh, for the days of
    the old windows (see :func:`in_old_windows`); ``old_end``: the stored totals' end,
    or None when they are not to be trusted (never computed, a rebuild).
    """
    new_end = registry.valid_through
    if new_end is None:
        return WindowChange(end=None, totals={})
    if old_end is None or not 0 <= (new_end - old_end).days <= MAX_SHIFT_DAYS:
        return WindowChange(end=new_end, totals=_summed_totals(registry, new_end))
    deltas: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (package_id, day), delta in day_deltas.items():
        for days, column in WINDOW_FIELDS.items():
            if old_end - dt.timedelta(days=days) < day <= old_end and delta:
                deltas[package_id][column] += delta
    if new_end > old_end:
        for package_id, shifted in _shift(registry, old_end, new_end).items():
            for column, value in shifted.items():
                deltas[package_id][column] += value
    return WindowChange(end=new_end, deltas=deltas)


def _shift(registry: Registry, old_end: dt.date, new_end: dt.date) -> dict[int, dict[str, int]]:
    """Per package: downloads of the days entering minus those leaving each window."""
    annotations = {}
    touched = Q()
    for days, column in WINDOW_FIELDS.items():
        length = dt.timedelta(days=days)
        enter = Q(day__gt=max(old_end, new_end - length), day__lte=new_end)
        leave = Q(day__gt=old_end - length, day__lte=min(old_end, new_end - length))
        annotations[column] = Sum(
            Case(
                When(enter, then=F("downloads")),
                When(leave, then=-F("downloads")),
                default=Value(0),
                output_field=BigIntegerField(),
            )
        )
        touched |= enter | leave
    columns = list(annotations)
    rows = (
        PackageDay.objects.filter(touched, package__registry=registry)
        .order_by()
        .values("package_id")  # GROUP BY package
        .annotate(**annotations)
        .values_list("package_id", *columns)
    )
    return {package_id: dict(zip(columns, sums, strict=True)) for package_id, *sums in rows}


def _summed_totals(registry: Registry, end: dt.date) -> dict[int, dict[str, int]]:
    """Every window summed from the year, month and day summaries (the exact path)."""
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for days, column in WINDOW_FIELDS.items():
        period = Period(end - dt.timedelta(days=days - 1), end)
        for package_id, downloads in downloads_by_package(registry, period).items():
            totals[package_id][column] = downloads
    return totals
