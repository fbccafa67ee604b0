"""Every write operation of /api/v1/openapi.json refuses requests without the right token.

Walks the published schema, so a write endpoint added later without protection fails
here. Each one must refuse: no token, a malformed one, an expired one, a revoked one
(401), and a valid token of another organisation (403 for a registry it may see, 404
for a private one it may not); every refusal is JSON, never 2xx nor 5xx. The right
organisation's curator gets past the check (positive control).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from stats.models import Registry, Role
from tests.accounts.helpers import bearer, expired_token, member_token, revoked_token
from tests.factories import (
    CategoryFactory,
    LogSegmentFactory,
    OrganisationFactory,
    PackageFactory,
    RegistryFactory,
    add_fact,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
REGISTRY = "bioconductor"
"""Most schema examples name this registry, so built bodies point at the owned one."""


def _schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def write_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in WRITE_METHODS
    ]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def example_value(schema: dict[str, Any], node: dict[str, Any], depth: int = 0) -> Any:
    """A value for a JSON schema: its example, default, or the simplest of its type."""
    node = _resolve(schema, node)
    if node.get("examples"):
        return node["examples"][0]
    if "default" in node:
        return node["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if node.get(key):
            return example_value(schema, node[key][0], depth + 1)
    kind = node.get("type", "object")
    if node.get("enum"):
        return node["enum"][0]
    if kind == "object" and depth < 5:
        return {
            name: example_value(schema, prop, depth + 1)
            for name, prop in node.get("properties", {}).items()
            if name in node.get("required", [])
        }
    return {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": []}.get(kind, {})


def _request(
    client: Client,
    schema: dict[str, Any],
    path: str,
    method: str,
    operation: dict[str, Any],
    registry: str,
    headers: dict[str, str],
):
    url = re.sub(r"\{registry\}", registry, path)
    url = re.sub(r"\{[^}]+\}", "x", url)
    body: Any = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example_value(schema, content["application/json"]["schema"])
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", **headers
    )


@pytest.fixture
def world() -> dict[str, Any]:
    owner = OrganisationFactory(name="owners")
    other = OrganisationFactory(name="others")
    public = RegistryFactory(name=REGISTRY, organisation=owner, is_public=True)
    private = RegistryFactory(name="secret-registry", organisation=owner, is_public=False)
    for registry in (public, private):
        PackageFactory(registry=registry, category=CategoryFactory(registry=registry, name="bioc"))
    return {
        "owner_token": member_token(owner, Role.CURATOR),
        "other_token": member_token(other, Role.ADMIN),
        "owner_viewer_token": member_token(owner, Role.VIEWER),
        "expired": expired_token(owner),
        "revoked": revoked_token(owner),
        "public": public,
        "private": private,
    }


def test_the_schema_has_write_operations_and_each_declares_security(client: Client) -> None:
    schema = _schema(client)
    operations = write_operations(schema)
    assert {(p.split("/")[-1], m) for p, m, _ in operations} >= {
        ("refresh", "post"),
        ("rules", "put"),
    }
    for path, method, operation in operations:
        assert operation.get("security"), f"{method.upper()} {path} declares no security"


def _assert_refused(response, allowed: set[int], what: str) -> None:
    assert response.status_code in allowed, f"{what}: {response.status_code} {response.content!r}"
    assert response["Content-Type"].startswith("application/json"), what
    assert "message" in response.json(), what


def test_every_write_operation_refuses_bad_credentials(client: Client, world) -> None:
    schema = _schema(client)
    credentials = {
        "no token": {},
        "malformed token": {"HTTP_AUTHORIZATION": "Bearer not a token"},
        "other scheme": {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        "unknown token": bearer("sst_" + "A" * 43),
        "expired token": bearer(world["expired"]),
        "revoked token": bearer(world["revoked"]),
    }
    checked = 0
    for path, method, operation in write_operations(schema):
        for registry in (world["public"].name, world["private"].name):
            for what, headers in credentials.items():
                response = _request(client, schema, path, method, operation, registry, headers)
                _assert_refused(response, {401}, f"{method.upper()} {path} {registry}, {what}")
                assert response["WWW-Authenticate"].startswith("Bearer")
                checked += 1
            other = bearer(world["other_token"])
            response = _request(client, schema, path, method, operation, registry, other)
            expected = {403} if registry == world["public"].name else {404}
            _assert_refused(response, expected, f"{method.upper()} {path} {registry}, other org")
            viewer = bearer(world["owner_viewer_token"])
            response = _request(client, schema, path, method, operation, registry, viewer)
            _assert_refused(response, {403}, f"{method.upper()} {path} {registry}, viewer")
            # Positive control: the registry's own curator gets past the check.
            own = bearer(world["owner_token"])
            response = _request(client, schema, path, method, operation, registry, own)
            assert response.status_code not in {401, 403, 404}, (path, response.content)
            assert response.status_code < 500, (path, response.content)
    assert checked >= 2 * 2 * len(credentials)


def test_a_private_registry_answers_404_not_403_to_outsiders(client: Client, world) -> None:
    response = client.post(
        "/api/v1/registries/secret-registry/refresh", **bearer(world["other_token"])
    )
    assert response.status_code == 404
    assert "secret-registry" in response.json()["message"]  # same text as any unknown name
    unknown = client.post("/api/v1/registries/no-such/refresh", **bearer(world["other_token"]))
    assert unknown.status_code == 404


def test_curator_refreshes_and_replaces_rules(client: Client, world) -> None:
    registry: Registry = world["public"]
    package = registry.packages.get()
    add_fact(segment=LogSegmentFactory(registry=registry), package=package)
    own = bearer(world["owner_token"])
    response = client.post(f"/api/v1/registries/{registry.name}/refresh", **own)
    assert response.status_code == 200, response.content
    assert response.json()["registry"] == registry.name
    assert response.json()["segments"] == 1
    assert response.json()["data_generation"] == registry.data_generation + 1
    package.refresh_from_db()
    assert package.downloads_total == 6  # the fact's 2 x 3 clients

    rules = {
        "rule_set": "generic",
        "download_regex": r"^/dl/(?P<package>[a-z]+)_(?P<version>[0-9.]+)\.zip$",
        "counted_statuses": [200],
        "counted_methods": ["get"],
        "bot_patterns": ["crawler"],
        "mirror_patterns": [],
    }
    url = f"/api/v1/registries/{registry.name}/rules"
    response = client.put(url, data=rules, content_type="application/json", **own)
    assert response.status_code == 200, response.content
    registry.refresh_from_db()
    assert registry.download_regex == rules["download_regex"]
    assert registry.counted_methods == ["GET"] and registry.counted_statuses == [200]
    assert registry.bot_patterns == ["crawler"]

    for bad in (
        {**rules, "download_regex": "(?P<package>a)(?=b)"},  # look-ahead: not in the parser
        {**rules, "download_regex": "^/no-package-group$"},
        {**rules, "counted_statuses": [999]},
        {**rules, "bot_patterns": ["(unclosed"]},
        {**rules, "counted_methods": ["G E T"]},
    ):
        response = client.put(url, data=bad, content_type="application/json", **own)
        assert response.status_code == 400, (bad, response.content)
        assert response.json()["message"].startswith("Invalid rules")
    registry.refresh_from_db()
    assert registry.download_regex == rules["download_regex"]  # nothing half-saved


def test_rules_body_over_its_limit_is_413(client: Client, world) -> None:
    response = client.put(
        f"/api/v1/registries/{REGISTRY}/rules",
        data=json.dumps({"bot_patterns": ["x" * 100] * 1000}),
        content_type="application/json",
        **bearer(world["owner_token"]),
    )
    assert response.status_code == 413
    assert response.json()["limit"] == 64 * 1024


@pytest.mark.parametrize(
    "change",
    [
        {"download_regex": "^/dl/(?P<package>[a-z]+)\x00$"},
        {"bot_patterns": ["crawler", "a\x00b"]},
        {"mirror_patterns": ["\x00"]},
        {"counted_methods": ["GET\x00"]},
    ],
)
def test_rules_with_a_nul_character_are_refused(client: Client, world, change) -> None:
    """PostgreSQL refuses NUL in text and in jsonb: saving such rules was a 500 there."""
    rules = {
        "rule_set": "generic",
        "download_regex": r"^/dl/(?P<package>[a-z]+)_(?P<version>[0-9.]+)\.zip$",
        "counted_statuses": [200],
        "counted_methods": ["GET"],
        **change,
    }
    response = client.put(
        f"/api/v1/registries/{REGISTRY}/rules",
        data=rules,
        content_type="application/json",
        **bearer(world["owner_token"]),
    )
    assert response.status_code == 422, response.content
    assert "NUL" in response.json()["message"]
    before = world["public"].download_regex
    world["public"].refresh_from_db()
    assert world["public"].download_regex == before
