"""Client ids of a run's client digests: looked up in a map the run keeps, created in
the database when new.

A segment has tens of thousands of distinct clients and a run meets most of them again
in every segment, so the digests are looked up in what the run has seen (one call into
the C string map, not a dictionary lookup per digest, nor a join that hashes everything
seen again) and only the unseen ones go to the database.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from stats.logparse.native.string_map import StringMap
from stats.models import Client, Registry
from stats.services.bulk import upsert_clients

CLIENTS_KEPT = 500_000
"""Digest -> Client id pairs a run keeps between segments at most."""


class SeenClients:
    """The digest -> Client id pairs of one run (of one registry)."""

    def __init__(self) -> None:
        self._ids = StringMap()
        self.expect_new: bool | None = None
        """Whether the digests this run has not seen are mostly new to the database:
        unknown (None) until the first lookup, then what the last one found."""

    def ids(self, digests: pl.Series) -> np.ndarray:
        """Each digest's id, -1 where not seen."""
        if not len(self._ids):
            return np.full(digests.len(), -1, np.int64)
        return self._ids.get(_keys(digests))

    def add(self, digests: pl.Series, ids: np.ndarray) -> None:
        """Remember the ``ids`` of ``digests``."""
        if len(self._ids) + digests.len() > CLIENTS_KEPT:
            self._ids = StringMap()  # memory stays bounded; lookups refill it
        self._ids.put(_keys(digests), ids)


def _keys(digests: pl.Series) -> pl.Series:
    """Digests as the map's (string) keys."""
    return digests.bin.encode("hex")


def client_ids_for(*, registry: Registry, digests: pl.Series, seen: SeenClients) -> np.ndarray:
    """The Client id of each of the (distinct) ``digests``, creating the missing rows.

    Runs outside the segment's transaction, in sorted order so that concurrent runs never
    deadlock; a client row without facts (after a rollback) is harmless.
    """
    ids = seen.ids(digests)
    missing_at = np.flatnonzero(ids < 0)
    if len(missing_at):
        missing = digests.gather(missing_at).rename("client")
        order = missing.arg_sort()
        ordered = missing.gather(order)
        listed = ordered.to_list()
        if seen.expect_new is None:  # a registry without clients yet: all will be new
            seen.expect_new = not Client.objects.filter(registry=registry).exists()
        upserted = upsert_clients(
            registry_id=registry.pk, digests=listed, expect_new=seen.expect_new
        )
        seen.expect_new = upserted.inserted * 2 > len(listed)
        new_ids = upserted.ids
        seen.add(ordered, new_ids)
        ids[missing_at[order.to_numpy()]] = new_ids
    return ids
