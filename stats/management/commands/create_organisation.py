"""``manage.py create_organisation NAME [--title T] [--registry R ...]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.services.accounts import AccountError, organisation_create


class Command(BaseCommand):
    help = "Create an organisation (idempotent) and optionally make it own registries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Short name (slug), e.g. bioconductor-core")
        parser.add_argument("--title", default="", help="Display name")
        parser.add_argument(
            "--registry",
            action="append",
            default=[],
            help="A registry this organisation owns (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation, created = organisation_create(
                name=options["name"], title=options["title"], registries=options["registry"]
            )
        except (AccountError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        state = "created" if created else "exists"
        owned = f"; owns {', '.join(options['registry'])}" if options["registry"] else ""
        self.stdout.write(f"organisation {organisation.name} {state} (id {organisation.pk}){owned}")
