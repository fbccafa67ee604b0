"""A response cache in front of Django for the hot path: public GETs already answered.

Django's request cycle (middleware, URL resolution, Ninja) costs over a millisecond of
CPU per request even when the answer comes from the response cache, which caps a
2-core server at a few hundred requests per second. This WSGI layer keeps, in Redis,
the exact status, headers and body of the answers that ``stats.web.caching`` marked as
replayable (public registry data, no credentials), keyed by scheme, host, path, query
string and Accept header, and replays them without entering Django. A hit is one
Redis call (a small Lua script): the entry, the generation epoch and the rate-limit count;
the body travels only when this process has no copy of the entry Redis holds.

An entry is replayed only while the token of its scope (its registry, or all public
registries) is current. The front holds a snapshot of those tokens (one query),
reloaded when the generation epoch in Redis moves (set after commit whenever a Registry
row changes, see stats/web/signals.py) and at least every
``STATS_API__FRONT_TOKENS_MAX_AGE`` seconds as a safety net.

Handed to Django untouched: other methods than GET, requests with credentials
(Authorization, session cookie), CORS requests (Origin), conditional requests (Django
answers 304 from its own cache), clients over their rate limit (Django answers 429),
and everything when Redis is not configured or fails.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from stats.api.ratelimit import (
    PRECOUNTED_QUOTA,
    Quota,
    address_bucket,
    address_from_meta,
    quota_headers,
    window_key,
)
from stats.selectors.generations import public_generation_tokens
from stats.web.caching import (
    CACHE_ALIAS,
    FRONT_HEADER,
    FRONT_LISTENING,
    GENERATION_EPOCH_KEY,
    FrontMarker,
    normalise_accept,
)
from stats.web.local_memory import SizedLRU

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ENTRY_PREFIX = "front:v2:"
#: Bodies larger than this are left to Django's cache (it keeps large ones in memory).
MAX_BODY_BYTES = 1024 * 1024
_FRONT_HEADER = FRONT_HEADER.lower()
#: Per-request headers: never replayed (the rate-limit ones are set afresh on each hit).
_NOT_STORED = {
    _FRONT_HEADER,
    "set-cookie",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
}
#: Requests whose answer may differ from the stored one go to Django.
_PASS_HEADERS = (
    "HTTP_AUTHORIZATION",
    "HTTP_ORIGIN",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
)


_LOOKUP_SCRIPT = """
local used = false
if KEYS[3] then
  redis.call('SET', KEYS[3], 0, 'EX', ARGV[1], 'NX')
  used = redis.call('INCR', KEYS[3])
end
local entry = redis.call('GET', KEYS[1])
if entry and ARGV[2] ~= '' and string.sub(entry, 1, 16) == ARGV[2] then
  entry = 1
end
return {entry, redis.call('GET', KEYS[2]), used}
"""
"""One round trip and one reply to parse: the entry, the generation epoch and, when the
path is rate-limited, the client's count in this window (the keys and commands Django's
rate limiter uses: SET 0 NX with the window's expiry, then INCR). A stored entry starts
with a 16-byte digest of itself; when it equals the digest of this process's copy
(ARGV[2]) the reply says 1 instead of carrying the body again."""

_DIGEST_BYTES = 16
#: Process-local copies of entries, at most this many body bytes (least recently used go).
LOCAL_BUDGET_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class FrontEntry:
    """A stored answer and the token it stays valid under."""

    scope: str
    token: str
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _Tokens:
    """This process's snapshot of the public registries' generation tokens."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self.tokens: dict[str, str] | None = None
        self.epoch: bytes | None = None
        self.loaded_at = 0.0
        self.lock = threading.Lock()

    def current(self, epoch: bytes | None) -> dict[str, str]:
        now = time.monotonic()
        tokens = self.tokens
        if tokens is not None and epoch == self.epoch and now - self.loaded_at <= self.max_age:
            return tokens
        with self.lock:
            tokens = public_generation_tokens()
            self.tokens, self.epoch, self.loaded_at = tokens, epoch, now
        return tokens


@dataclass(frozen=True)
class _RateBucket:
    key: str
    limit: int
    window: int
    reset_at: float


