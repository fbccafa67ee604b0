"""manage.py load_manifest NAME CSV: the packages a registry counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.models import Registry
from stats.services.manifest import ManifestError, manifest_load, read_manifest


class Command(BaseCommand):
    help = (
        "Load a registry's package manifest (CSV: package,category[,first_version,last_version])."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("registry")
        parser.add_argument("csv", help="Path to the manifest CSV (plain or .gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registry = Registry.objects.get(name=options["registry"])
        except Registry.DoesNotExist:
            raise CommandError(f"unknown registry {options['registry']!r}") from None
        try:
            rows = read_manifest(options["csv"])
        except (OSError, ManifestError) as exc:
            raise CommandError(str(exc)) from None
        change = manifest_load(registry=registry, rows=rows)
        self.stdout.write(
            f"{registry.name}: {len(rows)} packages listed; added {change.added}, "
            f"updated {change.updated}, deactivated {change.deactivated}, "
            f"unchanged {change.unchanged}"
        )
