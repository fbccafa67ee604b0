"""Who may see and change what: organisations, their members' roles, API tokens.

Django's users, groups and permissions stay underneath (admin login, model
permissions); a Membership says which organisation's registries a user may read
(any role) or change (curator, admin).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    """A member's role in an organisation, from most to least powerful."""

    ADMIN = "admin", "Admin (everything in the organisation, members and tokens too)"
    CURATOR = "curator", "Curator (edits registries, rules, manifests; triggers flows)"
    VIEWER = "viewer", "Viewer (reads the organisation's private registries)"


#: Roles that may change an organisation's registries.
CURATING_ROLES = (Role.ADMIN, Role.CURATOR)


class Organisation(models.Model):
    """A community's team; it owns registries and has members."""

    name = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One user's role in one organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.organisation})"


class ApiToken(models.Model):
    """A personal token for the write API; only its SHA-256 digest is stored.

    The token itself is shown once, when it is created. ``prefix`` (its first
    characters) lets a user tell their tokens apart without revealing them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.user}"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
