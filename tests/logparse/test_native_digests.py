"""The C HMAC-SHA256 that keys client addresses equals Python's hmac, byte for byte."""

from __future__ import annotations

import ctypes
import hmac
import platform
import random
from collections.abc import Iterator

import pytest

from stats.logparse.native.build import load_library


@pytest.fixture(params=["SHA extensions", "portable"], autouse=True)
def compression(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test with the CPU's SHA extensions (where it has them) and without."""
    library = load_library()
    library.hmac_sha256_use_sha_ni(ctypes.c_int64(request.param == "SHA extensions"))
    yield request.param
    library.hmac_sha256_use_sha_ni(ctypes.c_int64(1))


def test_the_sha_extensions_are_used_where_the_cpu_has_them(compression: str) -> None:
    with open("/proc/cpuinfo") as info:
        has_them = " sha_ni" in info.read() and platform.machine() == "x86_64"
    used = load_library().hmac_sha256_use_sha_ni(ctypes.c_int64(compression != "portable"))
    assert used == (has_them and compression != "portable")


def _c_hmac(key: bytes, message: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    load_library().hmac_sha256_once(
        key, ctypes.c_int64(len(key)), message, ctypes.c_int64(len(message)), out
    )
    return out.raw


def test_rfc_4231_vectors() -> None:
    assert _c_hmac(b"\x0b" * 20, b"Hi There").hex() == (
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    )
    assert _c_hmac(b"Jefe", b"what do ya want for nothing?").hex() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
    long_key = _c_hmac(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First")
    assert long_key.hex() == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"


def test_every_key_and_message_length_around_the_block_size() -> None:
    rng = random.Random(5)
    for key_length in (0, 1, 16, 32, 55, 56, 63, 64, 65, 128, 200):
        for length in (*range(0, 130), 255, 256, 1000):
            key = rng.randbytes(key_length)
            message = rng.randbytes(length)
            assert _c_hmac(key, message) == hmac.digest(key, message, "sha256"), (
                key_length,
                length,
            )
