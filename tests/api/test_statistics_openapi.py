"""Every statistics operation explains itself in Swagger: summary, description, an example."""

from __future__ import annotations

import json

import pytest
from django.test import Client

OPERATIONS = {
    "downloads_point_registry",
    "downloads_point_packages",
    "downloads_range_registry",
    "downloads_range_packages",
    "registries_list",
    "registry_packages",
    "registry_package",
    "registry_category",
    "top_packages",
    "trending_packages",
}


@pytest.mark.django_db
def test_statistics_operations_are_documented(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    found = {}
    for methods in schema["paths"].values():
        for operation in methods.values():
            if operation.get("operationId") in OPERATIONS:
                found[operation["operationId"]] = operation
    assert set(found) == OPERATIONS
    components = json.dumps(schema["components"])
    for operation_id, operation in found.items():
        assert operation["summary"], operation_id
        assert len(operation["description"]) > 40, operation_id
        response = json.dumps(operation["responses"]["200"])
        refs = [part.split('"')[0] for part in response.split("#/components/schemas/")[1:]]
        examples_in_response = any(
            '"examples"' in json.dumps(schema["components"]["schemas"][ref]) for ref in refs
        )
        examples_in_params = any("examples" in p for p in operation.get("parameters", []))
        assert examples_in_response or examples_in_params, operation_id
    assert '"examples"' in components
