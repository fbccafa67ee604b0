"""Members and tokens for tests: real services, so hashing and expiry are exercised."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from stats.models import ApiToken, Organisation, Role
from stats.services.accounts import member_add, token_create, token_digest, token_revoke

_emails = itertools.count()


def member_token(
    organisation: Organisation, role: Role | str = Role.CURATOR, *, expires_in_days: int = 30
) -> str:
    """The secret of a fresh token of a new member with ``role`` in ``organisation``."""
    user, _ = member_add(
        email=f"{role}{next(_emails)}@{organisation.name}.example.org",
        organisation=organisation,
        role=role,
    )
    return token_create(user=user, expires_in_days=expires_in_days).secret


def expired_token(organisation: Organisation) -> str:
    secret = member_token(organisation)
    ApiToken.objects.filter(digest=token_digest(secret)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    return secret


def revoked_token(organisation: Organisation) -> str:
    secret = member_token(organisation)
    token_revoke(token_id=ApiToken.objects.get(digest=token_digest(secret)).pk)
    return secret


def bearer(secret: str) -> dict[str, str]:
    """Client kwargs sending the token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
