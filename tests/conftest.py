"""Shared fixtures and marker handling for the whole suite.

Markers (declared in pyproject.toml):
- ``postgres``: runs only when the database is PostgreSQL (``task test`` runs the suite twice).
- ``browser``: needs /usr/bin/chromium and chromedriver; ``slurm``: needs sbatch and sinfo.
A missing tool skips the test with the reason, except when ``CI=true``: there it fails,
because ``task test`` installs those packages first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent

# Prefect must not write to the home folder nor phone home, whichever test imports it.
os.environ.setdefault("PREFECT_HOME", str(REPO_ROOT / "data" / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

MARKER_TOOLS: dict[str, tuple[str, ...]] = {
    "browser": ("chromium", "chromedriver"),
    "slurm": ("sbatch", "sinfo"),
}


def running_in_ci() -> bool:
    """CI sets CI=true; there a missing tool or service is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _missing(reason: str) -> None:
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def _find_tool(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/sbin:/usr/lib/chromium")


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} {database['NAME']} (CI={running_in_ci()})"


@pytest.fixture(scope="session")
def in_ci() -> bool:
    return running_in_ci()


@pytest.fixture(scope="session")
def require_tool() -> Callable[[str], str]:
    """``require_tool("goaccess")`` returns the program's path, or skips (fails in CI)."""

    def require(name: str) -> str:
        path = _find_tool(name)
        if path is None:
            _missing(f"{name} is not installed (task system-deps installs it)")
        assert path is not None
        return path

    return require


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, tools in MARKER_TOOLS.items():
        if item.get_closest_marker(marker) is None:
            continue
        for tool in tools:
            if _find_tool(tool) is None:
                _missing(f"{tool} is not installed, needed by @{marker} tests")
    if item.get_closest_marker("postgres") is not None:
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only; task test-postgres runs it with DATABASE_URL")


@pytest.fixture
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    """A fresh ``settings.STATS.data_dir`` for tests that write secrets, logs or exports."""
    stats = settings.STATS.model_copy(update={"data_dir": tmp_path})
    settings.STATS = stats
    return tmp_path


@pytest.fixture
def run_manage() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``manage.py ARGS`` in a fresh process, optionally with changed environment.

    ``env`` values of None remove the variable. The child starts from the parent's
    environment, so it sees the same DATABASE_URL; it never sees the test database.
    """

    def run(
        *args: str, env: Mapping[str, str | None] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return run_python("manage.py", *args, env=env, timeout=timeout)

    return run


def run_python(
    *args: str, env: Mapping[str, str | None] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run this venv's Python in the repository root with an adjusted environment."""
    child_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = value
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def python_subprocess() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``python_subprocess("-c", code, env={...})``: run Python in the repo root."""
    return run_python


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """PBKDF2's deliberate slowness buys nothing in tests."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Settings) -> None:
    """The whole suite calls the API from one address; tests of the limits turn it on."""
    settings.STATS = settings.STATS.model_copy(
        update={"ratelimit": settings.STATS.ratelimit.model_copy(update={"enabled": False})}
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    tmp_path_factory: pytest.TempPathFactory, django_db_modify_db_settings_parallel_suffix: None
) -> None:
    """On SQLite, a test database in a file (WAL, as the platform's embedded default runs)
    rather than Django's shared-cache in-memory one, whose table locks make a reader fail
    at once beside another thread's write: the ingestion flow plans segments while its
    writer thread writes, as it does in production."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
