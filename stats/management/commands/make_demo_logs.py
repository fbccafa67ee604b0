"""manage.py make_demo_logs --output DIR [--lines N] [--seed S] [--gzip] [--files K] ..."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.demo.logs import DemoLogOptions, write_demo_logs


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--start: expected YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = (
        "Write realistic Bioconductor-style access logs (Apache combined format) from the "
        "shipped manifest: deterministic for a seed, one file per month unless --files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="Folder to write into")
        parser.add_argument("--lines", type=int, default=200_000, help="Total lines (200000)")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1)")
        parser.add_argument("--gzip", action="store_true", help="Write .log.gz files")
        parser.add_argument(
            "--files", type=int, default=None, help="K files of equal size (default: per month)"
        )
        parser.add_argument("--start", default="2024-01-01", help="First day (2024-01-01)")
        parser.add_argument("--months", type=int, default=12, help="Months covered (12)")
        parser.add_argument(
            "--utc-offset", default="+0000", help="Offset printed in timestamps (+0000)"
        )
        parser.add_argument(
            "--manifest", type=Path, default=None, help="Manifest CSV (default: the shipped one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            demo = DemoLogOptions(
                lines=options["lines"],
                seed=options["seed"],
                start=_day(options["start"]),
                months=options["months"],
                files=options["files"],
                gzip=options["gzip"],
                utc_offset=options["utc_offset"],
                manifest=options["manifest"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if demo.manifest is not None and not demo.manifest.is_file():
            raise CommandError(f"--manifest: no such file {demo.manifest}")
        began = time.perf_counter()
        try:
            result = write_demo_logs(options["output"], demo)
        except OSError as exc:
            raise CommandError(f"cannot write to {options['output']}: {exc}") from None
        for path in result.files:
            self.stdout.write(str(path))
        seconds = time.perf_counter() - began
        self.stderr.write(
            f"{result.lines:,} lines in {len(result.files)} files, {seconds:.1f} s "
            f"({result.downloads:,} counted downloads by non-bots, "
            f"{result.malformed:,} malformed lines)"
        )
