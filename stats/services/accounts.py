"""Organisations, members and API tokens: every write to accounts goes through here.

Roles map onto Django groups (``role:admin``, ``role:curator``, ``role:viewer``) holding
model permissions, so the admin's own permission checks apply; which rows a member
sees is narrowed to its organisations by the admin and by
:mod:`stats.selectors.access`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from stats.models import ApiToken, Membership, Organisation, Registry, Role

TOKEN_PREFIX = "sst_"
"""Marks our tokens (secret scanners and humans recognise them)."""
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token: one UPDATE, not one per call."""

_VIEW = ("view",)
_EDIT = ("view", "add", "change")
#: Model permissions of each role's group (app ``stats``); scoped to the organisation
#: by the admin's querysets.
ROLE_PERMISSIONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.VIEWER: {
        model: _VIEW
        for model in (
            "registry",
            "category",
            "package",
            "packageversion",
            "unknownpackage",
            "logsegment",
            "packageday",
            "packagemonth",
            "packageyear",
            "categoryday",
            "categorymonth",
            "categoryyear",
        )
    },
}
ROLE_PERMISSIONS[Role.CURATOR] = {
    **ROLE_PERMISSIONS[Role.VIEWER],
    "registry": ("view", "change"),
    "category": _EDIT,
    "package": (*_EDIT, "delete"),
}
ROLE_PERMISSIONS[Role.ADMIN] = {
    **ROLE_PERMISSIONS[Role.CURATOR],
    "registry": ("view", "change"),
    "organisation": ("view",),
    "membership": (*_EDIT, "delete"),
    "apitoken": ("view", "change"),
}


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    token: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    """The stored form of a token: its SHA-256, hex (tokens are random, so no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def role_group(role: Role) -> Group:
    """The Django group of a role, with exactly the role's permissions."""
    group, _ = Group.objects.get_or_create(name=f"role:{role.value}")
    wanted = ROLE_PERMISSIONS[role]
    codenames = [f"{action}_{model}" for model, actions in wanted.items() for action in actions]
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="stats", codename__in=codenames)
    )
    return group


@transaction.atomic
def organisation_create(
    *, name: str, title: str = "", registries: tuple[str, ...] | list[str] = ()
) -> tuple[Organisation, bool]:
    """Create the organisation ``name`` (idempotent) owning ``registries``; returns
    (organisation, created). Nothing is saved if a registry is unknown."""
    organisation, created = Organisation.objects.get_or_create(
        name=name, defaults={"title": title or name.replace("-", " ").title()}
    )
    if created:
        organisation.full_clean()
    for registry_name in registries:
        registry_assign(registry_name=registry_name, organisation=organisation)
    return organisation, created


@transaction.atomic
def member_add(
    *, email: str, organisation: Organisation, role: Role | str, password: str | None = None
) -> tuple[User, Membership]:
    """Create the user ``email`` if needed and give it ``role`` in ``organisation``.

    Admins and curators become staff (they log into the admin); the user's groups are
    recomputed from all its memberships. Without a password the account cannot log in
    until one is set (``manage.py changepassword EMAIL``); tokens work regardless.
    """
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(f"not an e-mail address: {email!r}") from None
    role = Role(role)
    user, created = User.objects.get_or_create(
        username=email, defaults={"email": email, "is_active": True}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    _sync_user_groups(user)
    return user, membership


def _sync_user_groups(user: User) -> None:
    roles = {Role(r) for r in Membership.objects.filter(user=user).values_list("role", flat=True)}
    groups = [role_group(r) for r in roles]
    stale = user.groups.filter(name__startswith="role:").exclude(pk__in=[g.pk for g in groups])
    user.groups.remove(*stale)
    user.groups.add(*groups)
    staff = bool(roles & {Role.ADMIN, Role.CURATOR}) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def token_create(*, user: User, expires_in_days: int | None, name: str = "") -> IssuedToken:
    """A new random token for ``user``; only its digest is stored. None/0 days: no expiry."""
    if expires_in_days is not None and expires_in_days < 0:
        raise AccountError("the expiry must be a positive number of days (0: never)")
    if not user.is_active:
        raise AccountError(f"user {user} is inactive")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(secret),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token_id: int) -> ApiToken:
    """Revoke the token (idempotent: a revoked token keeps its first revocation time)."""
    try:
        token = ApiToken.objects.select_for_update().get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise AccountError(f"no token with id {token_id}") from None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token ``secret`` names (with its user), recording its use; else None.

    Lookup is by digest, so the secret is never compared as text. ``last_used_at`` is
    updated by one conditional UPDATE at most once per LAST_USED_RESOLUTION.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    now = timezone.now()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def registry_assign(*, registry_name: str, organisation: Organisation) -> None:
    """Make ``organisation`` the owner of the registry ``registry_name``."""
    updated = (
        Registry.objects.filter(name=registry_name)
        .select_for_update()
        .update(organisation=organisation)
    )
    if not updated:
        raise AccountError(f"no registry named {registry_name!r}")
