"""A segment's identity: a hash of its bytes, tagged with its algorithm ("blake3:<hex>").

New segments are hashed with BLAKE3, 2.6x faster than SHA-256 with the CPU's SHA
extensions (0.045 s against 0.116 s for 200 MB on one core). Segments ingested before
carry "sha256:" identities; the tag says how to check a stored identity against bytes
read again, so those are still recognised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from blake3 import blake3


class HashAlgorithm(StrEnum):
    SHA256 = "sha256"
    """Segments ingested before BLAKE3 (legacy identities)."""
    BLAKE3 = "blake3"


CURRENT_ALGORITHM = HashAlgorithm.BLAKE3


class _Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> object: ...

    def hexdigest(self) -> str: ...


def _hasher(algorithm: HashAlgorithm) -> _Hasher:
    if algorithm is HashAlgorithm.BLAKE3:
        return blake3(max_threads=1)
    return hashlib.sha256()


def content_hash(data: bytes | memoryview, algorithm: HashAlgorithm = CURRENT_ALGORITHM) -> str:
    """The tagged hash of ``data``."""
    return parts_hash([data], algorithm)


def parts_hash(
    parts: Iterable[bytes | memoryview], algorithm: HashAlgorithm = CURRENT_ALGORITHM
) -> str:
    """The tagged hash of the bytes of ``parts``, one after another."""
    hasher = _hasher(algorithm)
    for part in parts:
        hasher.update(part)
    return f"{algorithm}:{hasher.hexdigest()}"


def algorithm_of(identity: str) -> HashAlgorithm:
    """The algorithm of a tagged hash; ValueError for an untagged or unknown one."""
    tag, colon, _ = identity.partition(":")
    if not colon:
        raise ValueError(f"content hash without an algorithm tag: {identity!r}")
    return HashAlgorithm(tag)


def hash_matches(data: bytes | memoryview, identity: str) -> bool:
    """Whether ``data`` has the tagged hash ``identity`` (in that hash's algorithm)."""
    return parts_match([data], identity)


def parts_match(parts: Iterable[bytes | memoryview], identity: str) -> bool:
    """Whether the bytes of ``parts`` have the tagged hash ``identity``."""
    return parts_hash(parts, algorithm_of(identity)) == identity
