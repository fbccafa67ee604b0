"""The one configuration object: bad values stop start-up naming the variable; URLs switch
the database and cache; secrets come from the environment or a file."""

from __future__ import annotations

import json
import stat
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from emgapiv2.config import ConfigError, StatsConfig, TaskRunnerKind, load_config

RunPython = Callable[..., subprocess.CompletedProcess[str]]

# Variables the developer's shell or `task test-postgres` may have set.
_URL_VARS = ("DATABASE_URL", "STATS_DATABASE_URL", "REDIS_URL", "STATS_REDIS_URL")

SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "port": str(db.get("PORT", "")), "user": db.get("USER", ""),
    "cache": settings.CACHES["default"]["BACKEND"],
    "secret_key": settings.SECRET_KEY, "client_hash_key": settings.CLIENT_HASH_KEY,
}))
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in _URL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STATS_DATA_DIR", str(tmp_path))
    return monkeypatch


def _probe(python_subprocess: RunPython, tmp_path: Path, **env: str | None) -> dict[str, str]:
    base: dict[str, str | None] = dict.fromkeys(_URL_VARS)
    base |= {"DJANGO_SETTINGS_MODULE": "emgapiv2.settings", "STATS_DATA_DIR": str(tmp_path)}
    result = python_subprocess("-c", SETTINGS_PROBE, env=base | env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- invalid values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("STATS_INGEST__SEGMENT_BYTES", "abc", "valid integer"),
        ("STATS_INGEST__SEGMENT_BYTES", "100", "greater than or equal to 4096"),
        ("STATS_WORKFLOWS__TASK_RUNNER", "gpu", "threads"),
        ("STATS_WORKFLOWS__SLURM__CORES", "0", "greater than or equal to 1"),
        ("STATS_DEBUG", "perhaps", "valid boolean"),
        ("DATABASE_URL", "mysql://x", "must start with sqlite://"),
        ("REDIS_URL", "memcached://x", "must start with redis://"),
    ],
)
def test_invalid_value_names_the_variable(
    clean_env: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    clean_env.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_config()
    message = str(caught.value)
    assert variable.removeprefix("STATS_") in message
    assert message.count("STATS_") == 1, message
    assert expected in message


def test_valid_values_are_typed(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STATS_INGEST__SEGMENT_BYTES", "1048576")
    clean_env.setenv("STATS_WORKFLOWS__TASK_RUNNER", "dask-slurm")
    clean_env.setenv("STATS_WORKFLOWS__SLURM__QUEUE", "long")
    clean_env.setenv("STATS_API__PAGE_SIZE", "25")
    config = load_config()
    assert config.ingest.segment_bytes == 1_048_576
    assert config.workflows.task_runner is TaskRunnerKind.DASK_SLURM
    assert config.workflows.slurm.queue == "long"
    assert config.api.page_size == 25


@pytest.mark.parametrize(
    ("variable", "value", "variable_in_message"),
    [
        ("STATS_INGEST__SEGMENT_BYTES", "abc", "STATS_INGEST__SEGMENT_BYTES"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
    ],
)
def test_manage_check_refuses_to_start(
    run_manage: RunPython, tmp_path: Path, variable: str, value: str, variable_in_message: str
) -> None:
    env = dict.fromkeys(_URL_VARS) | {variable: value, "STATS_DATA_DIR": str(tmp_path)}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert variable_in_message in result.stderr
    assert "Invalid configuration" in result.stderr


def test_manage_check_passes_with_defaults(run_manage: RunPython, tmp_path: Path) -> None:
    result = run_manage("check", env=dict.fromkeys(_URL_VARS) | {"STATS_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


# --- DATABASE_URL and REDIS_URL ---------------------------------------------------------


def test_default_database_is_sqlite_in_data_dir(
    python_subprocess: RunPython, tmp_path: Path
) -> None:
    probe = _probe(python_subprocess, tmp_path)
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["name"] == str(tmp_path / "stats.sqlite3")
    assert probe["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_database_url_switches_to_postgresql(python_subprocess: RunPython, tmp_path: Path) -> None:
    probe = _probe(
        python_subprocess, tmp_path, DATABASE_URL="postgresql://stats@db.example:6543/downloads"
    )
    assert probe["engine"] == "django.db.backends.postgresql"
    assert (probe["name"], probe["host"], probe["port"], probe["user"]) == (
        "downloads",
        "db.example",
        "6543",
        "stats",
    )


def test_stats_database_url_wins_over_database_url(
    python_subprocess: RunPython, tmp_path: Path
) -> None:
    sqlite_file = tmp_path / "other.sqlite3"
    probe = _probe(
        python_subprocess,
        tmp_path,
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/x",
        STATS_DATABASE_URL=f"sqlite:///{sqlite_file}",
    )
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["name"] == str(sqlite_file)


def test_empty_variable_counts_as_unset(python_subprocess: RunPython, tmp_path: Path) -> None:
    probe = _probe(
        python_subprocess,
        tmp_path,
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/x",
        STATS_DATABASE_URL="",
        STATS_DEBUG="",
    )
    assert probe["engine"] == "django.db.backends.postgresql"


def test_postgresql_driver_is_psycopg3() -> None:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    assert is_psycopg3


def _redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        from tests.conftest import running_in_ci

        if running_in_ci():
            pytest.fail(f"Redis at {url} unreachable in CI: {exc}")
        pytest.skip(f"Redis at {url} unreachable: {exc}")


def test_redis_url_turns_on_redis_cache(python_subprocess: RunPython, tmp_path: Path) -> None:
    import redis

    url = "redis://127.0.0.1:6379/15"
    _redis_or_skip(url)
    key = f"probe-{uuid.uuid4().hex}"
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.core.cache import cache\n"
        f"cache.set({key!r}, {{'downloads': 42}}, 60)\n"
        f"print(settings.CACHES['default']['BACKEND'], cache.get({key!r})['downloads'])\n"
    )
    env = dict.fromkeys(_URL_VARS) | {
        "REDIS_URL": url,
        "DJANGO_SETTINGS_MODULE": "emgapiv2.settings",
        "STATS_DATA_DIR": str(tmp_path),
    }
    result = python_subprocess("-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "42"]
    # The value really lives in Redis database 15, under Django's versioned, prefixed key.
    server = redis.Redis.from_url(url)
    stored = [k for k in server.scan_iter(match=f"*{key}")]
    assert stored == [f"stats:1:{key}".encode()]
    server.delete(*stored)


# --- secrets ----------------------------------------------------------------------------


def test_secret_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("STATS_SECRET_KEY", "from-env")
    assert StatsConfig().resolved_secret("secret_key") == "from-env"


def test_secret_from_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "hash_key"
    secret_file.write_text("from-file\n")
    clean_env.setenv("STATS_CLIENT_HASH_KEY_FILE", str(secret_file))
    assert StatsConfig().resolved_secret("client_hash_key") == "from-file"


def test_unreadable_secret_file_names_the_variable(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("STATS_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="STATS_SECRET_KEY_FILE"):
        StatsConfig().resolved_secret("secret_key")


def test_missing_secret_is_generated_once_and_private(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = StatsConfig().resolved_secret("client_hash_key")
    second = StatsConfig().resolved_secret("client_hash_key")
    kept = tmp_path / "secrets" / "client_hash_key"
    assert first == second == kept.read_text()
    assert len(first) >= 48
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_django_reads_secrets_from_files(python_subprocess: RunPython, tmp_path: Path) -> None:
    (tmp_path / "sk").write_text("django-secret-from-file")
    probe = _probe(
        python_subprocess,
        tmp_path,
        STATS_SECRET_KEY_FILE=str(tmp_path / "sk"),
        STATS_CLIENT_HASH_KEY="hash-from-env",
    )
    assert probe["secret_key"] == "django-secret-from-file"
    assert probe["client_hash_key"] == "hash-from-env"


def test_settings_expose_the_config_object() -> None:
    assert isinstance(settings.STATS, StatsConfig)
    assert settings.STATS.api.page_size == settings.NINJA_PAGINATION_PER_PAGE
