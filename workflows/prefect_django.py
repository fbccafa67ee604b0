"""Prefect's ``flow`` and ``task`` decorators, wrapped once for Django.

Every flow and task closes database connections that went stale (older than
``CONN_MAX_AGE`` or broken) before it runs, so a long-lived worker process never uses a
connection the database server already dropped. Tasks default to no caching and no
result persistence: they write to the database, so replaying a cached result would
skip a write.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import prefect
from django.db import close_old_connections
from prefect.cache_policies import NO_CACHE

import workflows.django_setup  # noqa: F401  (Django before anything touches models)

P = ParamSpec("P")
R = TypeVar("R")


def _closing_stale_connections(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        return fn(*args, **kwargs)

    # Resolved types, not strings: Prefect builds the parameter model from the signature
    # in the wrapper's module, which does not define the names a flow module's use.
    wrapper.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


def task(fn: Callable[P, R] | None = None, /, **options: Any) -> Any:
    """``prefect.task`` with stale connections closed first; ``@task`` or ``@task(...)``."""
    options.setdefault("cache_policy", NO_CACHE)
    options.setdefault("persist_result", False)
    if fn is None:
        return lambda f: task(f, **options)
    return prefect.task(_closing_stale_connections(fn), **options)


def flow(fn: Callable[P, R] | None = None, /, **options: Any) -> Any:
    """``prefect.flow`` with stale connections closed first; ``@flow`` or ``@flow(...)``."""
    options.setdefault("persist_result", False)
    options.setdefault("validate_parameters", True)
    if fn is None:
        return lambda f: flow(f, **options)
    return prefect.flow(_closing_stale_connections(fn), **options)
