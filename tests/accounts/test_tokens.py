"""API tokens: random, stored as a hash, expiring, revocable, last use recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from stats.models import ApiToken, Membership, Role
from stats.services.accounts import (
    LAST_USED_RESOLUTION,
    AccountError,
    member_add,
    token_authenticate,
    token_create,
    token_digest,
    token_revoke,
)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    user, _ = member_add(
        email="curator@example.org", organisation=OrganisationFactory(), role=Role.CURATOR
    )
    return user


def test_token_is_random_and_only_its_hash_is_stored(user) -> None:
    first = token_create(user=user, expires_in_days=30)
    second = token_create(user=user, expires_in_days=30)
    assert first.secret != second.secret
    assert first.secret.startswith("sst_") and len(first.secret) >= 40
    stored = ApiToken.objects.get(pk=first.token.pk)
    assert stored.digest == token_digest(first.secret)
    assert first.secret not in {stored.digest, stored.prefix, stored.name}
    assert first.secret.startswith(stored.prefix) and len(stored.prefix) == 10
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((stored.expires_at - expected).total_seconds()) < 5


def test_authenticate_accepts_the_secret_and_records_use(user) -> None:
    issued = token_create(user=user, expires_in_days=1)
    found = token_authenticate(issued.secret)
    assert found is not None and found.user == user
    used = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert used is not None
    # Within the resolution the row is not written again.
    token_authenticate(issued.secret)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == used
    ApiToken.objects.filter(pk=issued.token.pk).update(
        last_used_at=used - LAST_USED_RESOLUTION - dt.timedelta(seconds=1)
    )
    token_authenticate(issued.secret)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > used - dt.timedelta(seconds=1)


@pytest.mark.parametrize("secret", ["", "sst_", "sst_unknown", "not-ours", "sst_" + "x" * 300])
def test_unknown_or_malformed_secrets_are_refused(user, secret: str) -> None:
    token_create(user=user, expires_in_days=1)
    assert token_authenticate(secret) is None


def test_expired_revoked_and_inactive_are_refused(user) -> None:
    expired = token_create(user=user, expires_in_days=1)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now())
    assert token_authenticate(expired.secret) is None

    revoked = token_create(user=user, expires_in_days=1)
    assert token_authenticate(revoked.secret) is not None
    token_revoke(token_id=revoked.token.pk)
    first_revocation = ApiToken.objects.get(pk=revoked.token.pk).revoked_at
    token_revoke(token_id=revoked.token.pk)  # idempotent
    assert ApiToken.objects.get(pk=revoked.token.pk).revoked_at == first_revocation
    assert token_authenticate(revoked.secret) is None

    forever = token_create(user=user, expires_in_days=0)
    assert forever.token.expires_at is None
    assert token_authenticate(forever.secret) is not None
    user.is_active = False
    user.save()
    assert token_authenticate(forever.secret) is None


def test_bad_requests_raise_account_errors(user) -> None:
    with pytest.raises(AccountError):
        token_create(user=user, expires_in_days=-1)
    with pytest.raises(AccountError):
        token_revoke(token_id=999_999)
    with pytest.raises(AccountError):
        member_add(email="not an address", organisation=OrganisationFactory(), role="viewer")


def test_roles_become_groups_and_staff(user) -> None:
    assert user.is_staff
    assert user.has_perm("stats.change_registry") and not user.has_perm("stats.add_registry")
    assert user.groups.filter(name="role:curator").exists()
    viewer, _ = member_add(
        email="viewer@example.org", organisation=OrganisationFactory(), role=Role.VIEWER
    )
    assert not viewer.is_staff
    assert viewer.has_perm("stats.view_package") and not viewer.has_perm("stats.change_package")
    # A changed role replaces the group; one membership per organisation.
    organisation = Membership.objects.get(user=viewer).organisation
    member_add(email="viewer@example.org", organisation=organisation, role=Role.ADMIN)
    viewer.refresh_from_db()
    assert list(viewer.groups.values_list("name", flat=True)) == ["role:admin"]
    assert viewer.is_staff and Membership.objects.filter(user=viewer).count() == 1
