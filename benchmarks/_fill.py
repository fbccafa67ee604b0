"""Shared by the benchmarks: Django setup, and a Bioconductor-scale registry written fast.

``fill_bioconductor`` writes what ingestion and aggregation would have written for
15 years of daily downloads of the real manifest's packages (generated, Zipf-skewed
popularity, growth over the years, weekends quieter, each package counted from its
first to its last release): Client rows, PackageDay/Month/Year and CategoryDay/Month/
Year with exact client bitmaps (stats.bitmaps encoding), PackageVersion totals, then
the aggregation's own ``update_package_columns`` for totals, scores, ranks and rolling
windows, the kept .tab year lines (``render_year_lines``), and
Registry.valid_through/data_generation. Months are unions of days, years unions of
months, categories unions of their packages, exactly as aggregation derives them.

Speed: each calendar year is one task (a process pool); client sets are cut from
precomputed random masks with C-level bitmap operations (a window of ids AND a mask
of density 1/4), rows stream to PostgreSQL by COPY, and the large day table gets its
secondary indexes after the load. Historical raw facts (SegmentDay rows) are not
written: no reader and no incremental refresh reads the facts of past days.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import struct
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from pyroaring import BitMap

REPO = Path(__file__).resolve().parent.parent
END = dt.date(2025, 6, 15)  # mid-month, so last-month spans two months as it usually does
DENSITY_BITS = 2  # masks keep 1 id in 2**2
MASKS = 16
TOP_DAILY_CLIENTS = 4000  # Zipf constant: rank r gets about 4000 / (r + 3) clients a day
IDS_PER_DAY = 400  # new client ids a day at full scale
_masks: list[BitMap] = []


def setup_django(database_url: str | None = None, *, migrate: bool = True) -> None:
    """Configure Django for a script (PostgreSQL only) and apply migrations."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ["STATS_DATABASE_URL"] = database_url
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (it is filled).")
    if migrate:
        call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def recreate_database(url: str) -> None:
    """Drop and create the database named in ``url`` (connecting to ``postgres``)."""
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def release_date(number: int) -> dt.date:
    """Approximate release day of Bioconductor ``number`` (302 = 3.2): two releases a year."""
    major, minor = divmod(number, 100)
    first = {1: dt.date(2002, 5, 1), 2: dt.date(2007, 4, 26)}.get(major, dt.date(2014, 10, 14))
    return first + dt.timedelta(days=round(minor * 182.6))


@dataclass(frozen=True, slots=True)
class PlanPackage:
    id: int
    category_id: int
    rank: int
    clients: float  # expected distinct clients a weekday at the end of the plan
    released: int  # day index of its first release (negative: before the plan starts)
    first: int  # first and last day index with downloads (0 = plan start)
    last: int
    offset: int  # where its clients sit around the moving centre of the id space
    spread: int  # half-width of its pool of client ids


@dataclass(frozen=True)
class Plan:
    start: dt.date
    days: int  # day indexes 0 .. days-1 are history; index ``days`` is the refresh day
    ids_per_day: float
    max_id: int
    seed: int
    packages: tuple[PlanPackage, ...]

    def day(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)


def make_plan(
    manifest: list[Any], ids: dict[str, tuple[int, int]], *, years: int, scale: float, seed: int
) -> Plan:
    """Who is popular and when each package is downloaded; ``ids``: name -> (id, category)."""
    from stats.demo import vocab

    rng = random.Random(seed)
    start = END.replace(year=END.year - years) + dt.timedelta(days=1)
    days = (END - start).days + 1
    popular = [n for n in vocab.POPULAR if n in ids]
    rest = sorted(n for n in ids if n not in set(popular))
    rng.shuffle(rest)
    rank = {name: r for r, name in enumerate(popular + rest, start=1)}
    rate = IDS_PER_DAY * scale
    packages = []
    for row in manifest:
        if row.name not in ids:
            continue
        first = (release_date(row.first_version) - start).days + rng.randrange(0, 30)
        last = (
            days + 366
            if row.last_version is None
            else ((release_date(row.last_version) - start).days + 183)
        )
        if last < 0 or first > days:
            continue
        width = (TOP_DAILY_CLIENTS / (rank[row.name] + 3)) * (1 << DENSITY_BITS)
        packages.append(
            PlanPackage(
                id=ids[row.name][0],
                category_id=ids[row.name][1],
                rank=rank[row.name],
                clients=TOP_DAILY_CLIENTS / (rank[row.name] + 3),
                released=first,
                first=max(first, 0),
                last=last,
                offset=rng.randrange(-int(50 * rate), int(50 * rate) + 1),
                spread=int(max(10 * width, 100 * rate)),
            )
        )
    margin = max(p.spread for p in packages) + int(50 * rate) + 1
    max_id = int((days + 1) * rate) + 2 * margin
    return Plan(start, days, rate, max_id, seed, tuple(packages))


