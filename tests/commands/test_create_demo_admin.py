"""create_demo_admin: one superuser, a kept password, and how to log in."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("create_demo_admin", stdout=out)
    return out.getvalue()


def test_creates_superuser_with_generated_password(data_dir: Path) -> None:
    output = _run()
    password = (data_dir / "secrets" / "admin_password").read_text().strip()
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert user.check_password(password)
    assert f"password '{password}'" in output
    assert "Created superuser 'admin'" in output


def test_second_run_keeps_user_and_password(data_dir: Path) -> None:
    _run()
    output = _run()
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert "Created" not in output
    password = (data_dir / "secrets" / "admin_password").read_text().strip()
    assert f"password '{password}'" in output


def test_password_from_config(data_dir: Path, settings: Settings) -> None:
    from pydantic import SecretStr

    settings.STATS = settings.STATS.model_copy(update={"admin_password": SecretStr("s3cret-pw")})
    output = _run()
    assert get_user_model().objects.get(username="admin").check_password("s3cret-pw")
    assert "from STATS_ADMIN_PASSWORD" in output
    assert not (data_dir / "secrets" / "admin_password").exists()


def test_changed_password_is_not_printed_nor_reset(data_dir: Path) -> None:
    _run()
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed-by-curator")
    user.save()
    output = _run()
    user.refresh_from_db()
    assert user.check_password("changed-by-curator")
    assert "changepassword admin" in output
