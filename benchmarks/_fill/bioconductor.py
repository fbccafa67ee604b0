"""The whole fill: registry, manifest and clients, the years in parallel, then aggregation's
own steps for totals, ranks and windows (the package docstring says what is written)."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import psycopg

from benchmarks._fill.database import recreate_database, setup_django
from benchmarks._fill.plan import END, Plan, make_plan, masks, version_label
from benchmarks._fill.year import fill_year


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
        found = {table: _row_count(conn, table) for table in TABLES}
    step("vacuum analyze")
    return FillReport(plan=plan, registry_id=registry.pk, rows=found, steps=steps)


def plan_from_database(url: str, *, years: int, scale: float, seed: int) -> Plan:
    """The plan of an existing fill (--reuse): the same parameters give the same plan."""
    setup_django(url)  # new migrations since the fill
    from stats.demo.manifest import read_manifest
    from stats.models import Package

    ids = {
        name: (pk, category)
        for pk, name, category in Package.objects.filter(registry__name="bioconductor").values_list(
            "id", "name", "category_id"
        )
    }
    manifest = [p for p in read_manifest() if p.name in ids]
    return make_plan(manifest, ids, years=years, scale=scale, seed=seed)


def _row_count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])
