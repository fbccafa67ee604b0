"""Rate limits on the public API: per API token, else per client address.

Fixed windows of ``STATS.ratelimit.window_seconds`` counted in Django's cache (Redis
when configured, so every worker process shares the counts; one INCR per request).
Every answer under the limited paths carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (Unix time the window ends, as
GitHub's API); past the limit the answer is 429 JSON with ``Retry-After`` (seconds).
If the cache is unreachable, requests pass (logged): the limit protects the service,
it must not take it down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
KEY_PREFIX = "ratelimit:v1"
#: WSGI environ / request.META key under which a front layer (stats.web.front_cache)
#: leaves the Quota of a request it has already counted, so it is not counted twice.
PRECOUNTED_QUOTA = "stats.ratelimit.quota"


@dataclass(frozen=True)
class Quota:
    """Where a client stands in the current window."""

    limit: int
    used: int
    reset_at: float

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


def client_address(request: HttpRequest, proxy_count: int) -> str:
    """The client's address: REMOTE_ADDR, or behind ``proxy_count`` trusted proxies the
    X-Forwarded-For entry they added (entries further left can be forged)."""
    return address_from_meta(request.META, proxy_count)


def address_from_meta(meta: Mapping[str, Any], proxy_count: int) -> str:
    """:func:`client_address` from a WSGI environ (or ``request.META``)."""
    remote = meta.get("REMOTE_ADDR", "") or "unknown"
    if proxy_count <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= proxy_count:
        return forwarded[-proxy_count]
    return forwarded[0] if forwarded else remote


def window_key(bucket: str, window: int, now: float) -> tuple[str, int]:
    """(cache key, window start) of ``bucket``'s window holding ``now``."""
    start = int(now // window) * window
    return f"{KEY_PREFIX}:{bucket}:{start}", start


def address_bucket(address: str) -> str:
    return f"addr:{address}"


def count_request(bucket: str, limit: int, window: int, now: float | None = None) -> Quota:
    """Count one request in ``bucket``'s current window."""
    now = time.time() if now is None else now
    key, start = window_key(bucket, window, now)
    cache = caches[CACHE_ALIAS]
    cache.add(key, 0, timeout=window + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        used = 1
    return Quota(limit=limit, used=used, reset_at=start + window)


def _bucket(request: HttpRequest) -> tuple[str, int, str]:
    """(bucket, limit, what it is per) of a request."""
    config = settings.STATS.ratelimit
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"token:{token.pk}", config.per_token, "API token"
    address = client_address(request, config.proxy_count)
    return address_bucket(address), config.per_address, "client address"


def quota_headers(quota: Quota) -> list[tuple[str, str]]:
    return [
        ("X-RateLimit-Limit", str(quota.limit)),
        ("X-RateLimit-Remaining", str(quota.remaining)),
        ("X-RateLimit-Reset", str(int(quota.reset_at))),
    ]


def _set_headers(response: HttpResponse, quota: Quota) -> None:
    for name, value in quota_headers(quota):
        response[name] = value


class RateLimitMiddleware:
    """After the token middleware (per-token buckets need the request's token)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        config = settings.STATS.ratelimit
        if not config.enabled or not request.path.startswith(tuple(config.path_prefixes)):
            return self.get_response(request)
        bucket, limit, per = _bucket(request)
        quota: Quota | None = request.META.get(PRECOUNTED_QUOTA)
        if quota is None or getattr(request, "api_token", None) is not None:
            try:
                quota = count_request(bucket, limit, config.window_seconds)
            except Exception:
                logger.warning("rate limit cache unavailable; request let through", exc_info=True)
                return self.get_response(request)
        if quota.exceeded:
            retry_after = max(math.ceil(quota.reset_at - time.time()), 1)
            response: HttpResponse = JsonResponse(
                {
                    "message": f"Rate limit exceeded: {limit} requests per "
                    f"{config.window_seconds} s per {per}; retry in {retry_after} s",
                    "limit": limit,
                    "retry_after": retry_after,
                },
                status=429,
            )
            response["Retry-After"] = str(retry_after)
        else:
            response = self.get_response(request)
        _set_headers(response, quota)
        return response
