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
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from stats.models import Client, LogSegment, SegmentDay, UnknownPackage
from stats.packed_facts import FactValues, PackedDay, columns_from_rows, pack_days
from stats.selectors.facts import unpacked
from stats.services.sql_names import quoted_columns, quoted_table

_CHUNK = 50_000
"""Client digests per statement (one byte-string parameter each)."""

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


@dataclass(frozen=True)
class UpsertedClients:
    """What ``upsert_clients`` found: the id of each digest, in the given order, and how
    many rows it added."""

    ids: np.ndarray
    inserted: int


ClientRows = dict[bytes, int] | range
"""digest -> id, or (SQLite, every digest new) the ids of the digests in their order."""


def upsert_clients(
    *, registry_id: int, digests: Sequence[bytes], expect_new: bool = False
) -> UpsertedClients:
    """Insert the digests that are new (ignoring ones that exist) and return their ids.

    Per chunk, either known digests are looked up first and the others inserted, or all
    are inserted first (ON CONFLICT DO NOTHING) and the existing ones looked up:
    ``expect_new`` says which for the first chunk, then whichever the previous chunk
    showed to be the common case. A digest another run inserted in between is looked up
    again.
    """
    ids = np.empty(len(digests), np.int64)
    inserted = 0
    insert_first = expect_new
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(digests), _CHUNK):
            chunk = list(digests[i : i + _CHUNK])
            ids[i : i + len(chunk)], new = _chunk_ids(cursor, registry_id, chunk, insert_first)
            inserted += new
            insert_first = new * 2 > len(chunk)
    return UpsertedClients(ids=ids, inserted=inserted)


def _chunk_ids(
    cursor: CursorWrapper, registry_id: int, chunk: list[bytes], insert_first: bool
) -> tuple[np.ndarray, int]:
    """The ids of ``chunk``'s digests and how many of them were inserted."""
    first = _client_rows(cursor, registry_id, chunk, insert=insert_first)
    if isinstance(first, range):
        return np.arange(first.start, first.stop, dtype=np.int64), len(chunk)
    found = dict(first)
    inserted = len(first) if insert_first else 0
    missing = [d for d in chunk if d not in found]
    if missing:
        second = _client_rows(cursor, registry_id, missing, insert=not insert_first)
        found.update(_as_dict(second, missing))
        inserted += 0 if insert_first else len(second)
        missing = [d for d in missing if d not in found]
        if missing:  # inserted by another run in between
            found.update(
                _as_dict(_client_rows(cursor, registry_id, missing, insert=False), missing)
            )
    return np.fromiter(map(found.__getitem__, chunk), np.int64, len(chunk)), inserted


def _as_dict(rows: ClientRows, digests: list[bytes]) -> dict[bytes, int]:
    return dict(zip(digests, rows, strict=True)) if isinstance(rows, range) else rows


def _client_rows(
    cursor: CursorWrapper, registry_id: int, digests: list[bytes], *, insert: bool
) -> ClientRows:
    """digest -> id of the clients found (or, with ``insert``, newly inserted).

    The digests travel as one byte string cut by the database, so the statement is the
    same whatever their number: a parameter per digest would make each chunk megabytes of
    SQL to compile (SQLite) or quote (Django's client-side binding on PostgreSQL).
    """
    table = quoted_table(Client)
    registry = quoted_columns(Client, ["registry"])
    owner = int(registry_id)  # ours, so it goes into the statement
    width = len(digests[0])
    if any(len(d) != width for d in digests):
        raise ValueError("client digests must all have the same length")
    blob = b"".join(digests)
    if connection.vendor == "postgresql":
        found = (
            f"SELECT substring(%s::bytea FROM i * {width} + 1 FOR {width}) AS digest "
            f"FROM generate_series(0, {len(digests) - 1}) AS i"
        )
        if insert:
            sql = (
                f"INSERT INTO {table} ({registry}, digest) SELECT {owner}, digest "
                f"FROM ({found}) AS d ORDER BY digest "
                f"ON CONFLICT ({registry}, digest) DO NOTHING RETURNING digest, id"
            )
        else:
            sql = (
                f"SELECT digest, id FROM {table} WHERE {registry} = {owner} AND digest IN ({found})"
            )
        cursor.execute(sql, [blob])
        return {bytes(digest): pk for digest, pk in cursor.fetchall()}
    # SQLite has no generate_series: a recursive CTE numbers the digests. Run on the
    # connection's own sqlite3 cursor with its '?' marks (no rewriting by Django).
    numbered = (
        f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?), "
        f"d(digest) AS (SELECT substr(?, i * {width} + 1, {width}) FROM n) "
    )
    params = [len(digests) - 1, blob]
    raw = connection.connection.cursor()
    if insert:
        return _sqlite_inserted(
            raw,
            f"{numbered}INSERT INTO {table} ({registry}, digest) SELECT {owner}, digest "
            f"FROM d WHERE true ON CONFLICT ({registry}, digest) DO NOTHING",
            params,
            digests,
        )
    raw.execute(
        f"{numbered}SELECT c.digest, c.id FROM d JOIN {table} AS c "
        f"ON c.{registry} = {owner} AND c.digest = d.digest",
        params,
    )
    return {bytes(digest): pk for digest, pk in raw.fetchall()}


def _sqlite_inserted(
    cursor: sqlite3.Cursor, insert: str, params: list[Any], digests: list[bytes]
) -> ClientRows:
    """Run ``insert`` (of ``digests``' rows) and return digest -> id of the rows it added.

    Without RETURNING, which makes SQLite hold every row of a multi-row INSERT (1.6x
    slower): inside the caller's transaction this connection is SQLite's only writer, so
    the rows with an id above the largest one before are exactly this statement's. When
    every digest was new and the ids run on from that largest one, SQLite gave them in
    the digests' order: they are that range of ids, not even read back.
    """
    table = quoted_table(Client)
    largest = f"SELECT COALESCE(MAX(id), 0) FROM {table}"
    cursor.execute(largest)
    (before,) = cursor.fetchone()
    changes = cursor.connection.total_changes
    cursor.execute(insert, params)
    added = cursor.connection.total_changes - changes  # rowcount is -1 after WITH ...
    cursor.execute(largest)
    (after,) = cursor.fetchone()
    if added == len(digests) and after == before + added:
        return range(before + 1, after + 1)
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
