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


@lru_cache(maxsize=1)
def _detector() -> CrawlerDetect:
    return CrawlerDetect()


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
            self._cache[agent] = cached
        return cached

    def _decide(self, agent: str) -> bool:
        if self._extra is not None and self._extra.search(agent):
            return True
        if _PACKAGE_MANAGER_AGENTS.search(agent):
            return False
        return bool(_detector().isCrawler(agent))
