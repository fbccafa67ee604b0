"""One polite HTTP client for every community API (GitHub, Slack, YouTube, X).

- Pagination follows the ``Link: <...>; rel="next"`` header (GitHub's documented way).
- GETs are conditional: the last ETag and body of a URL are kept (HttpCacheEntry), a
  ``304 Not Modified`` answers from them and costs no rate limit.
- Rate limits are read from ``x-ratelimit-remaining``/``x-ratelimit-reset`` and
  ``retry-after``: a short wait is waited out, a long one raises RateLimited so the run
  stops cleanly and the next one resumes after the reset.
- 202 (statistics still being computed), 5xx and timeouts are retried with doubling
  backoff; tokens travel in headers only, so they never appear in URLs, logs or errors.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from django.db import transaction

from stats.models import HttpCacheEntry

logger = logging.getLogger(__name__)

_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_MESSAGE_CHARS = 300


class SourceError(Exception):
    """An API answered with an error we cannot retry away (or never answered)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(SourceError):
    """The API's quota is spent until ``reset_at``; stop now and resume on a later run."""

    def __init__(self, message: str, *, reset_at: dt.datetime, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.reset_at = reset_at


class StillComputing(SourceError):
    """GitHub kept answering 202 (statistics being computed) through every retry."""


@dataclass(frozen=True)
class CachedAnswer:
    etag: str
    body: str
    link: str


class HttpCache(Protocol):
    def get(self, url: str) -> CachedAnswer | None: ...

    def put(self, url: str, answer: CachedAnswer) -> None: ...


class DatabaseHttpCache:
    """ETag cache in the database, so conditional requests survive between runs."""

    def get(self, url: str) -> CachedAnswer | None:
        row = HttpCacheEntry.objects.filter(url=url).first()
        return CachedAnswer(row.etag, row.body, row.link) if row else None

    @transaction.atomic
    def put(self, url: str, answer: CachedAnswer) -> None:
        HttpCacheEntry.objects.update_or_create(
            url=url, defaults={"etag": answer.etag, "body": answer.body, "link": answer.link}
        )


@dataclass(frozen=True)
class ApiAnswer:
    """A parsed JSON answer; ``not_modified`` when it came from the ETag cache."""

    status: int
    data: Any
    headers: Mapping[str, str]
    not_modified: bool = False

    @property
    def next_url(self) -> str | None:
        match = _NEXT_LINK.search(self.headers.get("link", ""))
        return match.group(1) if match else None


@dataclass
class ApiClient:
    """GET JSON from one API with retries, conditional requests and rate-limit manners."""

    base_url: str
    auth_headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    max_wait: float = 60.0
    cache: HttpCache | None = None
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    _blocked_until: dt.datetime | None = None
    _client: httpx.Client | None = field(default=None, repr=False)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout,
                follow_redirects=True,
                headers={"User-Agent": "stats-community-collector", **self.auth_headers},
            )
        return self._client

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The absolute URL of ``path`` (kept as is when already absolute)."""
        if path.startswith(("http://", "https://")):
            full = path
        else:
            full = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            full = str(httpx.URL(full, params={k: v for k, v in params.items() if v is not None}))
        return full

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        conditional: bool = True,
        retry_accepted: bool = False,
    ) -> ApiAnswer:
        """GET one URL; 202 is retried only when ``retry_accepted`` (GitHub statistics)."""
        url = self.url(path, params)
        cached = self.cache.get(url) if (conditional and self.cache) else None
        headers = {"If-None-Match": cached.etag} if cached and cached.etag else {}
        attempt = 0
        while True:
            self._wait_for_quota(url)
            response = self._send(url, headers, attempt)
            if response is None:
                attempt += 1
                continue
            status = response.status_code
            if status == 304 and cached is not None:
                return ApiAnswer(304, json.loads(cached.body), {"link": cached.link}, True)
            if status in (403, 429) and self._rate_limited(response, attempt):
                attempt += 1
                continue
            if (status == 202 and retry_accepted) or status >= 500:
                if attempt >= self.retries:
                    kind = StillComputing if status == 202 else SourceError
                    raise kind(
                        f"GET {_safe(url)}: HTTP {status} after {attempt} retries", status=status
                    )
                self._back_off(attempt, f"HTTP {status}", url)
                attempt += 1
                continue
            if status >= 400:
                raise SourceError(
                    f"GET {_safe(url)}: HTTP {status} {_message(response)}", status=status
                )
            self._note_quota(response)
            return self._answer(url, response, conditional)

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Iterator[Any]:
        """Every item of a list endpoint, page after page through ``Link: rel="next"``."""
        url: str | None = self.url(path, params)
        while url:
            answer = self.get(url, **kw)
            items = answer.data if isinstance(answer.data, list) else []
            yield from items
            url = answer.next_url

    def _send(self, url: str, headers: dict[str, str], attempt: int) -> httpx.Response | None:
        try:
            self.requests += 1
            return self.http.get(url, headers=headers)
        except httpx.TransportError as exc:  # timeouts, refused connections, resets
            if attempt >= self.retries:
                raise SourceError(
                    f"GET {_safe(url)}: {type(exc).__name__} after {attempt} retries"
                ) from None
            self._back_off(attempt, type(exc).__name__, url)
            return None

    def _back_off(self, attempt: int, why: str, url: str) -> None:
        delay = self.backoff * (2**attempt)
        logger.info("GET %s: %s, retrying in %.1fs", _safe(url), why, delay)
        self.sleep(delay)

    def _rate_limited(self, response: httpx.Response, attempt: int) -> bool:
        """True (after waiting) when a short limit was waited out; raises on a long one."""
        reset_at = _reset_time(response.headers)
        if reset_at is None:
            return False
        wait = (reset_at - _now()).total_seconds()
        if wait > self.max_wait or attempt >= self.retries:
            raise RateLimited(
                f"rate limit reached until {reset_at:%Y-%m-%d %H:%M:%S} UTC",
                reset_at=reset_at,
                status=response.status_code,
            )
        logger.info("Rate limited for %.0fs; waiting", max(wait, 0))
        self.sleep(max(wait, 0))
        return True

    def _note_quota(self, response: httpx.Response) -> None:
        """The last request of the quota succeeded: do not spend one more on a 403."""
        if response.headers.get("x-ratelimit-remaining") == "0":
            self._blocked_until = _reset_time(response.headers)

    def _wait_for_quota(self, url: str) -> None:
        if self._blocked_until is None:
            return
        wait = (self._blocked_until - _now()).total_seconds()
        if wait > self.max_wait:
            raise RateLimited(
                f"rate limit spent until {self._blocked_until:%Y-%m-%d %H:%M:%S} UTC",
                reset_at=self._blocked_until,
            )
        self.sleep(max(wait, 0))
        self._blocked_until = None

    def _answer(self, url: str, response: httpx.Response, conditional: bool) -> ApiAnswer:
        try:
            data = response.json() if response.content else None
        except ValueError:
            raise SourceError(
                f"GET {_safe(url)}: the answer is not JSON", status=response.status_code
            ) from None
        etag = response.headers.get("etag", "")
        if conditional and self.cache is not None and etag and response.status_code == 200:
            self.cache.put(url, CachedAnswer(etag, response.text, response.headers.get("link", "")))
        return ApiAnswer(response.status_code, data, response.headers)


def _reset_time(headers: Mapping[str, str]) -> dt.datetime | None:
    """When the quota comes back: ``retry-after`` seconds, or a spent quota's reset."""
    retry_after = headers.get("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return _now() + dt.timedelta(seconds=int(retry_after))
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset", "")
        if reset.strip().isdigit():
            return dt.datetime.fromtimestamp(int(reset), tz=dt.UTC)
        return _now() + dt.timedelta(seconds=60)
    return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:_MESSAGE_CHARS]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or "")[:_MESSAGE_CHARS]
    return ""


def _safe(url: str) -> str:
    """The URL without its query string's secrets (none are sent there, but be sure)."""
    return re.sub(r"(?i)([?&](?:key|token|access_token)=)[^&]+", r"\1***", url)


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)
