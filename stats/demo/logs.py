"""Deterministic, realistic Bioconductor-style access logs for demos, tests and benchmarks.

Pure Python (no Django). ``write_demo_logs`` writes N lines of Apache combined format
across several months, split per month or into K equal files, plain or gzipped; the same
options and seed give byte-identical files. Timestamps are rendered from precomputed
pieces (no strftime per line), which keeps 1,000,000 lines to a few seconds.
"""

from __future__ import annotations

import calendar
import gc
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from stats.demo.catalog import Catalog
from stats.demo.clients import make_pools
from stats.demo.manifest import read_manifest
from stats.demo.sink import LogSink
from stats.demo.traffic import Kind, LineFactory

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MINUTE_SECOND = [f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)]
# Relative traffic per hour of the day (local time of the log), and on weekends.
HOURLY = (
    0.45, 0.38, 0.34, 0.33, 0.35, 0.42, 0.55, 0.72, 0.92, 1.10, 1.25, 1.32,
    1.35, 1.42, 1.50, 1.52, 1.45, 1.35, 1.20, 1.05, 0.92, 0.80, 0.66, 0.53,
)  # fmt: skip
WEEKEND = 0.6


@dataclass(frozen=True, slots=True)
class DemoLogOptions:
    """What to generate; ``files=None`` writes one file per calendar month."""

    lines: int = 200_000
    seed: int = 1
    start: date = date(2024, 1, 1)
    months: int = 12
    days: int | None = None
    """When set, the logs span this many days from ``start`` instead of ``months``."""
    files: int | None = None
    gzip: bool = False
    utc_offset: str = "+0000"
    manifest: Path | None = None

    def __post_init__(self) -> None:
        if self.lines < 0:
            raise ValueError("lines must be >= 0")
        if self.months < 1:
            raise ValueError("months must be >= 1")
        if self.days is not None and self.days < 1:
            raise ValueError("days must be >= 1")
        if self.files is not None and self.files < 1:
            raise ValueError("files must be >= 1")
        offset = self.utc_offset
        if len(offset) != 5 or offset[0] not in "+-" or not offset[1:].isdigit():
            raise ValueError("utc_offset must look like +0000 or -0800")


@dataclass(slots=True)
class DemoLogResult:
    """Files written and the ground truth of what they contain.

    Download counts follow the Bioconductor rules: GET, status 200/301/302/307/308, path
    matching the download regex. ``downloads``: manifest package in its own category, agent
    not a bot (R and r-curl/httr agents are not bots); ``bot_downloads``: the same by bots;
    ``unknown_downloads``/``bot_unknown``: name or category not in the manifest;
    ``head_downloads``: HEAD requests of manifest package files (never counted).
    """

    files: list[Path] = field(default_factory=list)
    lines: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    downloads: int = 0
    bot_downloads: int = 0
    head_downloads: int = 0
    unknown_downloads: int = 0
    bot_unknown: int = 0

    @property
    def malformed(self) -> int:
        return self.kinds.get(Kind.MALFORMED.value, 0)


def end_date(start: date, months: int) -> date:
    """The first day after ``months`` calendar months from ``start``."""
    year, month0 = divmod(start.month - 1 + months, 12)
    day = min(start.day, calendar.monthrange(start.year + year, month0 + 1)[1])
    return date(start.year + year, month0 + 1, day)


def hour_counts(rng: random.Random, start: date, days: int, lines: int) -> list[int]:
    """Lines per hour over ``days`` days: daily rhythm, quieter weekends, slow growth."""
    cumulative: list[float] = []
    total = 0.0
    for offset in range(days):
        day = start + timedelta(days=offset)
        level = (WEEKEND if day.weekday() >= 5 else 1.0) * (0.85 + 0.3 * rng.random())
        level *= 1.0 + 0.15 * offset / max(days, 1)
        for weight in HOURLY:
            total += weight * level
            cumulative.append(total)
    counts, previous = [], 0
    for value in cumulative:
        upto = min(lines, int(lines * value / total))
        counts.append(upto - previous)
        previous = upto
    counts[-1] += lines - previous
    return counts


def _generate(options: DemoLogOptions) -> tuple[Iterator[tuple[date, list[str]]], LineFactory]:
    rng = random.Random(options.seed)
    catalog = Catalog.build(read_manifest(options.manifest), rng)
    factory = LineFactory(rng, catalog, make_pools(rng, options.lines))
    days = options.days or (end_date(options.start, options.months) - options.start).days
    counts = hour_counts(rng, options.start, days, options.lines)

    def hours() -> Iterator[tuple[date, list[str]]]:
        suffix = " " + options.utc_offset
        for index, count in enumerate(counts):
            day_number, hour = divmod(index, 24)
            day = options.start + timedelta(days=day_number)
            if hour == 0:
                factory.set_day(day)
            if not count:
                yield day, []
                continue
            prefix = f"{day.day:02d}/{MONTHS[day.month - 1]}/{day.year}:{hour:02d}:"
            seconds = sorted(int(rng.random() * 3600) for _ in range(count))
            yield day, factory.lines([prefix + MINUTE_SECOND[s] + suffix for s in seconds])

    return hours(), factory


def iter_demo_lines(options: DemoLogOptions) -> Iterator[str]:
    """All lines in order (newline included), as the files would hold them end to end."""
    hours, _ = _generate(options)
    for _, lines in hours:
        yield from lines


def write_demo_logs(directory: Path | str, options: DemoLogOptions) -> DemoLogResult:
    """Write the demo logs into ``directory`` (created if missing); return files and truth."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    hours, factory = _generate(options)
    sink = LogSink(out, lines=options.lines, files=options.files, compress=options.gzip)
    # The loop makes no reference cycles; pausing the cyclic GC saves it from rescanning
    # the large client pools and caches again and again (about 10% of the run time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for day, lines in hours:
            sink.add(day, lines)
    finally:
        if collecting:
            gc.enable()
        sink.finish()
    return DemoLogResult(
        files=sink.paths,
        lines=sink.written,
        kinds={kind.value: n for kind, n in factory.counts.items()},
        downloads=factory.downloads,
        bot_downloads=factory.bot_downloads,
        head_downloads=factory.head_downloads,
        unknown_downloads=factory.unknown_downloads,
        bot_unknown=factory.bot_unknown,
    )
