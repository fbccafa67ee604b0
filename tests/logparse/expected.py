"""Independent expectations: plain Python regexes over the raw lines, no polars.

Bot decisions use the same pure BotDetector (tested on its own); everything else
(format check, request split, status/method filter, days in the timezone, distinct
clients) is computed here without the parser's code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from stats.logparse.bots import BotDetector

# The check regex of shared/data/logs/SOURCES.md, escapes allowed, trailing space allowed.
STRICT = re.compile(
    r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)'
    r'(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?\s*$'
)


@dataclass
class Expected:
    lines: int = 0
    malformed: int = 0
    downloads: int = 0
    bots: int = 0
    unknown: int = 0
    per_day: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))
    clients: dict[tuple[str, date], set[str]] = field(default_factory=lambda: defaultdict(set))


def expected_counts(
    text: str,
    *,
    path_regex: str,
    statuses: set[int],
    methods: set[str],
    manifest: set[str],
    timezone: str = "UTC",
) -> Expected:
    rule = re.compile(path_regex)
    zone = ZoneInfo(timezone)
    bots = BotDetector()
    out = Expected()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        out.lines += 1
        m = STRICT.match(line)
        if not m:
            out.malformed += 1
            continue
        host, when, request, status, agent = (
            m.group(1),
            m.group(4),
            m.group(5),
            m.group(6),
            m.group(9),
        )
        parts = request.split(" ")
        if len(parts) < 2 or int(status) not in statuses or parts[0] not in methods:
            continue
        path = parts[1].split("?")[0].split("#")[0]
        d = rule.match(path)
        if not d or not d.group("package"):
            continue
        if bots.is_bot(agent):
            out.bots += 1
            continue
        name = d.group("package")
        if name not in manifest:
            out.unknown += 1
            continue
        day = datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z").astimezone(zone).date()
        out.downloads += 1
        out.per_day[(name, day)] += 1
        out.clients[(name, day)].add(host)
    return out
