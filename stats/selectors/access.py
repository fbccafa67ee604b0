"""Who may see and who may change which registry: the one access check.

Every interface (REST, GraphQL, pages, .tab files, badges, the admin) asks here. A
private registry is visible to superusers and to members of its organisation (any
role); to everyone else it does not exist, so callers answer 404, never 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from stats.models import CURATING_ROLES, Membership, Organisation, Registry, Role


def _is_member_capable(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated) and bool(user.is_active)


def _organisations(user: Any, roles: tuple[str, ...] | None = None) -> QuerySet[Membership, Any]:
    memberships = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("organisation_id")


def visible_registries(user: Any = None) -> QuerySet[Registry]:
    """Registries ``user`` may read: public ones, plus its organisations' private ones."""
    registries = Registry.objects.all()
    if not _is_member_capable(user):
        return registries.filter(is_public=True)
    if user.is_superuser:
        return registries
    return registries.filter(Q(is_public=True) | Q(organisation_id__in=_organisations(user)))


def member_registries(user: Any) -> QuerySet[Registry]:
    """Registries of the user's organisations, public or not (what the admin lists)."""
    if not _is_member_capable(user):
        return Registry.objects.none()
    if user.is_superuser:
        return Registry.objects.all()
    return Registry.objects.filter(organisation_id__in=_organisations(user))


def curated_registries(user: Any) -> QuerySet[Registry]:
    """Registries the user may change: those of organisations where it is admin or curator."""
    if not _is_member_capable(user):
        return Registry.objects.none()
    if user.is_superuser:
        return Registry.objects.all()
    return Registry.objects.filter(organisation_id__in=_organisations(user, CURATING_ROLES))


def can_curate(user: Any, registry: Registry) -> bool:
    """May ``user`` change ``registry`` (rules, manifests, refreshes, imports)?"""
    return curated_registries(user).filter(pk=registry.pk).exists()


def user_organisations(user: Any, roles: tuple[str, ...] | None = None) -> QuerySet[Organisation]:
    """Organisations the user belongs to (with one of ``roles``); all for superusers."""
    if not _is_member_capable(user):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=_organisations(user, roles))


def organisation_role(user: Any, organisation: Organisation) -> Role | None:
    """The user's role in the organisation, or None."""
    if not _is_member_capable(user):
        return None
    role = (
        Membership.objects.filter(user_id=user.pk, organisation=organisation)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def request_user(request: Any) -> Any:
    """Whom a request reads as: its session user, or its API token's (see the token middleware)."""
    return getattr(request, "user", None)
