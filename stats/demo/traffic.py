"""One demo log line at a time: what is requested, by whom, and with which answer.

The mix (``MIX``) and the rates below are the documented ground truth of the demo logs;
``LineFactory`` also counts what it wrote so tests and benchmarks can compare.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from datetime import date
from enum import StrEnum
from itertools import accumulate

from stats.demo import vocab
from stats.demo.catalog import Catalog, ReleaseState, release_state
from stats.demo.clients import Client, ClientPool, Role
from stats.demo.manifest import CATEGORY_PATHS, version_label


class Kind(StrEnum):
    """What a line is; its share of all lines is in MIX."""

    DOWNLOAD = "download"
    UNKNOWN = "unknown_package"
    INDEX = "index"
    PACKAGE_PAGE = "package_page"
    PAGE = "page"
    ASSET = "asset"
    NOT_FOUND = "not_found"
    HEAD = "head"
    MALFORMED = "malformed"


# Lines per 10,000 of each kind (expected shares; the draws are random).
MIX: dict[Kind, int] = {
    Kind.DOWNLOAD: 4300,
    Kind.UNKNOWN: 80,
    Kind.INDEX: 900,
    Kind.PACKAGE_PAGE: 1500,
    Kind.PAGE: 700,
    Kind.ASSET: 2060,
    Kind.NOT_FOUND: 300,
    Kind.HEAD: 150,
    Kind.MALFORMED: 10,
}
MALFORMED_RATE = MIX[Kind.MALFORMED] / 10_000

# Who sends each kind of request, by weight.
SENDERS: dict[Kind, tuple[tuple[Role, int], ...]] = {
    Kind.DOWNLOAD: ((Role.R, 80), (Role.TOOL, 8), (Role.BROWSER, 9), (Role.BOT, 3)),
    Kind.UNKNOWN: ((Role.R, 85), (Role.BROWSER, 10), (Role.BOT, 5)),
    Kind.INDEX: ((Role.R, 90), (Role.TOOL, 8), (Role.BOT, 2)),
    Kind.PACKAGE_PAGE: ((Role.BROWSER, 55), (Role.BOT, 45)),
    Kind.PAGE: ((Role.BROWSER, 60), (Role.BOT, 40)),
    Kind.ASSET: ((Role.BROWSER, 1),),
    Kind.NOT_FOUND: ((Role.BOT, 60), (Role.BROWSER, 40)),
    Kind.HEAD: ((Role.BOT, 50), (Role.R, 30), (Role.TOOL, 20)),
    Kind.MALFORMED: ((Role.R, 50), (Role.BROWSER, 50)),
}

# Statuses of package file requests: (status, weight); redirects count as downloads.
DOWNLOAD_STATUSES: tuple[tuple[int, int], ...] = (
    (200, 905),
    (206, 20),
    (304, 15),
    (302, 20),
    (301, 5),
    (404, 30),
    (500, 5),
)
COUNTED_STATUSES = frozenset({200, 301, 302, 307, 308})
# An R install fetches a package and its dependencies: this share of R downloads starts
# a burst of on average BURST_MEAN more downloads by the same client.
BURST_SHARE = 0.1
BURST_MEAN = 6
JUNK = ("-", "Connection reset by peer", "GET / HTTP/1.1", "\\x16\\x03\\x01\\x02\\x00\\x01")


class _Table:
    """Values with cumulative weights, drawn with one random() and one bisect."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs: tuple[tuple[object, int], ...] | list[tuple[object, int]]):
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> object:
        return self.values[bisect(self.cum, rng.random() * self.total)]


