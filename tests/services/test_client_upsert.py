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


def _ids(registry_id: int, digests: list[bytes]) -> dict[bytes, int]:
    return _by_digest(bulk.upsert_clients(registry_id=registry_id, digests=digests), digests)


def _by_digest(upserted: bulk.UpsertedClients, digests: list[bytes]) -> dict[bytes, int]:
    return dict(zip(digests, upserted.ids.tolist(), strict=True))


def test_new_and_known_digests_get_one_id_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "_CHUNK", 8)
    registry = RegistryFactory()
    first = _ids(registry.pk, _digests(0, 40))  # all new
    assert len(first) == 40 == Client.objects.filter(registry=registry).count()
    # known ones first (lookups), then new ones (inserts), then a mix
    mixed = _digests(0, 24) + _digests(40, 72) + _digests(24, 40) + _digests(72, 76)
    second = _ids(registry.pk, mixed)
    assert Client.objects.filter(registry=registry).count() == 76
    assert {d: second[d] for d in first} == first  # known digests keep their ids
    rows = dict(Client.objects.filter(registry=registry).values_list("digest", "id"))
    assert {bytes(d): i for d, i in rows.items()} == second
    other = RegistryFactory()
    assert _ids(other.pk, _digests(0, 3)).keys() == set(_digests(0, 3))
    assert Client.objects.count() == 79  # a digest is per registry


def test_ids_after_deleted_rows_are_the_rows_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids run on from the largest ever given (AUTOINCREMENT on SQLite, a sequence on
    PostgreSQL), not from the largest left: the ids handed back are still the rows'."""
    monkeypatch.setattr(bulk, "_CHUNK", 8)
    registry = RegistryFactory()
    bulk.upsert_clients(registry_id=registry.pk, digests=_digests(0, 10))
    top = Client.objects.filter(registry=registry).order_by("-id")[:4]
    Client.objects.filter(pk__in=[c.pk for c in top]).delete()
    mixed = _digests(20, 26) + _digests(0, 2)  # new ones first, then known ones
    got = _ids(registry.pk, mixed)
    again = _ids(registry.pk, _digests(30, 35))  # all new
    rows = dict(Client.objects.filter(registry=registry).values_list("digest", "id"))
    rows = {bytes(d): i for d, i in rows.items()}
    assert got == {d: rows[d] for d in mixed}
    assert again == {d: rows[d] for d in _digests(30, 35)}
    assert len(rows) == 6 + 6 + 5


@pytest.mark.parametrize("expect_new", [False, True])
def test_either_first_statement_gives_the_same_ids_and_count(
    monkeypatch: pytest.MonkeyPatch, expect_new: bool
) -> None:
    monkeypatch.setattr(bulk, "_CHUNK", 8)
    registry = RegistryFactory()
    known = bulk.upsert_clients(registry_id=registry.pk, digests=_digests(0, 12))
    assert known.inserted == 12
    known_ids = _by_digest(known, _digests(0, 12))
    mixed = _digests(6, 12) + _digests(12, 30) + _digests(0, 6)  # 18 new among 30
    got = bulk.upsert_clients(registry_id=registry.pk, digests=mixed, expect_new=expect_new)
    assert got.inserted == 18
    rows = dict(Client.objects.filter(registry=registry).values_list("digest", "id"))
    got_ids = _by_digest(got, mixed)
    assert got_ids == {bytes(d): i for d, i in rows.items()}
    assert {d: got_ids[d] for d in known_ids} == known_ids
