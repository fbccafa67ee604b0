"""Table and column names of models, quoted for the statements the bulk writers build."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The model's column-backed field of that name (not a reverse relation)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def primary_key(model: type[models.Model]) -> models.Field:
    pk = model._meta.pk
    if pk is None:
        raise ValueError(f"{model.__name__} has no primary key")
    return pk


def quoted_column(field: models.Field) -> str:
    return connection.ops.quote_name(str(field.column))


def quoted_columns(model: type[models.Model], names: Sequence[str]) -> str:
    """``"a", "b"``: the columns of these fields, comma-separated."""
    return ", ".join(quoted_column(concrete_field(model, name)) for name in names)


def quoted_table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)