def _random_mask(rng: random.Random, containers: int) -> BitMap:
    """Ids with probability 1/4 each, built as serialised bitset containers (fast)."""
    header, data = [], []
    for key in range(containers):
        bits = -1
        for _ in range(DENSITY_BITS):
            bits &= int.from_bytes(rng.randbytes(8192), "little")
        header.append(struct.pack("<HH", key, bits.bit_count() - 1))
        data.append(bits.to_bytes(8192, "little"))
    head = struct.pack("<II", 12346, containers) + b"".join(header)
    base = len(head) + 4 * containers
    offsets = b"".join(struct.pack("<I", base + 8192 * i) for i in range(containers))
    return BitMap.deserialize(head + offsets + b"".join(data))


def masks(plan: Plan) -> list[BitMap]:
    if not _masks:
        rng = random.Random(plan.seed * 7919)
        containers = plan.max_id // 65536 + 1
        _masks.extend(_random_mask(rng, containers) for _ in range(MASKS))
    return _masks


def version_step(package: PlanPackage, index: int) -> int:
    """Which version a package is at on a day: one every quarter since its first release."""
    return (index - package.released) // 91


def version_label(step: int) -> str:
    """A minor bump every release (half a year), one patch in between."""
    return f"1.{2 * (step // 2)}.{step % 2}"


def day_rows(
    plan: Plan, index: int, rng: random.Random, packages: list[PlanPackage] | None = None
) -> list[tuple[PlanPackage, int, BitMap]]:
    """(package, downloads, clients) of every package downloaded on day ``index``."""
    mask_list = masks(plan)
    weekday = plan.day(index).weekday()
    level = (0.35 + 0.65 * index / plan.days) * (0.6 if weekday >= 5 else 1.0)
    origin = (plan.max_id - int(plan.days * plan.ids_per_day)) // 2
    centre = origin + int(index * plan.ids_per_day)
    rows = []
    for package in plan.packages if packages is None else packages:
        if not package.first <= index <= package.last:
            continue
        ramp = min(1.0, 0.1 + (index - package.first) / 120)
        expected = package.clients * level * ramp
        clients = expected * rng.lognormvariate(0, 0.3)
        if clients < 1:
            if rng.random() >= clients:
                continue
            clients = 1
        width = max(1, int(clients * (1 << DENSITY_BITS)))
        low = centre + package.offset - package.spread
        low += int(rng.random() * max(1, 2 * package.spread - width))
        low = min(max(low, 1), plan.max_id - width)
        ids = BitMap(range(low, low + width)) & mask_list[int(rng.random() * MASKS)]
        if not ids:
            ids = BitMap([low])
        count = len(ids)
        rows.append((package, count + int(count * rng.random() * 1.5), ids))
    return rows


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
    years: dict[int, list] = {}
    for number, packages in sorted(months.items()):
        first_day = dt.date(year, number, 1)
        for package_id, (downloads, ids) in packages.items():
            other["stats_packagemonth"].append(
                f"{package_id}\t{first_day}\t{downloads}\t{len(ids)}\t{_bytes(ids)}\n"
            )
            entry = years.setdefault(package_id, [0, BitMap()])
            entry[0] += downloads
            entry[1] |= ids
    for package_id, (downloads, ids) in years.items():
        other["stats_packageyear"].append(
            f"{package_id}\t{year}\t{downloads}\t{len(ids)}\t{_bytes(ids)}\n"
        )
    category_years: dict[int, list] = {}
    for number, categories in sorted(cat_days.items()):
        first_day = dt.date(year, number, 1)
        for category_id, parts in categories.items():
            downloads = sum(p[0] for p in parts)
            ids = BitMap.union(*(p[1] for p in parts))
            other["stats_categorymonth"].append(
                f"{category_id}\t{first_day}\t{downloads}\t{len(ids)}\t{_bytes(ids)}\n"
            )
            entry = category_years.setdefault(category_id, [0, BitMap()])
            entry[0] += downloads
            entry[1] |= ids
    for category_id, (downloads, ids) in category_years.items():
        other["stats_categoryyear"].append(
            f"{category_id}\t{year}\t{downloads}\t{len(ids)}\t{_bytes(ids)}\n"
        )


