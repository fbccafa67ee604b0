"""A private registry exists only for its organisation's members, in every interface.

To anyone else (anonymous, another organisation's members, by token or session) it
answers exactly as an unknown name does: 404 (badges: the "not found" badge), never
403, and it is missing from lists.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import caches
from django.test import Client

from stats.models import Registry, Role
from stats.services.accounts import member_add
from stats.services.aggregation import refresh_registry_stats
from tests.accounts.helpers import bearer, member_token
from tests.factories import OrganisationFactory, UserFactory
from tests.selectors.scenario import build_scenario

pytestmark = pytest.mark.django_db

NAME = "hidden"

REST = [
    "/api/v1/registries/{r}/packages",
    "/api/v1/registries/{r}/packages/alpha",
    "/api/v1/registries/{r}/categories/software",
    "/api/v1/downloads/point/last-week?registry={r}",
    "/api/v1/downloads/point/last-week/alpha?registry={r}",
    "/api/v1/downloads/range/last-week/alpha,beta?registry={r}",
    "/api/v1/top/{r}/last-month",
]
TAB_FILES = [
    "/r/{r}/packages/stats/software/alpha/alpha_stats.tab",
    "/r/{r}/packages/stats/software/software_pkg_stats.tab",
    "/r/{r}/packages/stats/data-annotation/annotation_stats.tab",
]
PAGES = [
    "/r/{r}/packages/stats/",
    "/r/{r}/packages/stats/software.html",
    "/r/{r}/packages/stats/software/alpha/",
]
ALL = REST + TAB_FILES + PAGES


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches["default"].clear()


@pytest.fixture
def hidden():
    scenario = build_scenario(name=NAME, start=dt.date(2023, 12, 20), end=dt.date(2024, 1, 10))
    refresh_registry_stats(registry=scenario.registry)
    Registry.objects.filter(pk=scenario.registry.pk).update(
        organisation=OrganisationFactory(name="insiders"), is_public=False
    )
    return Registry.objects.get(pk=scenario.registry.pk)


def _get(client: Client, url: str, **headers: str):
    return client.get(url.format(r=NAME), **headers)


def _badge_body(client: Client, registry: str, **headers: str) -> tuple[str, bytes]:
    response = client.get(f"/badge/{registry}/alpha", **headers)
    return response.get("X-Badge-Status", "found"), response.content


@pytest.mark.parametrize("url", ALL)
def test_anonymous_and_outsiders_get_404(client: Client, hidden, url: str) -> None:
    outsider = bearer(member_token(OrganisationFactory(name="outsiders"), Role.ADMIN))
    for headers in ({}, outsider):
        response = _get(client, url, **headers)
        assert response.status_code == 404, (url, headers, response.content[:200])
    unknown = client.get(url.format(r="no-such-registry"))
    assert unknown.status_code == 404
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json")
        # Same message as an unknown name, only the name differs: nothing leaks.
        assert response.json()["message"].replace(NAME, "?") == unknown.json()["message"].replace(
            "no-such-registry", "?"
        )


@pytest.mark.parametrize("url", ALL)
def test_members_see_it_by_token(client: Client, hidden, url: str) -> None:
    viewer = bearer(member_token(hidden.organisation, Role.VIEWER))
    response = _get(client, url, **viewer)
    assert response.status_code == 200, (url, response.content[:300])
    # ... and what a member fetched is never served to the public afterwards.
    assert _get(client, url).status_code == 404


def test_members_and_superusers_see_it_by_session(client: Client, hidden) -> None:
    outsider = UserFactory(username="outsider@example.org")
    client.force_login(outsider)
    assert all(_get(client, url).status_code == 404 for url in PAGES + TAB_FILES)
    member, _ = member_add(
        email="viewer@example.org", organisation=hidden.organisation, role=Role.VIEWER
    )
    client.force_login(member)
    assert [_get(client, url).status_code for url in ALL] == [200] * len(ALL)
    client.force_login(UserFactory(username="root@example.org", is_superuser=True))
    assert [_get(client, url).status_code for url in ALL] == [200] * len(ALL)


def test_lists_leave_it_out_for_outsiders(client: Client, hidden) -> None:
    names = [r["name"] for r in client.get("/api/v1/registries").json()]
    assert NAME not in names
    viewer = bearer(member_token(hidden.organisation, Role.VIEWER))
    names = [r["name"] for r in client.get("/api/v1/registries", **viewer).json()]
    assert NAME in names


def _graphql(client: Client, query: str, **headers: str) -> dict:
    response = client.post(
        "/graphql", json.dumps({"query": query}), content_type="application/json", **headers
    )
    assert response.status_code == 200
    return response.json()


def test_graphql_hides_it_from_outsiders(client: Client, hidden) -> None:
    query = '{ registry(name: "hidden") { name } registries { name } }'
    anonymous = _graphql(client, query)["data"]
    assert anonymous["registry"] is None
    assert NAME not in [r["name"] for r in anonymous["registries"]]
    get = client.get("/graphql", {"query": query}, HTTP_ACCEPT="application/json")
    assert get.json()["data"]["registry"] is None
    viewer = bearer(member_token(hidden.organisation, Role.VIEWER))
    member = _graphql(client, query, **viewer)["data"]
    assert member["registry"] == {"name": NAME}
    assert NAME in [r["name"] for r in member["registries"]]


def test_badges_look_unknown_to_outsiders(client: Client, hidden) -> None:
    assert _badge_body(client, NAME)[0] == "not-found"
    assert _badge_body(client, NAME) == _badge_body(client, "no-such-registry")
    viewer = bearer(member_token(hidden.organisation, Role.VIEWER))
    status, body = _badge_body(client, NAME, **viewer)
    assert status == "found" and b"not found" not in body


def test_making_a_registry_private_hides_cached_responses(client: Client, hidden) -> None:
    Registry.objects.filter(pk=hidden.pk).update(is_public=True)
    for url in ALL:
        assert _get(client, url).status_code == 200, url  # now cached for the public
    Registry.objects.filter(pk=hidden.pk).update(is_public=False)
    assert [_get(client, url).status_code for url in ALL] == [404] * len(ALL)
