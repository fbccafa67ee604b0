"""``manage.py revoke_token ID``: the token stops working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stats.services.accounts import AccountError, token_revoke


class Command(BaseCommand):
    help = "Revoke an API token by its id (as create_token printed it, or the admin lists it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = token_revoke(token_id=options["token_id"])
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"token {token.pk} ({token.prefix}…) of {token.user.get_username()} revoked at "
            f"{token.revoked_at.isoformat()}"
        )
