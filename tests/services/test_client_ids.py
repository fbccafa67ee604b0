"""A run's client ids: the database's rows, created once, then found in the run's frame."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stats.models import Client
from stats.services import client_ids
from stats.services.client_ids import SeenClients, client_ids_for
from tests.factories import RegistryFactory

pytestmark = pytest.mark.django_db


def _digests(*numbers: int) -> pl.Series:
    return pl.Series([hashlib.sha256(str(i).encode()).digest()[:16] for i in numbers])


def _rows(registry: object) -> dict[bytes, int]:
    pairs = Client.objects.filter(registry=registry).values_list("digest", "id")
    return {bytes(d): i for d, i in pairs}


def test_ids_are_the_rows_ids_and_seen_ones_cost_no_query() -> None:
    registry = RegistryFactory()
    seen = SeenClients()
    first = client_ids_for(registry=registry, digests=_digests(3, 1, 2), seen=seen)
    rows = _rows(registry)
    assert first.tolist() == [rows[d] for d in _digests(3, 1, 2).to_list()]
    with CaptureQueriesContext(connection) as queries:
        again = client_ids_for(registry=registry, digests=_digests(2, 3), seen=seen)
    assert len(queries) == 0
    assert again.tolist() == [rows[d] for d in _digests(2, 3).to_list()]
    mixed = client_ids_for(registry=registry, digests=_digests(9, 1, 8), seen=seen)
    rows = _rows(registry)
    assert len(rows) == 5
    assert mixed.tolist() == [rows[d] for d in _digests(9, 1, 8).to_list()]


def test_another_runs_clients_are_found_not_duplicated(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = RegistryFactory()
    client_ids_for(registry=registry, digests=_digests(1, 2), seen=SeenClients())
    ids = client_ids_for(registry=registry, digests=_digests(2, 1, 7), seen=SeenClients())
    rows = _rows(registry)
    assert len(rows) == 3
    assert ids.tolist() == [rows[d] for d in _digests(2, 1, 7).to_list()]


def test_the_run_forgets_past_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_ids, "CLIENTS_KEPT", 3)
    registry = RegistryFactory()
    seen = SeenClients()
    client_ids_for(registry=registry, digests=_digests(1, 2), seen=seen)
    client_ids_for(registry=registry, digests=_digests(3, 4), seen=seen)  # 4 > 3: forgets
    assert (seen.ids(_digests(1, 3, 4)) >= 0).tolist() == [False, True, True]
    rows = _rows(registry)
    ids = client_ids_for(registry=registry, digests=_digests(1, 4), seen=seen)
    assert ids.tolist() == [rows[d] for d in _digests(1, 4).to_list()]
