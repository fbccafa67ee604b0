"""/api/v1/health answers with database reachability and each registry's freshness;
every API error is JSON with a message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import RegistryFactory

pytestmark = pytest.mark.django_db


def test_health_reports_registry_freshness(client: Client) -> None:
    today = dt.date.today()
    RegistryFactory(name="bioconductor", valid_through=today - dt.timedelta(days=2))
    RegistryFactory(name="nf-core", valid_through=None)
    RegistryFactory(name="hidden", is_public=False)
    from stats.models import Registry

    Registry.objects.filter(name="bioconductor").update(data_generation=7)

    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] is True
    by_name = {row["registry"]: row for row in body["registries"]}
    assert set(by_name) == {"bioconductor", "nf-core"}
    assert by_name["bioconductor"] == {
        "registry": "bioconductor",
        "valid_through": (today - dt.timedelta(days=2)).isoformat(),
        "days_behind": 2,
        "data_generation": 7,
    }
    assert by_name["nf-core"]["valid_through"] is None
    assert by_name["nf-core"]["days_behind"] is None


def test_health_is_503_when_database_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stats.api.health.database_reachable", lambda: False)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False, "registries": []}


@pytest.mark.parametrize("path", ["/api/v1/no-such-resource", "/api", "/api/", "/api/v2/x"])
def test_unknown_api_path_is_json_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"] == f"No API endpoint at {path}; see /api/v1/docs"


def test_wrong_method_is_json_error(client: Client) -> None:
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]


def test_docs_and_schema_are_served(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/health"]["get"]
    assert operation["operationId"] == "health"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
