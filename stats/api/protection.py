"""CORS for the public read API, and request size limits.

- CORS: any origin may GET/HEAD under ``STATS.security.cors_path_prefix`` (/api/v1/).
  Preflights are answered here; they never allow another method nor the Authorization
  header, so a web page elsewhere can read the public numbers but cannot use a
  visitor's token or session to write.
- Size: a body whose Content-Length exceeds the limit is refused with 413 JSON before
  anything reads it (imports under ``import_path_prefix`` have a larger limit).
  Bodies without a Content-Length are bounded by DATA_UPLOAD_MAX_MEMORY_SIZE; the
  API's handler turns Django's RequestDataTooBig into the same 413.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers

from stats.api.errors import ApiError

CORS_METHODS = "GET, HEAD, OPTIONS"
CORS_REQUEST_HEADERS = "Accept, Accept-Language, Content-Language, If-None-Match, If-Modified-Since"
CORS_EXPOSED_HEADERS = (
    "ETag, Last-Modified, Content-Disposition, Retry-After, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
CORS_MAX_AGE = "86400"
SAFE_METHODS = {"GET", "HEAD"}


class PayloadTooLarge(ApiError):
    status = 413


def body_limit(path: str) -> int:
    """The largest request body accepted on ``path``, in bytes."""
    security = settings.STATS.security
    if path.startswith(security.import_path_prefix):
        return security.max_import_bytes
    return security.max_request_bytes


def ensure_body_size(request: HttpRequest, max_bytes: int | None = None) -> None:
    """Raise PayloadTooLarge (413) when the declared body exceeds the limit.

    For operations with a limit of their own; the middleware already applies the
    path's default limit to every API request.
    """
    limit = body_limit(request.path) if max_bytes is None else max_bytes
    length = _content_length(request)
    if length is not None and length > limit:
        raise PayloadTooLarge(
            f"Request body of {length} bytes exceeds the limit of {limit} bytes",
            limit=limit,
        )


def limit_body(max_bytes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator (Ninja: ``@decorate_view(limit_body(N))``): 413 JSON before the body
    is read or parsed when its declared size exceeds ``max_bytes``."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            length = _content_length(request)
            if length is not None and length > max_bytes:
                return _too_large(length, max_bytes)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _too_large(length: int, limit: int) -> JsonResponse:
    return JsonResponse(
        {
            "message": f"Request body of {length} bytes exceeds the limit of {limit} bytes",
            "limit": limit,
        },
        status=413,
    )


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class BodySizeLimitMiddleware:
    """413 JSON for an API request declaring a body larger than its path allows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            limit = body_limit(request.path)
            length = _content_length(request)
            if length is None:
                return JsonResponse({"message": "Invalid Content-Length header"}, status=400)
            if length > limit:
                return _too_large(length, limit)
        return self.get_response(request)


class CorsMiddleware:
    """``Access-Control-Allow-Origin: *`` on public GETs; preflights allow reads only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        in_scope = request.path.startswith(settings.STATS.security.cors_path_prefix)
        if (
            in_scope
            and request.method == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
        ):
            return _preflight(request)
        response = self.get_response(request)
        if in_scope and request.method in SAFE_METHODS and "HTTP_ORIGIN" in request.META:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    wanted = request.META["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].upper()
    if wanted in SAFE_METHODS:
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = CORS_METHODS
        response["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        response["Access-Control-Max-Age"] = CORS_MAX_AGE
    # Without the allow headers the browser refuses the cross-origin write.
    patch_vary_headers(response, ["Origin", "Access-Control-Request-Method"])
    return response


class NulCharacterMiddleware:
    """400 for a NUL character in the path or query string, on every page; a session
    cookie holding one is no session.

    PostgreSQL refuses NUL in text, so a lookup by such a name (a registry, package,
    badge or .tab file) would fail in the database, and inside a transaction take the
    following queries down with it. No valid name contains one. The session key is looked
    up the same way (by SessionMiddleware, on every page that asks who the user is), so
    such a key is dropped before it is read, as Django ignores any other malformed key.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            message = "The request contains a NUL character"
            if request.path.startswith("/api/"):
                return JsonResponse({"message": message}, status=400)
            return HttpResponse(message + "\n", status=400, content_type="text/plain")
        if "\x00" in request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""):
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        return self.get_response(request)