class ResponseCacheFront:
    """WSGI middleware: replay stored public answers, store the ones Django marks."""

    def __init__(self, app: WsgiApp, redis_url: str) -> None:
        self.app = app
        self.redis = redis.Redis.from_url(redis_url)
        self.lookup = self.redis.register_script(_LOOKUP_SCRIPT)
        # This process's copies of the entries it replayed, with their digests: only saves
        # the transfer (a copy is replayed when Redis holds the same digest, tokens checked).
        self.local: SizedLRU[tuple[bytes, FrontEntry]] = SizedLRU(
            LOCAL_BUDGET_BYTES, lambda copy: len(copy[1].body)
        )
        self.cache = caches[CACHE_ALIAS]
        self.epoch_key = self.cache.make_key(GENERATION_EPOCH_KEY)
        self.tokens = _Tokens(settings.STATS.api.front_tokens_max_age)
        self.session_cookie = settings.SESSION_COOKIE_NAME

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._eligible(environ):
            return self.app(environ, start_response)
        key = self._key(environ)
        bucket = self._rate_bucket(environ)
        copy = self.local.get(key)
        keys = [key, self.epoch_key] if bucket is None else [key, self.epoch_key, bucket.key]
        window = 0 if bucket is None else bucket.window + 1
        try:
            found = self.lookup(keys=keys, args=[window, copy[0] if copy else b""])
        except redis.RedisError:
            logger.warning("front cache unavailable; passing the request on", exc_info=True)
            return self.app(environ, start_response)
        quota = None
        if bucket is not None:
            quota = Quota(limit=bucket.limit, used=int(found[2]), reset_at=bucket.reset_at)
            environ[PRECOUNTED_QUOTA] = quota
            if quota.exceeded:
                return self.app(environ, start_response)
        entry = self._entry(key, found[0], copy)
        if entry is not None and self._current(entry, found[1]):
            headers = list(entry.headers)
            if quota is not None:
                headers.extend(quota_headers(quota))
            start_response(entry.status, headers)
            return [entry.body]
        return self._pass_and_store(environ, start_response, key)

    def _eligible(self, environ: dict[str, Any]) -> bool:
        if environ.get("REQUEST_METHOD") != "GET":
            return False
        if any(name in environ for name in _PASS_HEADERS):
            return False
        cookie = environ.get("HTTP_COOKIE")
        return not (cookie and self.session_cookie in cookie)

    def _key(self, environ: dict[str, Any]) -> str:
        parts = (
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_X_FORWARDED_PROTO", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            normalise_accept(environ.get("HTTP_ACCEPT", "")),
        )
        digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache.make_key(ENTRY_PREFIX + digest)

    def _rate_bucket(self, environ: dict[str, Any]) -> _RateBucket | None:
        config = settings.STATS.ratelimit
        path = environ.get("PATH_INFO", "")
        if not config.enabled or not path.startswith(tuple(config.path_prefixes)):
            return None
        bucket = address_bucket(address_from_meta(environ, config.proxy_count))
        key, start = window_key(bucket, config.window_seconds, time.time())
        return _RateBucket(
            key=self.cache.make_key(key),
            limit=config.per_address,
            window=config.window_seconds,
            reset_at=start + config.window_seconds,
        )

    def _entry(
        self, key: str, stored: bytes | int | None, copy: tuple[bytes, FrontEntry] | None
    ) -> FrontEntry | None:
        """The entry Redis holds: this process's copy when Redis says it is the same."""
        if stored is None:
            return None
        if isinstance(stored, int):
            return copy[1] if copy is not None else None
        try:
            entry = pickle.loads(stored[_DIGEST_BYTES:])
        except Exception:  # noqa: BLE001 - an unreadable entry is a miss, not an error
            return None
        if not isinstance(entry, FrontEntry):
            return None
        self.local.put(key, (stored[:_DIGEST_BYTES], entry))
        return entry

    def _current(self, entry: FrontEntry, epoch: bytes | None) -> bool:
        try:
            tokens = self.tokens.current(epoch)
        except Exception:
            logger.warning("front cache: generations unreadable", exc_info=True)
            connection.close()
            return False
        return tokens.get(entry.scope) == entry.token

    def _pass_and_store(
        self, environ: dict[str, Any], start_response: Callable[..., Any], key: str
    ) -> Any:
        environ[FRONT_LISTENING] = True
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = status, headers
            sent = [(name, value) for name, value in headers if name.lower() != _FRONT_HEADER]
            return start_response(status, sent, exc_info)

        result = self.app(environ, capture)
        marker = self._marker(answer)
        if marker is None or _content_length(answer["headers"]) > MAX_BODY_BYTES:
            return result  # not kept here: the server sends it and then closes it
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(body) <= MAX_BODY_BYTES:
            self._store(key, marker, answer, body)
        return [body]

    @staticmethod
    def _marker(answer: dict[str, Any]) -> FrontMarker | None:
        if not answer.get("status", "").startswith("200"):
            return None
        marker = None
        for name, value in answer["headers"]:
            lowered = name.lower()
            if lowered == "set-cookie":
                return None
            if lowered == _FRONT_HEADER:
                marker = FrontMarker.parse(value)
        return marker

    def _store(self, key: str, marker: FrontMarker, answer: dict[str, Any], body: bytes) -> None:
        headers = tuple(
            (name, value) for name, value in answer["headers"] if name.lower() not in _NOT_STORED
        )
        entry = FrontEntry(marker.scope, marker.token, answer["status"], headers, body)
        blob = pickle.dumps(entry, protocol=5)
        digest = hashlib.sha256(blob).digest()[:_DIGEST_BYTES]
        try:
            self.redis.set(key, digest + blob, ex=marker.seconds)
        except redis.RedisError:
            logger.warning("front cache unavailable (store)", exc_info=True)


def _content_length(headers: list[tuple[str, str]]) -> int:
    """The declared body size (0 when not declared)."""
    for name, value in headers:
        if name.lower() == "content-length":
            return int(value) if value.isdigit() else 0
    return 0


def with_front_cache(app: WsgiApp) -> WsgiApp:
    """``app`` behind the front cache when Redis is configured and the front enabled."""
    config = settings.STATS
    if not (config.redis_url and config.api.front_cache):
        return app
    return ResponseCacheFront(app, config.redis_url)
