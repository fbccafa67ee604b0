"""Prefect flows of the platform; importing this package sets Django up first."""

from workflows import django_setup as _django_setup  # noqa: F401  (side effect: django.setup)
