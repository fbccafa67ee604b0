"""One calendar year of a fill's summaries, streamed by COPY (one process-pool task each)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg
from pyroaring import BitMap

from benchmarks._fill.plan import Plan, day_rows, version_step


def _bytes(ids: BitMap) -> str:
    ids.run_optimize()
    return "\\\\x" + ids.serialize().hex()


@dataclass
class YearResult:
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    versions: dict[tuple[int, int], list] = field(default_factory=dict)  # (package, step)
    seconds: float = 0.0


def fill_year(dsn: str, plan: Plan, year: int) -> YearResult:
    """Write one calendar year of the plan's history (a process-pool task)."""
    started = time.perf_counter()
    rng = random.Random(f"{plan.seed}:{year}")
    result = YearResult()
    first = max(0, (dt.date(year, 1, 1) - plan.start).days)
    last = min(plan.days - 1, (dt.date(year, 12, 31) - plan.start).days)
    months: dict[int, dict[int, list]] = defaultdict(dict)  # month -> package -> [dl, ids]
    cat_days: dict[int, dict[int, list]] = defaultdict(dict)  # month -> category -> [[..]]
    other: dict[str, list[str]] = defaultdict(list)
    active = [p for p in plan.packages if p.first <= last and p.last >= first]
    with psycopg.connect(dsn) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY stats_packageday (package_id, day, downloads, mirror_downloads, "
                "distinct_clients, clients) FROM STDIN"
            ) as copy,
        ):
            for index in range(first, last + 1):
                day = plan.day(index)
                lines = []
                by_category: dict[int, list] = defaultdict(lambda: [0, []])
                month = months[day.month]
                for package, downloads, ids in day_rows(plan, index, rng, active):
                    lines.append(
                        f"{package.id}\t{day}\t{downloads}\t0\t{len(ids)}\t{_bytes(ids)}\n"
                    )
                    entry = month.setdefault(package.id, [0, BitMap()])
                    entry[0] += downloads
                    entry[1] |= ids
                    cat = by_category[package.category_id]
                    cat[0] += downloads
                    cat[1].append(ids)
                    key = (package.id, version_step(package, index))
                    tally = result.versions.get(key)
                    if tally is None:
                        result.versions[key] = [downloads, day, day]
                    else:
                        tally[0] += downloads
                        tally[2] = day
                copy.write("".join(lines))
                result.rows["stats_packageday"] += len(lines)
                for category_id, (downloads, parts) in by_category.items():
                    ids = BitMap.union(*parts)
                    cat_days[day.month].setdefault(category_id, []).append((downloads, ids))
                    other["stats_categoryday"].append(
                        f"{category_id}\t{day}\t{downloads}\t0\t{len(ids)}\t{_bytes(ids)}\n"
                    )
        _roll_up(year, months, cat_days, other)
        for table, rows in other.items():
            columns = _COLUMNS[table]
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(rows), 5000):
                    copy.write("".join(rows[start : start + 5000]))
            result.rows[table] += len(rows)
        conn.commit()
    result.seconds = time.perf_counter() - started
    return result


_COLUMNS = {
    "stats_categoryday": "category_id, day, downloads, mirror_downloads, distinct_clients, clients",
    "stats_packagemonth": "package_id, month, downloads, distinct_clients, clients",
    "stats_categorymonth": "category_id, month, downloads, distinct_clients, clients",
    "stats_packageyear": "package_id, year, downloads, distinct_clients, clients",
    "stats_categoryyear": "category_id, year, downloads, distinct_clients, clients",
}


def _roll_up(year: int, months: dict, cat_days: dict, other: dict[str, list[str]]) -> None:
    """Months as unions of days, years as unions of months (packages and categories)."""
    package_months = (
        (number, package_id, downloads, ids)
        for number, packages in sorted(months.items())
        for package_id, (downloads, ids) in packages.items()
    )
    _months_and_year(year, package_months, other, "stats_packagemonth", "stats_packageyear")
    category_months = (
        (number, category_id, sum(p[0] for p in parts), BitMap.union(*(p[1] for p in parts)))
        for number, categories in sorted(cat_days.items())
        for category_id, parts in categories.items()
    )
    _months_and_year(year, category_months, other, "stats_categorymonth", "stats_categoryyear")


def _months_and_year(
    year: int,
    months: Iterable[tuple[int, int, int, BitMap]],
    other: dict[str, list[str]],
    month_table: str,
    year_table: str,
) -> None:
    """COPY rows of (month number, owner id, downloads, client ids) and of their year."""
    years: dict[int, list] = {}
    for number, owner_id, downloads, ids in months:
        first_day = dt.date(year, number, 1)
        other[month_table].append(
            f"{owner_id}\t{first_day}\t{downloads}\t{len(ids)}\t{_bytes(ids)}\n"
        )
        entry = years.setdefault(owner_id, [0, BitMap()])
        entry[0] += downloads
        entry[1] |= ids
    for owner_id, (downloads, ids) in years.items():
        other[year_table].append(f"{owner_id}\t{year}\t{downloads}\t{len(ids)}\t{_bytes(ids)}\n")
