"""The one NinjaAPI object: routers from stats.api, and JSON for every error."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from stats.api.community import router as community_router
from stats.api.curation import router as curation_router
from stats.api.downloads import router as downloads_router
from stats.api.errors import ApiError
from stats.api.health import router as health_router
from stats.api.imports import router as imports_router
from stats.api.rankings import router as rankings_router
from stats.api.registries import router as registries_router
from stats.web.caching import cache_response

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Scientific software download statistics",
    version="1.0.0",
    description=(
        "Downloads and distinct clients of packages and pipelines of scientific software "
        "communities, counted from web-server access logs. Counts are exact: distinct "
        "clients are never summed or estimated."
    ),
    urls_namespace="api-v1",
)
# Statistics only change when a registry's data generation is bumped: cache their GET
# responses by generation (ETag, Last-Modified, 304). Health stays live.
for _router in (downloads_router, registries_router, rankings_router):
    _router.add_decorator(cache_response(), mode="view")
api.add_router("/", health_router)
api.add_router("/", downloads_router)
api.add_router("/", registries_router)
api.add_router("/", rankings_router)
# Writes: every operation needs a curator's API token (stats.api.auth.BearerAuth).
api.add_router("/", curation_router)
# Community metrics (GitHub, Slack, ..., uptime) and legacy imports (curators' tokens).
api.add_router("/", community_router)
api.add_router("/", imports_router)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(request, {"message": exc.message, **exc.extra}, status=exc.status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"message": str(exc) or "Not found"}, status=404)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
        for err in exc.errors
    ]
    return api.create_response(
        request,
        {"message": "Invalid request: " + "; ".join(problems), "detail": exc.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"message": "Authentication required: send a valid API token as Authorization: Bearer"},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"message": f"Request body too large: {exc}"}, status=413)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error on %s", request.path)
    return api.create_response(request, {"message": "Internal error"}, status=500)
