"""Compile the C sources (scan.c, count.c, hmac_sha256.c, roaring.c, string_map.c) once
per machine; load them with ctypes.

The library is built on first use with the system C compiler (``cc``; Debian's ``gcc``
package) into ``_build/`` beside the source, or into ``~/.cache/stats-platform`` when the
checkout is read-only, under a name that carries the source's hash: an edited source is
rebuilt, and processes that start at once each build to their own temporary file and
rename it into place. No compiler means no library, and the parser uses its polars path.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

_HERE = Path(__file__).parent
SOURCES = (
    _HERE / "scan.c",
    _HERE / "count.c",
    _HERE / "hmac_sha256.c",
    _HERE / "roaring.c",
    _HERE / "string_map.c",
)
HEADERS = (_HERE / "hash_bytes.h", _HERE / "hmac_sha256.h", _HERE / "line_format.h")
FLAGS = ("-O2", "-shared", "-fPIC", "-std=c11", "-Wall")


class NativeScannerUnavailable(RuntimeError):
    """The C scanner could not be built or loaded here (the message says why)."""


def _build_dirs() -> list[Path]:
    return [_HERE / "_build", Path.home() / ".cache" / "stats-platform" / "native"]


def library_name() -> str:
    sources = b"".join(source.read_bytes() for source in (*SOURCES, *HEADERS))
    digest = hashlib.sha256(sources + " ".join(FLAGS).encode()).hexdigest()[:16]
    return f"scan-{digest}.so"


def _compile(target: Path) -> None:
    wanted = os.environ.get("CC")
    compiler = shutil.which(wanted) if wanted else shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise NativeScannerUnavailable(f"no C compiler ({wanted or 'cc'}) found; install gcc")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".so.tmp")
    os.close(handle)
    try:
        done = subprocess.run(
            [compiler, *FLAGS, "-o", temporary, *map(str, SOURCES)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            name = Path(compiler).name
            raise NativeScannerUnavailable(f"{name} failed: {done.stderr.strip()[:2000]}")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _built_library() -> Path:
    name = library_name()
    for folder in _build_dirs():
        if (folder / name).is_file():
            return folder / name
    errors: list[str] = []
    for folder in _build_dirs():
        try:
            _compile(folder / name)
        except OSError as exc:  # read-only or missing folder: try the next one
            errors.append(f"{folder}: {exc}")
            continue
        logger.info("built the native log scanner in %s", folder / name)
        return folder / name
    raise NativeScannerUnavailable("; ".join(errors))


@lru_cache(maxsize=1)
def _load() -> ctypes.CDLL | NativeScannerUnavailable:
    """Built and loaded once per process; a failure is remembered, not retried per shard."""
    try:
        path = _built_library()
    except NativeScannerUnavailable as exc:
        return exc
    try:
        library = ctypes.CDLL(str(path))
    except OSError as exc:
        return NativeScannerUnavailable(f"cannot load {path}: {exc}")
    return with_result_types(library)


def with_result_types(library: ctypes.CDLL) -> ctypes.CDLL:
    """Declare the functions' int64 results (ctypes assumes a C int otherwise)."""
    for name in (
        "scan_lines",
        "count_downloads",
        "encode_bitmaps",
        "bitmap_container_bytes",
        "hmac_sha256_use_sha_ni",
        "string_map_len",
        "string_map_put",
    ):
        getattr(library, name).restype = ctypes.c_int64
    library.string_map_new.restype = ctypes.c_void_p
    return library


def load_library() -> ctypes.CDLL:
    """The scanner library, built if needed; raises NativeScannerUnavailable."""
    loaded = _load()
    if isinstance(loaded, NativeScannerUnavailable):
        raise loaded
    return loaded


def native_available() -> bool:
    """True when the scanner can be used here (building it if needed)."""
    try:
        load_library()
    except NativeScannerUnavailable as exc:
        _warn_once(str(exc))
        return False
    return True


@lru_cache(maxsize=1)
def _warn_once(reason: str) -> None:
    logger.warning("native log scanner unavailable, using the polars path: %s", reason)
