"""``manage.py create_token EMAIL [--expires DAYS] [--name NAME]``: print a new API token once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.services.accounts import AccountError, token_create

DEFAULT_DAYS = 90


class Command(BaseCommand):
    help = (
        "Create a personal API token for the write API and print it. It is shown only "
        "this once (only its hash is stored); send it as `Authorization: Bearer <token>`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--expires",
            type=int,
            default=DEFAULT_DAYS,
            metavar="DAYS",
            help=f"Days until it expires (default {DEFAULT_DAYS}; 0: never)",
        )
        parser.add_argument("--name", default="", help="What the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(username=options["email"])
        except user_model.DoesNotExist:
            raise CommandError(
                f"Unknown user {options['email']!r}; create it with manage.py create_user"
            ) from None
        try:
            issued = token_create(
                user=user, expires_in_days=options["expires"], name=options["name"]
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        expires = issued.token.expires_at
        self.stderr.write(
            f"token id {issued.token.pk} for {user.get_username()}, "
            f"expires {expires.isoformat() if expires else 'never'}; "
            "store it now, it cannot be shown again:"
        )
        self.stdout.write(issued.secret)
