"""Bulk writes for ingestion: the segments' packed days, and client digests as ids.

A million log lines can carry a hundred thousand new client digests; building ORM
objects for them costs more than parsing the log, so that hot write goes straight to
the driver (column lists come from the models' metadata). Facts are few rows already:
one per segment and day (``stats.packed_facts``).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from stats.models import Client, LogSegment, SegmentDay, UnknownPackage
from stats.packed_facts import FactValues, PackedDay, columns_from_rows, pack_days
from stats.selectors.facts import unpacked
from stats.services.sql_names import quoted_columns, quoted_table

_CHUNK = 5000
_PG_CLIENT_CHUNK = 50_000  # one bytea parameter per chunk, no limit on parameters

FactRow = tuple[int, int, date, int, int, bytes, dict[str, int]]
"""(segment_id, package_id, day, downloads, mirror_downloads, clients, versions)"""


def insert_facts(rows: Iterable[FactRow]) -> int:
    """Append segment facts given one by one (loaders, benchmarks, tests); returns how
    many were written. A segment's days that hold facts already are merged with them
    (a package twice on one day is refused). Ingestion builds its packed days
    column-wise instead."""
    by_segment: dict[int, list[FactValues]] = defaultdict(list)
    for segment_id, *values in rows:
        by_segment[segment_id].append(tuple(values))  # type: ignore[arg-type]
    registries = dict(LogSegment.objects.filter(pk__in=by_segment).values_list("pk", "registry_id"))
    written = 0
    with transaction.atomic():
        for segment_id, facts in by_segment.items():
            stored = SegmentDay.objects.filter(segment_id=segment_id, day__in={f[1] for f in facts})
            merged = [*facts, *(f.values() for f in unpacked(stored))]
            stored.delete()
            days = pack_days(columns_from_rows(merged))
            insert_packed_days(segment_id=segment_id, registry_id=registries[segment_id], days=days)
            written += len(facts)
    return written


def insert_packed_days(*, segment_id: int, registry_id: int, days: Sequence[PackedDay]) -> int:
    """Append one segment's packed days; returns the number of facts (package-days).

    PostgreSQL gets them by COPY: as statement parameters, Django's client-side binding
    would quote megabytes of bytea into the SQL text (per million log lines 0.10 s
    instead of 0.08, and ~20 MB more memory).
    """
    if connection.vendor != "postgresql":
        SegmentDay.objects.bulk_create(
            SegmentDay(segment_id=segment_id, registry_id=registry_id, **day.fields())
            for day in days
        )
    elif days:
        names = list(days[0].fields())
        columns = quoted_columns(SegmentDay, ["segment", "registry", *names])
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {quoted_table(SegmentDay)} ({columns}) FROM STDIN") as copy,
        ):
            for day in days:
                values = day.fields()
                values["version_names"] = json.dumps(values["version_names"])
                copy.write_row([segment_id, registry_id, *values.values()])
    return sum(day.packages for day in days)


def upsert_clients(*, registry_id: int, digests: Sequence[bytes]) -> dict[bytes, int]:
    """Insert the digests that are new (ignoring ones that exist) and return digest -> id.

    Per chunk, either known digests are looked up first and the others inserted (with
    RETURNING), or all are inserted first (ON CONFLICT DO NOTHING RETURNING) and the
    existing ones looked up: whichever the previous chunk showed to be the common case.
    A digest another run inserted in between is looked up again.
    """
    found: dict[bytes, int] = {}
    size = _PG_CLIENT_CHUNK if connection.vendor == "postgresql" else _CHUNK
    insert_first = False
    with connection.cursor() as cursor:
        for i in range(0, len(digests), size):
            chunk = list(digests[i : i + size])
            # Look up first while most digests turn out known (a registry's regular
            # clients), insert first while most turn out new (a new registry, a backfill):
            # either way most chunks take one statement.
            found.update(_client_rows(cursor, registry_id, chunk, insert=insert_first))
            missing = [d for d in chunk if d not in found]
            new = len(missing) if not insert_first else len(chunk) - len(missing)
            if missing:
                found.update(_client_rows(cursor, registry_id, missing, insert=not insert_first))
                missing = [d for d in missing if d not in found]
                if missing:  # inserted by another run in between
                    found.update(_client_rows(cursor, registry_id, missing, insert=False))
            insert_first = new * 2 > len(chunk)
    return found


def _client_rows(
    cursor: CursorWrapper, registry_id: int, digests: list[bytes], *, insert: bool
) -> dict[bytes, int]:
    """digest -> id of the clients found (or, with ``insert``, newly inserted)."""
    table = quoted_table(Client)
    registry = quoted_columns(Client, ["registry"])
    owner = int(registry_id)  # ours, so it goes into the statement and halves the parameters
    if connection.vendor == "postgresql":
        # The digests travel as one bytea cut on the server: a bytea[] parameter would be
        # quoted element by element in Python.
        width = len(digests[0])
        if any(len(d) != width for d in digests):
            raise ValueError("client digests must all have the same length")
        params: list[Any] = [b"".join(digests)]
        found = (
            f"SELECT substring(%s::bytea FROM i * {width} + 1 FOR {width}) AS digest "
            f"FROM generate_series(0, {len(digests) - 1}) AS i"
        )
        if insert:
            sql = (
                f"INSERT INTO {table} ({registry}, digest) SELECT {owner}, digest "
                f"FROM ({found}) AS d ORDER BY digest "
                f"ON CONFLICT ({registry}, digest) DO NOTHING"
            )
        else:
            sql = (
                f"SELECT digest, id FROM {table} WHERE {registry} = {owner} AND digest IN ({found})"
            )
    else:
        # Padded (repeats change nothing) to a few sizes: sqlite3 keeps each distinct
        # statement compiled, and a 5000-row statement is megabytes of program. Run on
        # the connection's own sqlite3 cursor with its '?' marks: Django would rewrite
        # every '%s' of these megabytes of SQL with a regex first.
        size = next(n for n in (16, 256, _CHUNK, len(digests)) if n >= len(digests))
        params = [*digests, *[digests[0]] * (size - len(digests))]
        raw = connection.connection.cursor()
        if insert:
            values = ", ".join([f"({owner}, ?)"] * size)
            return _sqlite_inserted(
                raw,
                f"INSERT INTO {table} ({registry}, digest) VALUES {values} "
                f"ON CONFLICT ({registry}, digest) DO NOTHING",
                params,
                digests,
            )
        marks = ", ".join(["?"] * size)
        sql = f"SELECT digest, id FROM {table} WHERE {registry} = {owner} AND digest IN "
        raw.execute(sql + f"({marks})", params)
        return {bytes(digest): pk for digest, pk in raw.fetchall()}
    if insert:
        sql += " RETURNING digest, id"
    cursor.execute(sql, params)
    return {bytes(digest): pk for digest, pk in cursor.fetchall()}


def _sqlite_inserted(
    cursor: sqlite3.Cursor, insert: str, params: list[Any], digests: list[bytes]
) -> dict[bytes, int]:
    """Run ``insert`` (``digests``' rows, then repeats of the first) and return digest ->
    id of the rows it added.

    Without RETURNING, which makes SQLite hold every row of a multi-row INSERT (1.6x
    slower): inside one transaction this connection is SQLite's only writer, so the rows
    with an id above the largest one before are exactly this statement's. When every
    digest was new and the ids run on from that largest one, SQLite gave them in the
    order of the VALUES, so they are not even read back.
    """
    table = quoted_table(Client)
    largest = f"SELECT COALESCE(MAX(id), 0) FROM {table}"
    with transaction.atomic():
        cursor.execute(largest)
        (before,) = cursor.fetchone()
        cursor.execute(insert, params)
        added = cursor.rowcount
        cursor.execute(largest)
        (after,) = cursor.fetchone()
        if added == len(digests) and after == before + added:
            return dict(zip(digests, range(before + 1, after + 1), strict=True))
        cursor.execute(f"SELECT digest, id FROM {table} WHERE id > ?", [before])
        return {bytes(digest): pk for digest, pk in cursor.fetchall()}


def add_unknown_requests(
    *, registry_id: int, counts: Sequence[tuple[str, str, int]], last_seen: date | None
) -> None:
    """Add request counts of names the manifest lacks: (category, name, requests)."""
    if not counts:
        return
    model = UnknownPackage
    table = quoted_table(model)
    registry_col = quoted_columns(model, ["registry"])
    sql = (
        f"INSERT INTO {table} ({registry_col}, category, name, requests, last_seen) "
        f"VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT ({registry_col}, category, name) DO UPDATE SET "
        f"requests = {table}.requests + excluded.requests, "
        f"last_seen = COALESCE(excluded.last_seen, {table}.last_seen)"
    )
    day = last_seen.isoformat() if last_seen and connection.vendor != "postgresql" else last_seen
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(registry_id, c, n, r, day) for c, n, r in sorted(counts)])
