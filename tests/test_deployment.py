"""docker-compose.yaml cannot run here (no Docker engine), so check what can be checked:
its services, the files it mounts and builds from, and that its settings are valid."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
import yaml
from pydantic import BaseModel

from emgapiv2.config import StatsConfig, load_config

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE = REPO_ROOT / "docker-compose.yaml"
DOCKER = REPO_ROOT / "deployment" / "docker"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _interpolate(value: str) -> str:
    """Compose's ${NAME:-default} with the defaults, as on a machine that sets nothing."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _env_names(model: type[BaseModel], prefix: str = "STATS_") -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


def test_services() -> None:
    services = _compose()["services"]
    assert set(services) == {"app", "postgres", "redis", "prefect-server", "prefect-worker"}
    assert services["app"]["command"] == ["app"]
    assert services["prefect-worker"]["command"][:3] == ["prefect", "worker", "start"]


def test_build_and_mounted_files_exist() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        if "build" in service:
            assert (REPO_ROOT / service["build"]["dockerfile"]).is_file(), name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./deployment"):
                assert (REPO_ROOT / source).is_file(), f"{name} mounts missing {source}"
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "deployment/docker/entrypoint.sh" in dockerfile
    assert (DOCKER / "entrypoint.sh").is_file()
    entrypoint = (DOCKER / "entrypoint.sh").read_text()
    assert "granian --interface wsgi emgapiv2.wsgi:application" in entrypoint
    assert "granian" in (REPO_ROOT / "requirements.txt").read_text()


@pytest.mark.parametrize("service", ["app", "prefect-worker"])
def test_app_environment_is_a_valid_configuration(
    service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment = {
        k: _interpolate(str(v)) for k, v in _compose()["services"][service]["environment"].items()
    }
    unknown = {
        k for k in environment if k.startswith("STATS_") and k not in _env_names(StatsConfig)
    }
    assert not unknown, f"compose sets variables StatsConfig does not know: {unknown}"
    for key in ("STATS_DATABASE_URL", "STATS_REDIS_URL"):  # they would win over compose's
        monkeypatch.delenv(key, raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("STATS_DATA_DIR", str(tmp_path))
    config = load_config()
    assert "app" in config.allowed_hosts
    assert config.redis_url == "redis://redis:6379/0"
    database = dj_database_url.parse(config.database_url)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("postgres", "stats")


def test_prefect_server_uses_its_own_postgres_database() -> None:
    services = _compose()["services"]
    url = _interpolate(
        services["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    )
    assert url.startswith("postgresql+asyncpg://") and url.endswith("@postgres:5432/prefect")
    assert "CREATE DATABASE prefect" in (DOCKER / "postgres-init.sql").read_text()
    assert services["app"]["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
