"""Bots and crawlers: a maintained list (crawlerdetect) plus a registry's own patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from crawlerdetect import CrawlerDetect

# Clients of scientific package managers that generic lists sometimes flag, but that
# are real installs (R, BiocManager, pip, conda, nextflow pulling pipelines).
_PACKAGE_MANAGER_AGENTS = re.compile(
    r"^(R \(|libcurl/|r-curl/|curl/|Wget/|pip/|conda/|Nextflow/|BiocManager)", re.IGNORECASE
)


_AGENTS_KEPT = 200_000
AGENT_CHARS_JUDGED = 1024
"""crawlerdetect's patterns take time growing with the square of an agent's length (0.8 s
at 4 KiB, ~200 s at 64 KiB): only this head of an agent is judged. Real agents are
shorter, and crawlers name themselves early."""
_DETECTORS_KEPT = 16
_DETECTORS: dict[tuple[str, ...], BotDetector] = {}


@lru_cache(maxsize=1)
def _detector() -> CrawlerDetect:
    return CrawlerDetect()


def bot_detector(extra_patterns: tuple[str, ...]) -> BotDetector:
    """The process's detector for these curator patterns, so verdicts outlive one shard:
    crawlerdetect takes ~0.4 ms per user agent, and a log's agents repeat in every shard."""
    detector = _DETECTORS.get(extra_patterns)
    if detector is None:
        if len(_DETECTORS) >= _DETECTORS_KEPT:
            _DETECTORS.clear()
        detector = _DETECTORS[extra_patterns] = BotDetector(extra_patterns)
    return detector


class BotDetector:
    """Decides, per distinct user agent, whether it is a bot; cached per agent."""

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        patterns = [p for p in extra_patterns if p]
        self._extra = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self._cache: dict[str, bool] = {}

    def is_bot(self, agent: str | None) -> bool:
        if not agent or agent == "-":
            return False
        cached = self._cache.get(agent)
        if cached is None:
            cached = self._decide(agent)
            if len(self._cache) >= _AGENTS_KEPT:
                self._cache.clear()  # memory stays bounded over long runs
            self._cache[agent] = cached
        return cached

    def _decide(self, agent: str) -> bool:
        agent = agent[:AGENT_CHARS_JUDGED]
        if self._extra is not None and self._extra.search(agent):
            return True
        if _PACKAGE_MANAGER_AGENTS.search(agent):
            return False
        return bool(_detector().isCrawler(agent))
