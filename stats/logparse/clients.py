"""Clients are known by a keyed hash of their address, never by the address itself."""

from __future__ import annotations

import hmac


def client_digest(key: bytes, client: str) -> bytes:
    """The keyed hash a client is known by: HMAC-SHA256, first 16 bytes."""
    return hmac.digest(key, client.encode(), "sha256")[:16]


_DIGEST_CACHE: dict[bytes, dict[str, bytes]] = {}
_DIGEST_CACHE_LIMIT = 1_000_000


def client_digests(key: bytes, hosts: list[str]) -> list[bytes]:
    """Digests of ``hosts``, remembered across shards of a process (clients return).

    Safe when threads parse shards at once: a cache emptied meanwhile costs hashes only.
    """
    cache = _DIGEST_CACHE.setdefault(key, {})
    if len(cache) > _DIGEST_CACHE_LIMIT:
        cache.clear()
    out: list[bytes] = []
    for host in hosts:
        digest = cache.get(host)
        if digest is None:
            digest = cache[host] = client_digest(key, host)
        out.append(digest)
    return out
