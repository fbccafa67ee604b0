"""Client rows: every digest gets exactly one id, whichever order the chunks take."""

from __future__ import annotations

import hashlib

import pytest

from stats.models import Client
from stats.services import bulk
from tests.factories import RegistryFactory

pytestmark = pytest.mark.django_db


def _digests(start: int, stop: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest()[:16] for i in range(start, stop)]


def test_new_and_known_digests_get_one_id_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "_CHUNK", 8)
    monkeypatch.setattr(bulk, "_PG_CLIENT_CHUNK", 8)
    registry = RegistryFactory()
    first = bulk.upsert_clients(registry_id=registry.pk, digests=_digests(0, 40))  # all new
    assert len(first) == 40 == Client.objects.filter(registry=registry).count()
    # known ones first (lookups), then new ones (inserts), then a mix
    mixed = _digests(0, 24) + _digests(40, 72) + _digests(24, 40) + _digests(72, 76)
    second = bulk.upsert_clients(registry_id=registry.pk, digests=mixed)
    assert Client.objects.filter(registry=registry).count() == 76
    assert {d: second[d] for d in first} == first  # known digests keep their ids
    rows = dict(Client.objects.filter(registry=registry).values_list("digest", "id"))
    assert {bytes(d): i for d, i in rows.items()} == second
    other = RegistryFactory()
    assert bulk.upsert_clients(registry_id=other.pk, digests=_digests(0, 3)).keys() == set(
        _digests(0, 3)
    )
    assert Client.objects.count() == 79  # a digest is per registry
