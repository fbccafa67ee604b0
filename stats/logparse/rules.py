"""Download-selection rules: which requests are downloads of which package.

A rule is a regex on the URI path with named groups ``package``, optional ``version``
and ``category``, plus the counted statuses and methods, the manifest of known
packages, and bot/mirror patterns. Pure data, picklable, sent to parser workers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

#: Bioconductor's selection regex (bio-web-stats), with the version made explicit.
#: Accepts exactly the paths of the original
#: ``^/+packages/+[^/]*/+(bioc|workflows|data/+experiment|data/+annotation)/+(?:bin|src)/+
#: (?:[^/]*/+)*([^_]*)_.*\.(?:tar|gz|zip|tgz)$``.
BIOCONDUCTOR_REGEX = (
    r"^/+packages/+[^/]*/+(?P<category>bioc|workflows|data/+experiment|data/+annotation)"
    r"/+(?:bin|src)/+(?:[^/]*/+)*(?P<package>[^_]*)_(?P<version>.*?)"
    r"\.(?:tar\.gz|tgz|tar|gz|zip)$"
)
BIOCONDUCTOR_STATUSES = (200, 301, 302, 307, 308)
BIOCONDUCTOR_METHODS = ("GET",)
BIOCONDUCTOR_PREFILTER = "/packages/"
BIOCONDUCTOR_SUFFIXES = (".gz", ".tgz", ".zip", ".tar")

_ALLOWED_GROUPS = {"package", "version", "category"}


def validate_download_regex(regex: str) -> None:
    """Raise ValueError with a message when the regex cannot serve as a download rule.

    It must compile both in Python and in the Rust engine the parser uses (no
    look-around, no back-references) and name a ``package`` group.
    """
    if not regex:
        raise ValueError("the download regex is empty")
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"invalid regex: {exc}") from None
    names = set(compiled.groupindex)
    if "package" not in names:
        raise ValueError("the regex needs a named group (?P<package>...)")
    unknown = names - _ALLOWED_GROUPS
    if unknown:
        raise ValueError(f"unknown named groups: {', '.join(sorted(unknown))}")
    try:
        pl.Series(["/"]).str.extract_groups(regex)
    except Exception as exc:  # noqa: BLE001 - polars raises its own ComputeError
        raise ValueError(f"regex not supported by the log parser (no look-around): {exc}") from None


def validate_patterns(patterns: list[str], what: str) -> None:
    """Raise ValueError naming the first pattern that does not compile."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid {what} pattern {pattern!r}: {exc}") from None


_META = set(".^$*+?{}[]\\|()")
_ESCAPED_LITERALS = set("./-_~:@%=&,;!")


def literal_prefix(regex: str) -> str | None:
    """The literal text every match of an anchored regex starts with, if 2+ characters.

    Lines whose path cannot contain it skip field extraction (a fast substring scan).
    """
    if not regex.startswith("^") or _has_top_level_alternation(regex):
        return None
    out: list[str] = []
    i = 1
    while i < len(regex):
        char = regex[i]
        if char == "\\" and i + 1 < len(regex) and regex[i + 1] in _ESCAPED_LITERALS:
            out.append(regex[i + 1])
            i += 2
            continue
        if char == "\\" or char in _META:
            break
        out.append(char)
        i += 1
    if i < len(regex) and regex[i] in "*?{" and out:
        out.pop()  # the last literal is optional or repeated
    return "".join(out) if len(out) >= 2 else None


def _has_top_level_alternation(regex: str) -> bool:
    depth = 0
    escaped = in_class = False
    for char in regex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def normalise_category(raw: str | None) -> str:
    """``data//experiment`` -> ``experiment``: the last path component of the group."""
    if not raw:
        return ""
    return raw.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DownloadRules:
    """Everything the parser needs to count a registry's downloads, as plain data."""

    download_regex: str
    statuses: frozenset[int]
    methods: frozenset[str]
    manifest: Mapping[str, str] = field(default_factory=dict)
    """Known package name -> its category ('' when the registry has no categories)."""
    timezone: str = "UTC"
    client_key: bytes = b""
    bot_patterns: tuple[str, ...] = ()
    mirror_patterns: tuple[str, ...] = ()
    prefilter: str | None = None
    """A literal every download line contains; lines without it skip full parsing."""
    prefilter_any: tuple[str, ...] = ()
    """Literals of which every download line contains at least one (e.g. suffixes)."""

    def __post_init__(self) -> None:
        validate_download_regex(self.download_regex)
        validate_patterns(list(self.bot_patterns), "bot")
        validate_patterns(list(self.mirror_patterns), "mirror")


def bioconductor_rules(
    *,
    manifest: Mapping[str, str],
    client_key: bytes,
    timezone: str = "UTC",
    bot_patterns: tuple[str, ...] = (),
    mirror_patterns: tuple[str, ...] = (),
) -> DownloadRules:
    """The built-in Bioconductor rule set of bio-web-stats."""
    return DownloadRules(
        download_regex=BIOCONDUCTOR_REGEX,
        statuses=frozenset(BIOCONDUCTOR_STATUSES),
        methods=frozenset(BIOCONDUCTOR_METHODS),
        manifest=manifest,
        timezone=timezone,
        client_key=client_key,
        bot_patterns=bot_patterns,
        mirror_patterns=mirror_patterns,
        prefilter=BIOCONDUCTOR_PREFILTER,
        prefilter_any=BIOCONDUCTOR_SUFFIXES,
    )
