"""manage.py ingest_logs --registry NAME PATH...: access logs to package downloads."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stats.models import Registry
from stats.services.ingestion import IngestSummary, expand_paths, ingest_log_files

_JSON_KEYS = ("lines", "malformed", "downloads", "bots", "unknown", "skipped_segments")


class Command(BaseCommand):
    help = "Ingest access logs (plain or .gz, globs allowed); rerunning never double-counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--registry", required=True)
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registry = Registry.objects.get(name=options["registry"])
        except Registry.DoesNotExist:
            raise CommandError(f"unknown registry {options['registry']!r}") from None
        paths = expand_paths(options["paths"])
        started = time.perf_counter()
        if options["json"]:
            summary = ingest_log_files(registry=registry, paths=paths)
        else:
            summary = self._with_progress(registry, paths)
        elapsed = time.perf_counter() - started
        if options["json"]:
            payload = {key: getattr(summary, key) for key in _JSON_KEYS}
            payload.update(
                mirror_downloads=summary.mirror_downloads,
                segments=summary.segments,
                partial_segments=summary.partial_segments,
                files=summary.files,
                errors=summary.errors,
                seconds=round(elapsed, 3),
            )
            self.stdout.write(json.dumps(payload))
        else:
            self._print_table(summary, elapsed)
        if summary.nothing_read:
            raise CommandError("nothing could be read: " + "; ".join(summary.errors))

    def _with_progress(self, registry: Registry, paths: list[Path]) -> IngestSummary:
        console = Console(stderr=True)
        started = time.perf_counter()
        with Progress(
            TextColumn("[bold]ingesting"),
            BarColumn(),
            TextColumn("{task.fields[lines]:,} lines  {task.fields[rate]:,.0f} lines/s"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("ingest", total=None, lines=0, rate=0.0)

            def on_progress(done_bytes: int, done_lines: int) -> None:
                rate = done_lines / max(time.perf_counter() - started, 1e-9)
                progress.update(task, completed=done_bytes, lines=done_lines, rate=rate)

            return ingest_log_files(registry=registry, paths=paths, on_progress=on_progress)

    def _print_table(self, summary: IngestSummary, elapsed: float) -> None:
        table = Table(title="Ingestion summary")
        table.add_column("what")
        table.add_column("count", justify="right")
        rows = [
            ("files", summary.files),
            ("lines", summary.lines),
            ("malformed lines", summary.malformed),
            ("downloads added", summary.downloads),
            ("mirror downloads (not users)", summary.mirror_downloads),
            ("bot downloads left out", summary.bots),
            ("unknown packages left out", summary.unknown),
            ("segments written", summary.segments),
            ("segments skipped (already done)", summary.skipped_segments),
            ("partial segments", summary.partial_segments),
        ]
        for label, value in rows:
            table.add_row(label, f"{value:,}")
        rate = summary.lines / elapsed if elapsed else 0
        table.caption = f"{elapsed:.2f} s, {rate:,.0f} lines/s"
        Console(file=self.stdout).print(table)
        for error in summary.errors:
            self.stderr.write(f"warning: {error}")
