"""Signal receivers of the web layer: front caches learn of registry changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from stats.models import Registry
from stats.web.caching import note_generation_change


def _registry_changed(sender: type[Registry], **kwargs: Any) -> None:
    # After commit: a front that reloads tokens on the new epoch must see the new row.
    transaction.on_commit(note_generation_change)


def connect() -> None:
    post_save.connect(_registry_changed, sender=Registry, dispatch_uid="stats.web.registry_saved")
    post_delete.connect(
        _registry_changed, sender=Registry, dispatch_uid="stats.web.registry_deleted"
    )