def _secondary_indexes(conn: psycopg.Connection, table: str) -> list[str]:
    """Drop the table's unique constraints and non-primary indexes; return how to recreate."""
    recreate = []
    for name, definition in conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    ).fetchall():
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [table],
    ).fetchall():
        conn.execute(f'DROP INDEX "{name}"')
        recreate.append(definition)
    return recreate


TABLES = (
    "stats_client",
    "stats_package",
    "stats_packageday",
    "stats_packagemonth",
    "stats_packageyear",
    "stats_categoryday",
    "stats_categorymonth",
    "stats_categoryyear",
    "stats_packageversion",
)


@dataclass
class FillReport:
    plan: Plan
    registry_id: int
    rows: dict[str, int]
    steps: dict[str, float]


def _choose(manifest: list[Any], scale: float, seed: int) -> list[Any]:
    """The whole manifest, or at smaller scale the popular packages and a random share."""
    if scale >= 1:
        return manifest
    from stats.demo import vocab

    keep = {p.name for p in manifest if p.name in vocab.POPULAR}
    rest = sorted(p.name for p in manifest if p.name not in keep)
    keep.update(random.Random(seed).sample(rest, max(0, round(len(manifest) * scale) - len(keep))))
    return [p for p in manifest if p.name in keep]


def fill_bioconductor(
    url: str, *, scale: float = 1.0, years: int = 15, jobs: int = 2, seed: int = 11
) -> FillReport:
    """Drop and recreate the database at ``url``, then fill it (see the module docstring)."""
    import multiprocessing
    from functools import partial

    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = now - clock
        clock = now

    recreate_database(url)
    setup_django(url)
    step("create database and migrate")
    from django.db import connections

    from stats.demo.manifest import SHIPPED_MANIFEST, read_manifest
    from stats.models import Package, Registry, RuleSet
    from stats.services import manifest as manifest_service
    from stats.services.scores import update_package_columns
    from stats.services.tab_lines import render_year_lines
    from stats.services.windows import window_change

    manifest = _choose(read_manifest(), scale, seed)
    names = {p.name for p in manifest}
    registry = Registry.objects.create(
        name="bioconductor", title="Bioconductor", rule_set=RuleSet.BIOCONDUCTOR, timezone="UTC"
    )
    rows = [r for r in manifest_service.read_manifest(SHIPPED_MANIFEST) if r.package in names]
    manifest_service.manifest_load(registry=registry, rows=rows)
    ids = {
        name: (pk, category)
        for pk, name, category in Package.objects.filter(registry=registry).values_list(
            "id", "name", "category_id"
        )
    }
    plan = make_plan(manifest, ids, years=years, scale=scale, seed=seed)
    masks(plan)  # built once, inherited by the workers
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        client_indexes = _secondary_indexes(conn, "stats_client")
        conn.execute(
            "INSERT INTO stats_client (id, registry_id, digest) SELECT i, %s, "
            "substring(sha256(int8send(i)) FROM 1 FOR 16) FROM generate_series(1, %s) AS i",
            [registry.pk, plan.max_id],
        )
        conn.execute("SELECT setval('stats_client_id_seq', %s)", [plan.max_id])
        conn.execute("SET maintenance_work_mem = '256MB'")
        for statement in client_indexes:
            conn.execute(statement)
        recreate = _secondary_indexes(conn, "stats_packageday")
    step("registry, manifest, clients")
    connections.close_all()
    calendar_years = sorted({plan.day(i).year for i in (0, plan.days - 1)}, reverse=True)
    calendar_years = list(range(calendar_years[0], calendar_years[-1] - 1, -1))
    counts: dict[str, int] = defaultdict(int)
    versions: dict[tuple[int, int], list] = {}
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for result in pool.imap_unordered(partial(fill_year, url, plan), calendar_years):
            for table, n in result.rows.items():
                counts[table] += n
            for key, (downloads, first, last) in result.versions.items():
                tally = versions.setdefault(key, [0, first, last])
                tally[0] += downloads
                tally[1], tally[2] = min(tally[1], first), max(tally[2], last)
    step(f"summaries of {len(calendar_years)} years ({jobs} processes)")
    with psycopg.connect(url) as conn:
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY stats_packageversion (package_id, version, downloads, first_day, last_day) "
                "FROM STDIN"
            ) as copy,
        ):
            for (package_id, number), (downloads, first, last) in versions.items():
                copy.write_row((package_id, version_label(number), downloads, first, last))
        conn.execute("SET maintenance_work_mem = '256MB'")
        for statement in recreate:
            conn.execute(statement)
    step("versions, day-table indexes")
    Registry.objects.filter(pk=registry.pk).update(valid_through=END, data_generation=plan.days)
    registry.refresh_from_db()
    windows = window_change(registry=registry, old_end=None, day_deltas={})
    Registry.objects.filter(pk=registry.pk).update(windows_through=windows.end)
    update_package_columns(registry=registry, windows=windows)
    step("totals, scores, ranks, rolling windows")
    render_year_lines(package_ids=[pk for pk, _ in ids.values()])
    step("kept .tab year lines (render_year_lines)")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        found = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES
        }
    step("vacuum analyze")
    return FillReport(plan=plan, registry_id=registry.pk, rows=found, steps=steps)


