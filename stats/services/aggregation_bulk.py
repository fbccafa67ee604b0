"""Bulk writes of summary rows: one statement per few thousand rows.

On PostgreSQL the rows travel as one array per column (``unnest``), so a 6,000-row
upsert is a single statement with a handful of parameters instead of 36,000
placeholders; it is several times faster than ``bulk_create(update_conflicts=True)``
and far faster than ``bulk_update`` (a CASE per row). Other databases (SQLite in
development) use Django's portable bulk operations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from stats.services.sql_names import concrete_field, primary_key, quoted_column, quoted_table

STATEMENT_ROWS = 5000
Row = dict[str, Any]
PORTABLE_BATCH = 500


def _pg_type(field: models.Field) -> str:
    """The column's type for an array cast (foreign keys: their target's type)."""
    return str(field.db_type(connection)).replace("bigserial", "bigint")


def _arrays(rows: Sequence[Row], fields: list[models.Field]) -> list[list[object]]:
    arrays = []
    for field in fields:
        values = [row[field.attname] for row in rows]
        if isinstance(field, models.BinaryField):
            values = [bytes(v) if v is not None else None for v in values]
        arrays.append(values)
    return arrays


def _execute_bound(sql: str, params: list[list[object]]) -> None:
    """Run one statement with server-side binding, in Django's current transaction.

    Django's psycopg cursors bind on the client, quoting every array element into the
    SQL text (a second of Python for 6,000 client sets); a plain psycopg cursor on the
    same connection sends the arrays as binary parameters (``%b``) instead.
    """
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)


#: How ``upsert(merge=...)`` combines a stored value with the new one (PostgreSQL).
MERGES = {
    "replace": "{new}",
    "add": "{old} + {new}",
    "least": "LEAST({old}, {new})",  # NULLs are ignored
    "greatest": "GREATEST({old}, {new})",
}


def upsert(
    model: type[models.Model],
    objs: Sequence[Row],
    *,
    unique_fields: list[str],
    update_fields: list[str],
    merge: dict[str, str] | None = None,
) -> None:
    """Insert the rows, or update ``update_fields`` of those whose unique key exists.

    Rows are dicts keyed by attribute name (``package_id``), not model instances: building
    30,000 instances per refresh cost more than the statements. ``merge`` (PostgreSQL
    only) names fields whose stored value is combined with the new one (see
    :data:`MERGES`) instead of replaced, so running totals need no read first.
    """
    if not objs:
        return
    if merge and connection.vendor != "postgresql":
        raise NotImplementedError("upsert(merge=...) needs PostgreSQL")
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**row) for row in objs],
            batch_size=PORTABLE_BATCH,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
        return
    fields = [concrete_field(model, name) for name in [*unique_fields, *update_fields]]
    columns = ", ".join(quoted_column(f) for f in fields)
    casts = ", ".join(f"%b::{_pg_type(f)}[]" for f in fields)
    conflict = ", ".join(quoted_column(concrete_field(model, n)) for n in unique_fields)
    table = quoted_table(model)
    updates = ", ".join(
        f"{quoted_column(concrete_field(model, n))} = "
        + MERGES[(merge or {}).get(n, "replace")].format(
            old=f"{table}.{quoted_column(concrete_field(model, n))}",
            new=f"EXCLUDED.{quoted_column(concrete_field(model, n))}",
        )
        for n in update_fields
    )
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    for start in range(0, len(objs), STATEMENT_ROWS):
        _execute_bound(sql, _arrays(objs[start : start + STATEMENT_ROWS], fields))


def update_by_pk(model: type[models.Model], objs: Sequence[Row], *, fields: list[str]) -> None:
    """Set ``fields`` of existing rows, matched by primary key (rows: dicts with the pk)."""
    if not objs:
        return
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 33):
        _sqlite_update_by_pk(model, objs, fields)
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(
            [model(**row) for row in objs], fields, batch_size=PORTABLE_BATCH
        )
        return
    pk = primary_key(model)
    targets = [concrete_field(model, name) for name in fields]
    names = ["pk", *[f"v{i}" for i in range(len(targets))]]
    casts = ", ".join(f"%b::{_pg_type(f)}[]" for f in [pk, *targets])
    sets = ", ".join(f"{quoted_column(f)} = v.v{i}" for i, f in enumerate(targets))
    table = quoted_table(model)
    sql = (
        f"UPDATE {table} AS t SET {sets} FROM unnest({casts}) "
        f"AS v({', '.join(names)}) WHERE t.{quoted_column(pk)} = v.pk"
    )
    for start in range(0, len(objs), STATEMENT_ROWS):
        _execute_bound(sql, _arrays(objs[start : start + STATEMENT_ROWS], [pk, *targets]))


def _sqlite_update_by_pk(model: type[models.Model], objs: Sequence[Row], fields: list[str]) -> None:
    """SQLite 3.33+: ``UPDATE ... FROM (VALUES ...)``, a few hundred rows per statement."""
    pk = primary_key(model)
    targets = [concrete_field(model, name) for name in fields]
    sets = ", ".join(f"{quoted_column(f)} = v.column{i + 2}" for i, f in enumerate(targets))
    table = quoted_table(model)
    per_row = len(targets) + 1
    rows_per_statement = max(1, 900 // per_row)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), rows_per_statement):
            batch = objs[start : start + rows_per_statement]
            values = ", ".join(["(" + ", ".join(["%s"] * per_row) + ")"] * len(batch))
            params: list[Any] = []
            for row in batch:
                params.append(row[pk.attname])
                params.extend(row[f.attname] for f in targets)
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {values}) AS v "
                f"WHERE t.{quoted_column(pk)} = v.column1",
                params,
            )
