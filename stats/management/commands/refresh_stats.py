"""``manage.py refresh_stats --registry NAME [--rebuild]``: aggregate new log segments."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.models import Registry
from stats.services.aggregation import rebuild_registry_stats, refresh_registry_stats


class Command(BaseCommand):
    help = (
        "Aggregate the registry's new log segments into the daily, monthly and yearly "
        "summaries (incremental), or recompute all of them with --rebuild."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--registry", required=True, help="Registry name, e.g. bioconductor")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Delete and recompute every summary of the registry (same numbers; for repairs).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registry = Registry.objects.get(name=options["registry"])
        except Registry.DoesNotExist:
            known = ", ".join(Registry.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"Unknown registry {options['registry']!r} (known: {known})"
            ) from None
        if options["rebuild"]:
            result = rebuild_registry_stats(registry=registry)
        else:
            result = refresh_registry_stats(registry=registry)
        self.stdout.write(("rebuilt " if options["rebuild"] else "refreshed ") + result.summary())
