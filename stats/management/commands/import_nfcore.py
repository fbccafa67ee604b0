"""manage.py import_nfcore --registry NAME [--pipelines F] [--stats F] [--prs-csv F] ..."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.models import Registry
from stats.services.legacy_import import (
    ImportResult,
    LegacyImportError,
    SeriesKind,
    pipelines_import,
    series_import,
    stats_import,
    twitter_import,
)


class Command(BaseCommand):
    help = (
        "Import nf-core's legacy community files (the website's pipelines.json, nf-core/stats "
        "JSON and CSV series); importing the same files twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--registry", required=True)
        parser.add_argument("--pipelines", type=Path, help="The website's pipelines.json")
        parser.add_argument("--stats", type=Path, help="Per-pipeline stats JSON")
        parser.add_argument("--prs-csv", type=Path, help="CSV: date,closed_merged,open")
        parser.add_argument(
            "--pipeline-numbers-csv", type=Path, help="CSV: date,in_development,released"
        )
        parser.add_argument("--twitter", type=Path, help="One account snapshot JSON")
        parser.add_argument(
            "--day",
            type=dt.date.fromisoformat,
            default=None,
            help="Day of the snapshots (YYYY-MM-DD); default: the file's time, else today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registry = Registry.objects.get(name=options["registry"])
        except Registry.DoesNotExist:
            raise CommandError(f"no registry named {options['registry']!r}") from None
        day = options["day"]
        steps = [
            ("pipelines", lambda p: pipelines_import(registry=registry, payload=_json(p), day=day)),
            ("stats", lambda p: stats_import(registry=registry, payload=_json(p), day=day)),
            ("prs_csv", lambda p: _series(registry, SeriesKind.GITHUB_PRS, p)),
            ("pipeline_numbers_csv", lambda p: _series(registry, SeriesKind.PIPELINE_NUMBERS, p)),
            ("twitter", lambda p: twitter_import(registry=registry, payload=_json(p))),
        ]
        if not any(options[name] for name, _ in steps):
            raise CommandError("nothing to import: give at least one file option")
        for name, run in steps:
            path = options[name]
            if path is None:
                continue
            try:
                result: ImportResult = run(path)
            except (LegacyImportError, OSError) as exc:
                raise CommandError(f"{path}: {exc}") from None
            self.stdout.write(
                f"{path.name}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
            )


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LegacyImportError(f"not JSON: {exc}") from None


def _series(registry: Registry, kind: SeriesKind, path: Path) -> ImportResult:
    return series_import(registry=registry, kind=kind, text=path.read_text(encoding="utf-8"))
