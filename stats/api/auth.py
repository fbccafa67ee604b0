"""API tokens on requests: ``Authorization: Bearer <token>``.

- :class:`TokenAuthenticationMiddleware` makes a valid token's user the request's user
  everywhere (REST, GraphQL, pages, .tab files), so members read their private
  registries from scripts; an invalid token on a read is simply anonymous.
- :class:`BearerAuth` is the Ninja auth of every write operation: without a valid token
  the answer is 401. :func:`registry_for_curation` then answers 404 for a registry the
  token's user may not see and 403 for one it may see but not change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.security import HttpBearer

from stats.api.errors import ApiError
from stats.models import ApiToken, Registry
from stats.selectors.access import can_curate
from stats.selectors.registries import resolve_registry
from stats.services.accounts import token_authenticate

_CHECKED = "_api_token_checked"


class Forbidden(ApiError):
    status = 403


def bearer_secret(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def request_token(request: HttpRequest) -> ApiToken | None:
    """The request's valid token (looked up once per request), or None."""
    if not getattr(request, _CHECKED, False):
        secret = bearer_secret(request)
        request.api_token = token_authenticate(secret) if secret else None  # type: ignore[attr-defined]
        setattr(request, _CHECKED, True)
    return getattr(request, "api_token", None)


class TokenAuthenticationMiddleware:
    """After Django's AuthenticationMiddleware: a valid bearer token sets ``request.user``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_AUTHORIZATION" in request.META:
            token = request_token(request)
            if token is not None:
                request.user = token.user
        return self.get_response(request)


class BearerAuth(HttpBearer):
    """Ninja auth for write operations: the user of a valid, unexpired, unrevoked token."""

    openapi_description = (
        "A personal API token (`manage.py create_token EMAIL`), sent as "
        "`Authorization: Bearer <token>`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = request_token(request)
        if found is None:
            return None
        request.user = found.user
        return found.user


def registry_for_curation(request: HttpRequest, name: str) -> Registry:
    """The registry a write operation changes: 404 if its user may not see it, 403 if it
    may see but not change it."""
    user = request.auth  # type: ignore[attr-defined]
    registry = resolve_registry(name, user=user)
    if not can_curate(user, registry):
        raise Forbidden(f"Only curators of registry {registry.name!r}'s organisation may change it")
    return registry
