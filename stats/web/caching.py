"""Whole-response caching of GET views, keyed by the registry's data generation.

Numbers only change when the aggregation service bumps a registry's
``data_generation``, so a response is cached under a key holding that generation
(plus the URL and the negotiated format): a refresh makes exactly that registry's
entries unreachable, with no flush, and other registries' entries stay warm. Old
entries simply expire. Every response gets a strong ``ETag`` and a ``Last-Modified``
(the day after the registry's valid-through date, midnight UTC) and conditional GETs
are answered 304.

Use on plain Django views::

    @cache_response()
    def view(request, registry): ...

and on Ninja operations, around the whole operation (the cached unit is the final
HTTP response, after validation and serialisation)::

    @router.get("/registries/{registry}/packages")
    @decorate_view(cache_response())
    def packages(request, registry: str): ...

    router.add_decorator(cache_response(), mode="view")  # every operation of a router

Getting the generation costs one indexed query per request (no cache entry to keep in
step). Requests with credentials (an Authorization header or a session cookie) and
registries that are not public are never served from or stored in the cache.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from stats.models import Registry
from stats.selectors.generations import (
    ALL_PUBLIC,
    GenerationState,
    all_registries_generation,
    registry_generation,
)
from stats.web.local_memory import SizedLRU

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponseBase]
R = TypeVar("R", bound=HttpResponse)
RegistryResolver = Callable[[HttpRequest, dict[str, Any]], "str | None"]

CACHE_ALIAS = "default"
KEY_PREFIX = "gencache:v1"
_DROPPED_HEADERS = {"set-cookie", "etag", "last-modified"}
#: Bodies at least this large are also kept in process memory (see _local).
LOCAL_MIN_BYTES = 256 * 1024
LOCAL_BUDGET_BYTES = 96 * 1024 * 1024
#: Internal header telling the front cache (stats.web.front_cache) that a response may be
#: replayed while its registry scope keeps this token; stripped before it leaves.
FRONT_HEADER = "X-Stats-Front-Cache"
#: WSGI environ key the front sets on requests it passes on and would store the answer of.
FRONT_LISTENING = "stats.front_cache.listening"


@dataclass(frozen=True)
class FrontMarker:
    """What a cacheable response tells the front: for how long, under which token."""

    seconds: int
    scope: str
    token: str

    def header(self) -> str:
        return f"{self.seconds} {quote(self.scope, safe='')} {quote(self.token, safe='')}"

    @classmethod
    def parse(cls, value: str) -> FrontMarker | None:
        parts = value.split(" ")
        if len(parts) != 3 or not parts[0].isdigit():
            return None
        return cls(int(parts[0]), unquote(parts[1]), unquote(parts[2]))


@dataclass(frozen=True)
class CachedResponse:
    """What is stored: enough to rebuild the response and its validators."""

    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    last_modified: int | None

    def to_response(self, response_class: type[R] = HttpResponse) -> R:  # type: ignore[assignment]
        response = response_class(self.content, status=self.status)
        for name, value in self.headers:
            response[name] = value
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified)
        return response


def last_modified_for(valid_through: date | None) -> int | None:
    """The day after valid-through, midnight UTC, as a Unix timestamp."""
    if valid_through is None:
        return None
    return calendar.timegm((valid_through + timedelta(days=1)).timetuple())


def negotiated_format(request: HttpRequest) -> str:
    """The Accept header, normalised: what a view may choose its format from.

    The whole header rather than one media type picked here, so the key can never
    disagree with the view's own negotiation (e.g. CSV for ``Accept: text/csv``).
    """
    return normalise_accept(request.headers.get("Accept", ""))


def normalise_accept(accept: str) -> str:
    return "".join(accept.lower().split()) or "*"


GENERATION_EPOCH_KEY = "gencache:epoch"
"""Changes (after commit) whenever a registry row changes: front caches then reload tokens."""


def note_generation_change() -> None:
    """Tell front caches that a registry's token may have changed (call after commit)."""
    try:
        caches[CACHE_ALIAS].set(GENERATION_EPOCH_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("response cache unavailable (generation epoch)", exc_info=True)


_PUBLIC_REGISTRY_ATTR = "_stats_public_registry"


def remember_public_registry(request: HttpRequest, registry: Registry) -> None:
    """Keep, for this anonymous request, the public registry row the cache key came from."""
    setattr(request, _PUBLIC_REGISTRY_ATTR, registry)


def remembered_public_registry(request: HttpRequest, name: str | None) -> Registry | None:
    """The public registry row already read for this request under ``name``, if any.

    Only requests without credentials are cached, and a public registry is visible to
    every user, so the row stands for what ``resolve_registry`` would return.
    """
    registry = getattr(request, _PUBLIC_REGISTRY_ATTR, None)
    if registry is None or not name or registry.name != name or not registry.is_public:
        return None
    return registry


def registry_from(kwarg: str = "registry", default: str | None = None) -> RegistryResolver:
    """Resolver: the registry named by a URL kwarg, else by that query parameter, else default."""

    def resolve(request: HttpRequest, kwargs: dict[str, Any]) -> str | None:
        return kwargs.get(kwarg) or request.GET.get(kwarg) or default

    return resolve


def _generation(name: str | None) -> GenerationState | None:
    return all_registries_generation() if name is None else registry_generation(name)


def _has_credentials(request: HttpRequest) -> bool:
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


def cache_key(request: HttpRequest, state: GenerationState, fmt: str) -> str:
    """Key of a response: generation token, then a digest of format, path and query string."""
    what = hashlib.sha256(f"{fmt}\n{request.get_full_path()}".encode()).hexdigest()
    return f"{KEY_PREFIX}:{state.token}:{what}"


def _etag(key: str, content: bytes) -> str:
    digest = hashlib.sha256(key.encode() + b"\0" + content).hexdigest()[:32]
    return f'"{digest}"'


def _freeze(response: HttpResponse, key: str, state: GenerationState) -> CachedResponse:
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() not in _DROPPED_HEADERS
    )
    return CachedResponse(
        status=response.status_code,
        content=response.content,
        headers=headers,
        etag=_etag(key, response.content),
        last_modified=last_modified_for(state.valid_through),
    )


