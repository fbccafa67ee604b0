"""Keep the API's promise that every error is JSON with a message.

Ninja's exception handlers cover errors raised inside operations; this covers the ones
Django and Ninja answer before any operation runs: an unknown path under /api/ (the URL
resolver's 404) and a method the path does not allow (Ninja's bare 405).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


class JsonApiErrorsMiddleware:
    """Turn non-JSON 4xx/5xx answers under /api/ into ``{"message": ...}``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not (request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"))
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        json_response = JsonResponse(
            {"message": _message(request, response.status_code)}, status=response.status_code
        )
        if response.has_header("Allow"):
            json_response["Allow"] = response["Allow"]
        return json_response


def _message(request: HttpRequest, status: int) -> str:
    if status == HTTPStatus.NOT_FOUND:
        return f"No API endpoint at {request.path}; see /api/v1/docs"
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        return f"Method {request.method} is not allowed on {request.path}"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
