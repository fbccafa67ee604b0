"""Organisations, members and API tokens; and what scopes every admin to the organisation.

Superusers see everything. Any other staff member sees only rows of its organisations'
registries (:class:`OrganisationScopedAdmin`, mixed into every stats admin) and may
change only those of organisations where it is admin or curator; Django's model
permissions (from the role groups) still decide which kinds of rows at all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import ForeignKey, Model, QuerySet
from django.http import HttpRequest

from stats.models import ApiToken, Category, Membership, Organisation, Registry, Role
from stats.selectors.access import curated_registries, member_registries, user_organisations
from stats.services.accounts import token_revoke


class OrganisationScopedAdmin(admin.ModelAdmin):
    """Mixin: rows are narrowed to the user's organisations' registries.

    ``registry_lookup`` is the path from the model to its Registry (``"pk"`` for
    Registry itself).
    """

    registry_lookup = "registry"

    def _scope(self, request: HttpRequest, registries: QuerySet[Registry]) -> dict[str, Any]:
        return {f"{self.registry_lookup}__in": registries.values("pk")}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**self._scope(request, member_registries(request.user)))

    def _curates(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        scope = self._scope(request, curated_registries(request.user))
        return type(obj)._default_manager.filter(pk=obj.pk, **scope).exists()

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._curates(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._curates(request, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or request.user.is_superuser:
            return field
        curated = curated_registries(request.user)
        if db_field.related_model is Registry:
            field.queryset = field.queryset.filter(pk__in=curated.values("pk"))
        elif db_field.related_model is Category:
            field.queryset = field.queryset.filter(registry__in=curated.values("pk"))
        elif db_field.related_model is Organisation:
            admin_of = user_organisations(request.user, (Role.ADMIN,))
            field.queryset = field.queryset.filter(pk__in=admin_of.values("pk"))
        return field

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if self.model is Registry and not request.user.is_superuser:
            return (*fields, "organisation")
        return fields


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "created_at")
    search_fields = ("name", "title")
    inlines = (MembershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=user_organisations(request.user).values("pk"))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Members and roles; an organisation's admins manage its own members."""

    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user", "organisation")
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        admin_of = user_organisations(request.user, (Role.ADMIN,))
        return queryset.filter(organisation__in=admin_of.values("pk"))

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name == "organisation" and not request.user.is_superuser:
            admin_of = user_organisations(request.user, (Role.ADMIN,))
            field.queryset = field.queryset.filter(pk__in=admin_of.values("pk"))
        return field


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``manage.py create_token`` (shown once); here: see, revoke."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at", "state")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("user__username", "prefix", "name")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        admin_of = user_organisations(request.user, (Role.ADMIN,))
        members = Membership.objects.filter(organisation__in=admin_of.values("pk"))
        return queryset.filter(user_id__in=members.values("user_id")) | queryset.filter(
            user_id=request.user.pk
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="state")
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at is not None:
            return "revoked"
        return "active" if obj.is_active() else "expired"

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token_id in queryset.values_list("pk", flat=True):
            token_revoke(token_id=token_id)
        self.message_user(request, f"{queryset.count()} token(s) revoked.", messages.SUCCESS)
