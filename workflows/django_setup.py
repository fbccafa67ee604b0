"""Set Django up once, before any flow module imports models.

Every module of ``workflows`` imports this first (``workflows/__init__.py`` does), so a
flow run started by a Prefect worker, a Dask worker unpickling a task, or a test all get
the same configured Django. Setting up twice is harmless (Django ignores it).
"""

from __future__ import annotations

import os

import django
from django.apps import apps


def setup_django() -> None:
    """Configure Django from ``DJANGO_SETTINGS_MODULE`` (default: the project's settings)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emgapiv2.settings")
    if not apps.ready:
        django.setup()


setup_django()
