"""A shard's fact tables as packed per-day rows, built column-wise.

Client digests become Client ids and each fact's ids one roaring bitmap (all of them in
one call of the C writer); facts are ordered by (day, package) so that each day's
bitmaps lie one after another, and ``stats.packed_facts`` cuts the columns into days.
No Python step per fact, per (fact, client) pair or per version.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pyroaring import BitMap

from stats.logparse.native import native_available
from stats.logparse.native.bitmaps import serialize_bitmaps_packed
from stats.logparse.result import FactTables
from stats.packed_facts import FactColumns, PackedDay, pack_days


def encode_facts(
    tables: FactTables, *, client_ids: np.ndarray, package_ids: dict[str, int]
) -> list[PackedDay]:
    """One packed row per day; ``client_ids``: the Client id of each of ``tables.digests``."""
    if not len(tables):
        return []
    counts = tables.counts
    package = (
        counts.get_column("package").replace_strict(package_ids, return_dtype=pl.Int64).to_numpy()
    )
    day = counts.get_column("day").to_physical().to_numpy().astype(np.int64)
    order = np.lexsort((package, day))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    clients, client_ends = _bitmaps(tables, client_ids, rank)
    versions = tables.versions
    names = versions.get_column("version").unique(maintain_order=True)
    codes = (
        versions.select("version")
        .join(names.to_frame().with_row_index("code"), on="version", maintain_order="left")
        .get_column("code")
    )
    return pack_days(
        FactColumns(
            package_ids=package[order],
            days=day[order],
            downloads=counts.get_column("downloads").to_numpy()[order],
            mirror_downloads=counts.get_column("mirror_downloads").to_numpy()[order],
            clients=clients,
            client_ends=client_ends,
            version_facts=rank[versions.get_column("fact").to_numpy()],
            version_codes=codes.to_numpy(),
            version_downloads=versions.get_column("n").to_numpy(),
            version_names=names.to_list(),
        )
    )


def _bitmaps(
    tables: FactTables, client_ids: np.ndarray, rank: np.ndarray
) -> tuple[bytes, np.ndarray]:
    """Each fact's client ids as a serialised roaring bitmap, in ``rank`` order, one after
    another, and where each ends.

    The (fact, client id) pairs are sorted once as one 64-bit key each; the C writer
    turns them into all the bitmaps in one call, or pyroaring one fact at a time where
    the library is missing.
    """
    ids = np.asarray(client_ids, dtype=np.uint64)
    pairs = tables.clients
    facts = rank[pairs.get_column("fact").to_numpy()].astype(np.uint64)
    keys = np.sort((facts << np.uint64(32)) | ids[pairs.get_column("client").to_numpy()])
    per_fact = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(rank))
    starts = np.concatenate(([0], np.cumsum(per_fact))).astype(np.int64)
    sorted_ids = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    if native_available():
        return serialize_bitmaps_packed(sorted_ids, starts)
    blobs = [BitMap(sorted_ids[starts[k] : starts[k + 1]]).serialize() for k in range(len(rank))]
    return b"".join(blobs), np.cumsum([len(b) for b in blobs], dtype=np.int64)
