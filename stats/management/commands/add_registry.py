"""manage.py add_registry NAME [--rules bioconductor | --download-regex R ...] [--timezone TZ]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.models import RuleSet
from stats.services.registries import RegistryConfigError, registry_configure


def _int_list(value: str) -> list[int]:
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise CommandError(f"--statuses: expected comma-separated numbers, got {value!r}") from None


class Command(BaseCommand):
    help = "Create a registry (or update its rules): built-in Bioconductor rules or a regex."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--rules", choices=[c.value for c in RuleSet], default=None)
        parser.add_argument(
            "--download-regex",
            default="",
            help="Regex on the URI path with named groups package, optional version, category.",
        )
        parser.add_argument("--statuses", default=None, help="Counted statuses, e.g. 200,206")
        parser.add_argument("--methods", default=None, help="Counted methods, e.g. GET,HEAD")
        parser.add_argument("--timezone", default=None, help="IANA name; days are counted in it")
        parser.add_argument("--title", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        rules = options["rules"] or (
            RuleSet.GENERIC if options["download_regex"] else RuleSet.BIOCONDUCTOR
        )
        try:
            registry, created = registry_configure(
                name=options["name"],
                rule_set=rules,
                download_regex=options["download_regex"],
                statuses=_int_list(options["statuses"]) if options["statuses"] else None,
                methods=options["methods"].split(",") if options["methods"] else None,
                timezone=options["timezone"],
                title=options["title"],
            )
        except RegistryConfigError as exc:
            raise CommandError(str(exc)) from None
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} registry {registry.name} ({registry.rule_set} rules)")
