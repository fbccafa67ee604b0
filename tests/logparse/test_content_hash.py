"""Segment identities: tagged hashes, checked in the algorithm of their tag."""

from __future__ import annotations

import hashlib

import pytest

from stats.logparse.content_hash import HashAlgorithm, algorithm_of, content_hash, hash_matches

# BLAKE3 of the empty input, from the reference implementation's test vectors.
_BLAKE3_EMPTY = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"


def test_identities_are_tagged_with_their_algorithm() -> None:
    assert content_hash(b"") == f"blake3:{_BLAKE3_EMPTY}"
    data = b'host - - [01/Jul/1995:00:00:01 -0400] "GET / HTTP/1.0" 200 6245\n'
    assert content_hash(data, HashAlgorithm.SHA256) == (
        "sha256:" + hashlib.sha256(data).hexdigest()
    )
    assert algorithm_of(content_hash(data)) is HashAlgorithm.BLAKE3


def test_an_identity_is_checked_in_its_own_algorithm() -> None:
    data = b"x" * 100_000
    for algorithm in HashAlgorithm:
        identity = content_hash(memoryview(data), algorithm)
        assert hash_matches(data, identity)
        assert not hash_matches(data + b"\n", identity)


@pytest.mark.parametrize("identity", [hashlib.sha256(b"").hexdigest(), "md5:abc"])
def test_untagged_or_unknown_identities_are_refused(identity: str) -> None:
    with pytest.raises(ValueError):
        algorithm_of(identity)
