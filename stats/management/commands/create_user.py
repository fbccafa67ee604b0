"""``manage.py create_user EMAIL --organisation ORG --role ROLE``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.models import Organisation, Role
from stats.services.accounts import AccountError, member_add


class Command(BaseCommand):
    help = (
        "Create a user (if new) and give it a role in an organisation: admin, curator "
        "(both may log into the admin) or viewer (reads the organisation's private "
        "registries). Without --password-file the password stays unusable until "
        "`manage.py changepassword EMAIL`; API tokens work either way."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--organisation", required=True, help="Organisation name")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--password-file", type=Path, help="File holding the password (first line)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist:
            raise CommandError(
                f"Unknown organisation {options['organisation']!r}; "
                "create it with manage.py create_organisation"
            ) from None
        password = None
        if options["password_file"] is not None:
            try:
                password = options["password_file"].read_text().splitlines()[0].strip()
            except (OSError, IndexError) as exc:
                raise CommandError(f"cannot read a password from the file: {exc}") from None
        try:
            user, membership = member_add(
                email=options["email"],
                organisation=organisation,
                role=options["role"],
                password=password,
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"user {user.get_username()} (id {user.pk}) is {membership.role} of {organisation.name}"
        )
