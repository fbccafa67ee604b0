"""The accounts CLI: create_organisation, create_user, create_token, revoke_token."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from stats.models import ApiToken, Membership, Organisation, Registry
from stats.services.accounts import token_digest
from tests.factories import RegistryFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_whole_flow_from_organisation_to_revoked_token(client: Client, tmp_path) -> None:
    RegistryFactory(name="nf-core", is_public=False)
    out, _ = run("create_organisation", "nf-core-team", "--registry", "nf-core")
    assert "created" in out and "owns nf-core" in out
    assert Registry.objects.get(name="nf-core").organisation.name == "nf-core-team"
    assert "exists" in run("create_organisation", "nf-core-team")[0]  # idempotent

    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    out, _ = run(
        "create_user",
        "ada@example.org",
        "--organisation",
        "nf-core-team",
        "--role",
        "curator",
        "--password-file",
        str(password),
    )
    assert "is curator of nf-core-team" in out
    user = get_user_model().objects.get(username="ada@example.org")
    assert user.check_password("a long enough password") and user.is_staff
    assert Membership.objects.get(user=user).role == "curator"

    secret, err = run("create_token", "ada@example.org", "--expires", "7")
    secret = secret.strip()
    token = ApiToken.objects.get(user=user)
    assert token.digest == token_digest(secret) and f"token id {token.pk}" in err
    assert "cannot be shown again" in err
    assert (token.expires_at - token.created_at).days in {6, 7}

    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.post("/api/v1/registries/nf-core/refresh", **auth).status_code == 200
    assert client.get("/api/v1/registries/nf-core/packages", **auth).status_code == 200

    out, _ = run("revoke_token", str(token.pk))
    assert "revoked" in out
    assert client.post("/api/v1/registries/nf-core/refresh", **auth).status_code == 401
    assert client.get("/api/v1/registries/nf-core/packages", **auth).status_code == 404


def test_no_expiry_and_bad_arguments() -> None:
    Organisation.objects.create(name="org")
    run("create_user", "bob@example.org", "--organisation", "org", "--role", "viewer")
    user = get_user_model().objects.get(username="bob@example.org")
    assert not user.has_usable_password() and not user.is_staff
    run("create_token", "bob@example.org", "--expires", "0")
    assert ApiToken.objects.get(user=user).expires_at is None
    for args in (
        ("create_user", "x@example.org", "--organisation", "nope", "--role", "viewer"),
        ("create_user", "not-an-email", "--organisation", "org", "--role", "viewer"),
        ("create_token", "nobody@example.org"),
        ("create_token", "bob@example.org", "--expires", "-3"),
        ("revoke_token", "123456"),
        ("create_organisation", "org2", "--registry", "no-such-registry"),
    ):
        with pytest.raises(CommandError):
            run(*args)
    with pytest.raises(CommandError):  # argparse: unknown role
        run("create_user", "x@example.org", "--organisation", "org", "--role", "owner")
    assert not Organisation.objects.filter(name="org2").exists()  # one transaction each