_local: SizedLRU[CachedResponse] = SizedLRU(LOCAL_BUDGET_BYTES, lambda e: len(e.content))
"""Large entries (e.g. a 15 MB bioc_pkg_stats.tab) kept in this process in front of Redis:
fetching and unpickling megabytes costs more than the 100 ms a large file may take, and
keys hold the data generation, so a local copy is never stale."""


def _keep_local(key: str, entry: CachedResponse) -> None:
    if len(entry.content) >= LOCAL_MIN_BYTES:
        _local.put(key, entry)


def clear_local_entries() -> None:
    """Forget the process-local large entries (Django's cache.clear() does not reach them)."""
    _local.clear()


def _caching_enabled() -> bool:
    return not isinstance(caches[CACHE_ALIAS], DummyCache)


def _cache_get(key: str) -> CachedResponse | None:
    if not _caching_enabled():
        return None
    local = _local.get(key)
    if local is not None:
        return local
    try:
        entry = caches[CACHE_ALIAS].get(key)
    except Exception:
        logger.warning("response cache unavailable (get %s)", key, exc_info=True)
        return None
    if entry is not None:
        _keep_local(key, entry)
    return entry


def _cache_set(key: str, entry: CachedResponse, timeout: int) -> None:
    if not _caching_enabled():
        return
    if timeout > 0:
        _keep_local(key, entry)
    _shared_set(key, entry, timeout)


def _shared_set(key: str, entry: CachedResponse, timeout: int) -> None:
    try:
        caches[CACHE_ALIAS].set(key, entry, timeout)
    except Exception:
        logger.warning("response cache unavailable (set %s)", key, exc_info=True)


class _StoreAfterSending(HttpResponse):
    """A response that writes its entry to the shared cache once it has been sent.

    Pickling a 7.6 MB ``bioc_pkg_stats.tab`` and sending it to Redis takes ~20 ms that
    the first reader need not wait for: the WSGI server calls ``close()`` after the last
    byte (PEP 3333), and this process already holds a local copy meanwhile.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending_store: tuple[str, CachedResponse, int] | None = None

    def close(self) -> None:
        super().close()
        self.store_pending()

    def store_pending(self) -> None:
        if self.pending_store is not None:
            key, entry, timeout = self.pending_store
            self.pending_store = None
            _shared_set(key, entry, timeout)


def store_pending(response: HttpResponseBase) -> None:
    """Write a response's deferred shared-cache entry now: for callers of a cached view
    that are not a WSGI server (``close()`` would also end the request: its signal
    closes the database connection)."""
    if isinstance(response, _StoreAfterSending):
        response.store_pending()


def cache_response(
    registry: RegistryResolver | None = None,
    *,
    timeout: int | None = None,
    vary_on_accept: bool = True,
) -> Callable[[View], View]:
    """Decorate a GET view to cache its 200 responses by registry data generation.

    ``registry`` finds the registry name from the request and view kwargs (default:
    the ``registry`` URL kwarg or query parameter); when it gives None the key uses a
    token covering all public registries. An unknown registry is passed to the view
    uncached (it answers 404). ``timeout`` defaults to ``STATS.api.cache_seconds``.
    A view may set ``response.data_generation`` to the generation it actually read;
    if that differs from the one in the key the response is served but not stored.
    """
    resolve = registry or registry_from()

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD") or _has_credentials(request):
                return view(request, *args, **kwargs)
            scope = resolve(request, kwargs)
            state = _generation(scope)
            if state is None or not state.is_public:
                return view(request, *args, **kwargs)
            if state.registry is not None:
                remember_public_registry(request, state.registry)
            fmt = negotiated_format(request) if vary_on_accept else "*"
            key = cache_key(request, state, fmt)
            seconds = settings.STATS.api.cache_seconds if timeout is None else timeout
            entry = _cache_get(key)
            consistent = True
            store_after_sending = False
            if entry is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or not isinstance(response, HttpResponse):
                    return response  # streaming responses are not cached
                entry = _freeze(response, key, state)
                reported = getattr(response, "data_generation", None)
                consistent = reported is None or reported == state.data_generation
                store_after_sending = (
                    consistent
                    and seconds > 0
                    and len(entry.content) >= LOCAL_MIN_BYTES
                    and _caching_enabled()
                )
                if consistent and not store_after_sending:
                    _cache_set(key, entry, seconds)
            if store_after_sending:
                _keep_local(key, entry)
                deferred = entry.to_response(_StoreAfterSending)
                deferred.pending_store = (key, entry, seconds)
                response = deferred
            else:
                response = entry.to_response()
            if consistent and seconds > 0 and request.META.get(FRONT_LISTENING):
                marker = FrontMarker(seconds, ALL_PUBLIC if scope is None else scope, state.token)
                response[FRONT_HEADER] = marker.header()
            if vary_on_accept:
                patch_vary_headers(response, ["Accept"])
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = "public, no-cache"
            answer = (  # given a response, Django returns it or a 304
                get_conditional_response(
                    request, etag=entry.etag, last_modified=entry.last_modified, response=response
                )
                or response
            )
            if answer is not response:  # 304: the built response is never sent
                store_pending(response)
            return answer

        return wrapper

    return decorator
