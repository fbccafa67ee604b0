"""Package popularity, versions, sizes and download URLs for the demo logs.

Everything that depends only on (package, release, platform) is computed once and cached,
so rendering a download line is a dictionary hit plus string concatenation.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from stats.demo import vocab
from stats.demo.manifest import CATEGORY_PATHS, ManifestPackage, version_label
from stats.demo.sampling import weighted_stream, zipf_weights

# Share of download draws that go to packages no longer in the current release.
INACTIVE_SHARE = 0.04
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 3  # flattens the very top a little: the first package is not 20% of all
SOURCE_ONLY = frozenset({"annotation", "experiment"})
MIB = 1024 * 1024
# Typical tarball sizes per category: (smallest, largest) in bytes.
SIZE_RANGES: dict[str, tuple[int, int]] = {
    "bioc": (60_000, 12 * MIB),
    "annotation": (400_000, 900 * MIB),
    "experiment": (300_000, 1200 * MIB),
    "workflows": (80_000, 8 * MIB),
}


def release_index(number: int) -> int:
    """Position of a release in the sequence 1.0..1.9, 2.0..2.14, 3.0..; for version bumps."""
    major, minor = divmod(number, 100)
    return {1: 0, 2: 10}.get(major, 25) + minor


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class ReleaseState:
    """What is current on one day: the release, devel, and the R minor each client uses."""

    release: int
    devel: int
    by_mode: dict[str, tuple[int, str]]  # RMode value -> (bioc release, R minor)


def release_state(day: date) -> ReleaseState:
    """The Bioconductor release and devel in force on ``day``, and each RMode's R/release."""
    out = [r for r in vocab.RELEASES if r.released <= day] or [vocab.RELEASES[0]]
    current = out[-1]
    later = [r for r in vocab.RELEASES if r.released > day]
    devel_r = later[0].r_minor if later else current.r_minor
    minors = sorted({r.r_minor for r in out})
    by_mode: dict[str, tuple[int, str]] = {"devel": (current.number + 1, devel_r)}
    for lag in range(4):
        minor = minors[max(0, len(minors) - 1 - lag)]
        newest = max(r.number for r in out if r.r_minor == minor)
        by_mode["latest" if lag == 0 else f"lag{lag}"] = (newest, minor)
    return ReleaseState(current.number, current.number + 1, by_mode)


@dataclass(slots=True)
class Catalog:
    """Packages with Zipf popularity and cached download paths and sizes."""

    packages: list[ManifestPackage]
    order: list[int]  # package indexes, most popular first, removed packages last
    weights: list[float]
    paths: dict[tuple[int, int, str, str, bool], tuple[str, int, str]] = field(default_factory=dict)
    _files: dict[tuple[int, int, bool], tuple[str, str, int, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, packages: list[ManifestPackage], rng: random.Random) -> Catalog:
        """Rank active packages: known popular ones first, the rest in a seeded order.

        Active packages get Zipf weights; removed ones share INACTIVE_SHARE evenly.
        """
        if not packages:
            raise ValueError("the manifest has no packages")
        index = {p.name: i for i, p in enumerate(packages)}
        top = [index[n] for n in vocab.POPULAR if n in index and packages[index[n]].active]
        pinned = set(top)
        rest = [i for i, p in enumerate(packages) if p.active and i not in pinned]
        rng.shuffle(rest)
        active = top + rest
        inactive = [i for i, p in enumerate(packages) if not p.active]
        if not active:
            active, inactive = inactive, []
        weights = zipf_weights(len(active), ZIPF_EXPONENT, ZIPF_OFFSET)
        if inactive:
            each = sum(weights) * INACTIVE_SHARE / (1 - INACTIVE_SHARE) / len(inactive)
            weights.extend([each] * len(inactive))
        return cls(packages, active + inactive, weights)

    def stream(self, rng: random.Random) -> Iterator[int]:
        """Endless package indexes to download, by popularity."""
        return weighted_stream(rng, self.order, self.weights)

    def download(
        self, pkg: int, release: int, r_minor: str, os_key: str, devel: bool
    ) -> tuple[str, int, str]:
        """(URL path, size in bytes, version) of a package file for a client platform."""
        key = (pkg, release, r_minor, os_key, devel)
        hit = self.paths.get(key)
        if hit is None:
            hit = self.paths[key] = self._make_download(*key)
        return hit

    def _make_download(
        self, pkg: int, release: int, r_minor: str, os_key: str, devel: bool
    ) -> tuple[str, int, str]:
        p = self.packages[pkg]
        wanted = release
        if p.last_version is not None:
            release = min(release, p.last_version)
        if p.first_version:
            release = max(release, p.first_version)
        if release != wanted:
            devel, os_key = False, "src"  # an old or future release: source tarball only
        key = (pkg, release, devel)
        known = self._files.get(key)
        if known is None:
            version = package_version(p, release, devel)
            low, high = SIZE_RANGES[p.category]
            size = low + (_crc(p.name + "size") % 1000) ** 3 * (high - low) // 1000**3
            base = f"/packages/{version_label(release)}/{CATEGORY_PATHS[p.category]}"
            known = self._files[key] = (base, f"{p.name}_{version}", size, version)
        base, stem, size, version = known
        if p.category in SOURCE_ONLY or os_key in ("src", "linux"):
            return f"{base}/src/contrib/{stem}.tar.gz", size, version
        size = size * 11 // 10
        if os_key == "windows":
            return f"{base}/bin/windows/contrib/{r_minor}/{stem}.zip", size, version
        if r_minor < "4.3":
            return f"{base}/bin/macosx/contrib/{r_minor}/{stem}.tgz", size, version
        arch = "big-sur-arm64" if os_key == "mac-arm64" else "big-sur-x86_64"
        return f"{base}/bin/macosx/{arch}/contrib/{r_minor}/{stem}.tgz", size, version


def package_version(package: ManifestPackage, release: int, devel: bool) -> str:
    """A Bioconductor-like version: the minor goes up by 2 each release, odd in devel."""
    patch = _crc(f"{package.name}@{release}") % 4
    if package.category == "annotation" and package.name.endswith(".db"):
        return f"3.{release % 100}.{patch}"
    major = (0, 1, 1, 1, 2, 3)[_crc(package.name) % 6]
    minor = 2 * max(0, release_index(release) - release_index(package.first_version or release))
    return f"{major}.{minor + (1 if devel else 0)}.{patch}"
