"""Django setup and database create/drop, shared by the benchmarks (PostgreSQL only)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]


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
    """Close Django's connections first, so that nothing of this process holds it open."""
    from django.db import connections

    connections.close_all()
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