class LineFactory:
    """Renders lines for a timestamp; counts kinds and the downloads that should count."""

    def __init__(self, rng: random.Random, catalog: Catalog, pools: dict[Role, ClientPool]) -> None:
        self.rng = rng
        self.catalog = catalog
        self.pools = pools
        self.counts: Counter[Kind] = Counter(dict.fromkeys(Kind, 0))
        self.downloads = 0  # GET, counted status, manifest package, not a bot
        self.bot_downloads = 0  # the same, sent by a bot
        self.head_downloads = 0  # HEAD on a manifest package file
        self.unknown_downloads = 0  # GET, counted status, name/category not in manifest
        self.bot_unknown = 0  # the same, sent by a bot
        self._burst_client: Client | None = None
        self._burst_left = 0
        self._kind_table = [kind for kind, weight in MIX.items() for _ in range(weight)]
        self._status_table = [code for code, weight in DOWNLOAD_STATUSES for _ in range(weight)]
        self._paths = catalog.paths
        self._packages = catalog.stream(rng)
        self._render = {
            Kind.DOWNLOAD: self._download,
            Kind.UNKNOWN: self._unknown,
            Kind.INDEX: self._index,
            Kind.PACKAGE_PAGE: self._package_page,
            Kind.PAGE: self._page,
            Kind.ASSET: self._asset,
            Kind.NOT_FOUND: self._not_found,
            Kind.HEAD: self._head,
            Kind.MALFORMED: self._malformed,
        }
        streams = {role: pool.stream(rng) for role, pool in pools.items()}
        # Per kind, one client stream per unit of role weight: a draw is an index and a next().
        self._senders = {
            kind: [streams[role] for role, weight in pairs for _ in range(weight)]
            for kind, pairs in SENDERS.items()
        }
        self._downloaders = self._senders[Kind.DOWNLOAD]
        self._referers = _Table(vocab.REFERERS)
        self._pages = _Table(vocab.SITE_PAGES)
        self._assets = _Table([((path, size), w) for path, w, size in vocab.ASSETS])
        self._not_found = _Table(vocab.NOT_FOUND)
        manifest = {p.name for p in catalog.packages}
        self._unknown_names = [n for n in vocab.UNKNOWN_NAMES if n not in manifest]
        self._categories = list(CATEGORY_PATHS.items())
        for pool in pools.values():
            for client in pool.clients:
                client.tail = f'"-" "{client.agent}"\n'
        self.state: ReleaseState = release_state(date(2024, 1, 1))
        self._r_view: dict[tuple[str, str], tuple[int, str, bool, str]] = {}
        self.set_day(date(2024, 1, 1))

    def set_day(self, day: date) -> None:
        """Releases and R versions in force on ``day`` (their URLs and user agents)."""
        self.state = state = release_state(day)
        self._label = version_label(state.release)
        self._r_minor = state.by_mode["latest"][1]
        self._r_view = {}
        for mode, (release, minor) in state.by_mode.items():
            for os_key, _, triple in vocab.R_PLATFORMS:
                agent = f"R ({vocab.R_PATCH.get(minor, minor + '.0')} {triple})"
                tail = f'"-" "{agent}"\n'
                self._r_view[(mode, os_key)] = (release, minor, mode == "devel", tail)

    def lines(self, stamps: list[str]) -> list[str]:
        """Complete lines (newline included) for stamps like '01/Jan/2024:00:00:05 +0000'."""
        kinds = self.rng.choices(self._kind_table, k=len(stamps))
        self.counts.update(kinds)
        render = self._render
        return [render[kind](stamp) for kind, stamp in zip(kinds, stamps, strict=True)]  # type: ignore[index]

    def _client(self, kind: Kind) -> Client:
        """A client sending this kind of request: a role by weight, then Zipf in the role."""
        streams = self._senders[kind]
        return next(streams[int(self.rng.random() * len(streams))])

    def _file(self, client: Client, pkg: int) -> tuple[str, int, str]:
        """Path, size and tail of a package file as this client would fetch it today."""
        if client.role is Role.R:
            release, minor, devel, tail = self._r_view[client.setup]
            path, size, _ = self.catalog.download(pkg, release, minor, client.os, devel)
            return path, size, tail
        path, size, _ = self.catalog.download(pkg, self.state.release, self._r_minor, "src", False)
        if client.role is Role.BROWSER:  # links on package pages use the release alias
            path = path.replace(f"/packages/{self._label}/", "/packages/release/", 1)
            return path, size, f'"https://bioconductor.org/" "{client.agent}"\n'
        return path, size, client.tail

    def _download(self, stamp: str, count: bool = True) -> str:
        if self._burst_left and count and self._burst_client is not None:  # its dependencies
            self._burst_left -= 1
            client = self._burst_client
        else:
            streams = self._downloaders
            client = next(streams[int(self.rng.random() * len(streams))])
            if client.role is Role.R and self.rng.random() < BURST_SHARE:
                self._burst_client = client
                self._burst_left = int(self.rng.random() * 2 * BURST_MEAN)
        pkg = next(self._packages)
        if client.role is Role.R:
            release, minor, devel, tail = self._r_view[client.setup]
            key = (pkg, release, minor, client.os, devel)
            path, size, _ = self._paths.get(key) or self.catalog.download(*key)
        else:
            path, size, tail = self._file(client, pkg)
        status = self._status_table[int(self.rng.random() * 1000)]
        if status == 200:
            sent = str(size)
        elif status == 206:
            sent = str(size // 3)
        elif status in (301, 302):
            sent = "239"
        elif status == 304:
            sent = "-"
        else:
            sent = "196"
        if count and status in COUNTED_STATUSES:
            if client.role is Role.BOT:
                self.bot_downloads += 1
            else:
                self.downloads += 1
        return f'{client.prefix}{stamp}] "GET {path} HTTP/1.1" {status} {sent} {tail}'

    def _unknown(self, stamp: str) -> str:
        client = self._client(Kind.UNKNOWN)
        role = client.role
        rng = self.rng
        if rng.random() < 0.75 and self._unknown_names:
            name = self._unknown_names[int(rng.random() * len(self._unknown_names))]
            where = "bioc"
        else:  # a manifest package under another category's path
            package = self.catalog.packages[next(self._packages)]
            name = package.name
            others = [path for cat, path in self._categories if cat != package.category]
            where = others[int(rng.random() * len(others))]
        status = 200 if rng.random() < 0.85 else 404
        if status == 200:
            if role is Role.BOT:
                self.bot_unknown += 1
            else:
                self.unknown_downloads += 1
        label, tail = self._label, client.tail
        if role is Role.R:
            release, _, _, tail = self._r_view[client.setup]
            label = version_label(release)
        path = f"/packages/{label}/{where}/src/contrib/{name}_1.0.{int(rng.random() * 5)}.tar.gz"
        sent = "48213" if status == 200 else "196"
        return f'{client.prefix}{stamp}] "GET {path} HTTP/1.1" {status} {sent} {tail}'

    def _index(self, stamp: str) -> str:
        client = self._client(Kind.INDEX)
        role = client.role
        rng = self.rng
        if rng.random() < 0.2:
            path = "/config.yaml"  # BiocManager reads it before every install
        else:
            cat = self._categories[int(rng.random() * 4)][1] if rng.random() < 0.5 else "bioc"
            where = "src/contrib"
            if client.os == "windows" and cat == "bioc":
                where = f"bin/windows/contrib/{self._r_minor}"
            path = f"/packages/{self._label}/{cat}/{where}/PACKAGES.rds"
        tail = client.tail if role is not Role.R else self._r_view[client.setup][3]
        status, sent = (304, "-") if rng.random() < 0.1 else (200, "301842")
        return f'{client.prefix}{stamp}] "GET {path} HTTP/1.1" {status} {sent} {tail}'

    def _package_path(self) -> tuple[str, int]:
        package = self.catalog.packages[next(self._packages)]
        cat, name = CATEGORY_PATHS[package.category], package.name
        r = self.rng.random()
        if r < 0.65:
            return f"/packages/release/{cat}/html/{name}.html", 200
        if r < 0.75:
            return f"/packages/{self._label}/{cat}/html/{name}.html", 200
        if r < 0.85:
            return f"/packages/devel/{cat}/html/{name}.html", 200
        if r < 0.93:
            return f"/packages/release/{cat}/vignettes/{name}/inst/doc/{name}.html", 200
        if r < 0.96:
            return f"/packages/release/{cat}/manuals/{name}/man/{name}.pdf", 200
        return f"/packages/{name}/", 301

    def _package_page(self, stamp: str) -> str:
        client = self._client(Kind.PACKAGE_PAGE)
        role = client.role
        path, status = self._package_path()
        sent = "31337" if status == 200 else "262"
        if role is Role.BROWSER:
            if status == 200 and self.rng.random() < 0.08:
                status, sent = 304, "-"
            tail = f'"{self._referers.draw(self.rng)}" "{client.agent}"\n'
        else:
            tail = client.tail
        return f'{client.prefix}{stamp}] "GET {path} HTTP/1.1" {status} {sent} {tail}'

    def _page(self, stamp: str) -> str:
        client = self._client(Kind.PAGE)
        role = client.role
        path = self._pages.draw(self.rng)
        status, sent = 200, "18412"
        if role is Role.BROWSER and self.rng.random() < 0.1:
            status, sent = 304, "-"
        return f'{client.prefix}{stamp}] "GET {path} HTTP/1.1" {status} {sent} {client.tail}'

    def _asset(self, stamp: str) -> str:
        client = self._client(Kind.ASSET)
        path, size = self._assets.draw(self.rng)  # type: ignore[misc]
        if "{pkg}" in path:
            path = path.replace("{pkg}", self.catalog.packages[next(self._packages)].name)
        r = self.rng.random()
        status, sent = (200, str(size)) if r < 0.68 else (304, "-") if r < 0.98 else (404, "196")
        tail = f'"https://bioconductor.org/" "{client.agent}"\n'
        return f'{client.prefix}{stamp}] "GET {path} HTTP/2.0" {status} {sent} {tail}'

    def _not_found(self, stamp: str) -> str:
        client = self._client(Kind.NOT_FOUND)
        if self.rng.random() < 0.04:
            return f'{client.prefix}{stamp}] {vocab.ODDITIES[self.rng.random() < 0.5]} "-" "-"\n'
        request = self._not_found.draw(self.rng)
        return f'{client.prefix}{stamp}] "{request}" 404 196 {client.tail}'

    def _head(self, stamp: str) -> str:
        client = self._client(Kind.HEAD)
        role = client.role
        if role is Role.BOT:
            path = "/" if self.rng.random() < 0.5 else self._package_path()[0]
            tail = client.tail
        else:
            path, _, tail = self._file(client, next(self._packages))
            self.head_downloads += 1
        return f'{client.prefix}{stamp}] "HEAD {path} HTTP/1.1" 200 - {tail}'

    def _malformed(self, stamp: str) -> str:
        """A line no log format accepts: cut inside the agent, a fragment, or junk."""
        rng = self.rng
        base = (self._download(stamp, count=False) if rng.random() < 0.5 else
                self._page(stamp)).rstrip("\n")  # fmt: skip
        r = rng.random()
        if r < 0.6:  # cut off inside the user agent, like a truncated write
            opening = base.rfind('"', 0, len(base) - 1)
            cut = opening + 1 + int(rng.random() * (len(base) - opening - 2))
            return base[:cut] + "\n"
        if r < 0.8:  # the second half of a line broken by a stray newline
            return base[base.index('"') + 1 :] + "\n"
        if r < 0.9:  # an error-log line written into the access log
            return f"[{stamp}] [core:error] [pid 4242] AH00128: File does not exist\n"
        return JUNK[int(rng.random() * len(JUNK))] + "\n"
