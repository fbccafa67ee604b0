"""Create the local superuser ``admin`` once, so ``./dev up`` ends with a working admin login.

The password comes from STATS_ADMIN_PASSWORD (or STATS_ADMIN_PASSWORD_FILE), else it is
generated once into data/secrets/admin_password; an existing user is never changed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the superuser 'admin' if missing and print how to log in."

    def handle(self, *args: Any, **options: Any) -> None:
        password = settings.STATS.resolved_secret("admin_password")
        source = self._password_source()
        user_model = get_user_model()
        user = user_model.objects.filter(username=USERNAME).first()
        if user is None:
            user_model.objects.create_superuser(username=USERNAME, email="", password=password)
            self.stdout.write(self.style.SUCCESS(f"Created superuser '{USERNAME}'."))
            user = user_model.objects.get(username=USERNAME)
        if user.check_password(password):
            self.stdout.write(
                f"Admin login: user '{USERNAME}', password '{password}' (from {source})."
            )
        else:
            self.stdout.write(
                f"Admin login: user '{USERNAME}'; its password was changed since it was created. "
                f"Reset it with: ./dev manage -- changepassword {USERNAME}"
            )

    @staticmethod
    def _password_source() -> str:
        stats = settings.STATS
        if stats.admin_password is not None:
            return "STATS_ADMIN_PASSWORD"
        if stats.admin_password_file is not None:
            return str(stats.admin_password_file)
        path = stats.data_dir / "secrets" / "admin_password"
        try:
            return str(path.relative_to(settings.BASE_DIR))
        except ValueError:
            return str(path)