def new_day_facts(plan: Plan, index: int) -> list[tuple[int, dt.date, int, bytes, dict[str, int]]]:
    """A day after the history, as facts: (package, day, downloads, clients, versions)."""
    rng = random.Random(f"{plan.seed}:day:{index}")
    day = plan.day(index)
    facts = []
    for package, downloads, ids in day_rows(plan, index, rng):
        ids.run_optimize()
        version = version_label(version_step(package, index))
        facts.append((package.id, day, downloads, ids.serialize(), {version: downloads}))
    return facts


def check_against_rebuild(url: str, *, years: int = 2, scale: float = 0.02, seed: int = 3) -> bool:
    """Fill a small database, write the same days as facts, rebuild, compare every summary.

    Proves the fill writes exactly what aggregation would (byte-equal client sets too).
    """
    plan = fill_bioconductor(url, scale=scale, years=years, seed=seed).plan
    from django.db import transaction

    from stats import models as m
    from stats.services.aggregation import rebuild_registry_stats
    from stats.services.bulk import insert_facts

    keyed = {
        m.PackageDay: "package_id day",
        m.PackageMonth: "package_id month",
        m.PackageYear: "package_id year",
        m.PackageYearLines: "package_id year",
        m.CategoryDay: "category_id day",
        m.CategoryMonth: "category_id month",
        m.CategoryYear: "category_id year",
        m.PackageVersion: "package_id version",
        m.Package: "id name",
        m.Registry: "id",
    }
    values = {
        m.PackageVersion: ["downloads", "first_day", "last_day"],
        m.PackageYearLines: ["lines"],
        m.Package: [
            "downloads_total",
            "download_score",
            "rank",
            "downloads_last_day",
            "downloads_last_week",
            "downloads_last_month",
            "downloads_last_year",
        ],
        m.Registry: ["valid_through", "windows_through"],
    }

    def snapshot() -> dict[str, set]:
        return {
            model.__name__: {
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in model.objects.values_list(
                    *key.split(), *values.get(model, ["downloads", "distinct_clients", "clients"])
                )
            }
            for model, key in keyed.items()
        }

    before = snapshot()
    registry = m.Registry.objects.get(name="bioconductor")
    facts = []
    for year in range(plan.start.year, plan.day(plan.days - 1).year + 1):
        rng = random.Random(f"{plan.seed}:{year}")  # the fill's draws, in the fill's order
        first = max(0, (dt.date(year, 1, 1) - plan.start).days)
        last = min(plan.days - 1, (dt.date(year, 12, 31) - plan.start).days)
        active = [p for p in plan.packages if p.first <= last and p.last >= first]
        for index in range(first, last + 1):
            for package, downloads, ids in day_rows(plan, index, rng, active):
                ids.run_optimize()
                version = version_label(version_step(package, index))
                facts.append((package.id, plan.day(index), downloads, ids.serialize(), version))
    stamp = dt.datetime.combine(END, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1, seconds=30)
    with transaction.atomic():
        segment = m.LogSegment.objects.create(
            registry=registry,
            source="check",
            start_offset=0,
            end_offset=1,
            content_hash="blake3:check",
            status=m.SegmentStatus.DONE,
            last_line_at=stamp,
            started_at=stamp,
            finished_at=stamp,
        )
        insert_facts((segment.pk, p, d, n, 0, b, {v: n}) for p, d, n, b, v in facts)
    rebuild_registry_stats(registry=registry)
    after = snapshot()
    for name in before:
        verdict = "equal" if before[name] == after[name] else "DIFFERENT"
        print(f"  {name:<16} {len(before[name]):>8} rows  {verdict}")
    return before == after
