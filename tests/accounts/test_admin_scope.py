"""The admin shows a curator only its organisations' rows, and lets it change only those."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from stats.models import ApiToken, Package, Role
from stats.services.accounts import member_add, token_create
from tests.factories import (
    OrganisationFactory,
    PackageFactory,
    PackageYearFactory,
    RegistryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ours, theirs, watched = (OrganisationFactory(name=n) for n in ("ours", "theirs", "watched"))
    registries = {
        org.name: RegistryFactory(name=f"reg-{org.name}", organisation=org)
        for org in (ours, theirs, watched)
    }
    packages = {name: PackageFactory(registry=r) for name, r in registries.items()}
    for package in packages.values():
        PackageYearFactory(package=package)
    user, _ = member_add(email="cur@example.org", organisation=ours, role=Role.CURATOR)
    member_add(email="cur@example.org", organisation=watched, role=Role.VIEWER)
    return {"user": user, "registries": registries, "packages": packages, "ours": ours}


def _listed(client: Client, model: str) -> set[int]:
    response = client.get(reverse(f"admin:stats_{model}_changelist"))
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_curator_lists_only_its_organisations_rows(client: Client, world) -> None:
    client.force_login(world["user"])
    registries, packages = world["registries"], world["packages"]
    assert _listed(client, "registry") == {registries["ours"].pk, registries["watched"].pk}
    assert _listed(client, "package") == {packages["ours"].pk, packages["watched"].pk}
    years = _listed(client, "packageyear")
    assert len(years) == 2
    theirs = client.get(reverse("admin:stats_package_change", args=[packages["theirs"].pk]))
    assert theirs.status_code == 302  # "does not exist", like any unknown id


def test_curator_changes_only_where_it_curates(client: Client, world) -> None:
    client.force_login(world["user"])
    packages = world["packages"]
    own = reverse("admin:stats_package_change", args=[packages["ours"].pk])
    form = client.get(own)
    assert form.status_code == 200
    registry_choices = {
        c[0].value for c in form.context["adminform"].form.fields["registry"].choices if c[0]
    }
    assert registry_choices == {world["registries"]["ours"].pk}
    watched = reverse("admin:stats_package_change", args=[packages["watched"].pk])
    assert client.get(watched).status_code == 200  # viewable ...
    response = client.post(watched, {"name": "renamed"})
    assert response.status_code == 403  # ... not changeable
    assert Package.objects.get(pk=packages["watched"].pk).name != "renamed"
    registry_form = client.get(
        reverse("admin:stats_registry_change", args=[world["registries"]["ours"].pk])
    )
    assert "organisation" not in registry_form.context["adminform"].form.fields  # read-only


def test_viewers_have_no_admin_and_tokens_are_listed_not_shown(client: Client, world) -> None:
    viewer, _ = member_add(email="v@example.org", organisation=world["ours"], role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("admin:index")).status_code == 302
    issued = token_create(user=world["user"], expires_in_days=1)
    admin, _ = member_add(email="boss@example.org", organisation=world["ours"], role=Role.ADMIN)
    client.force_login(admin)
    response = client.get(reverse("admin:stats_apitoken_changelist"))
    assert response.status_code == 200
    assert issued.secret not in response.content.decode()
    assert issued.token.prefix in response.content.decode()
    client.post(
        reverse("admin:stats_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [issued.token.pk]},
    )
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
