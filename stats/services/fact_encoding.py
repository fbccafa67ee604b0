"""A shard's fact tables as rows ready for the database, built column-wise.

Client digests become Client ids, each fact's ids one roaring bitmap (all of them in one
call of the C writer), and each fact's version counts one JSON object, with no Python
step per (fact, client) pair or per version. Rows come sorted by (package, day) so the
table's indexes are filled in order.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
from pyroaring import BitMap

from stats.logparse.native import native_available
from stats.logparse.native.bitmaps import serialize_bitmaps, version_objects
from stats.logparse.result import FactTables

EncodedFact = tuple[int, str, int, int, bytes, str]
"""(package_id, day as YYYY-MM-DD, downloads, mirror_downloads, client bitmap, versions JSON)"""


def encode_facts(
    tables: FactTables, *, client_ids: np.ndarray, package_ids: dict[str, int]
) -> list[EncodedFact]:
    """One row per fact; ``client_ids``: the Client id of each of ``tables.digests``."""
    if not len(tables):
        return []
    counts = tables.counts
    package = counts.get_column("package").replace_strict(package_ids, return_dtype=pl.Int64)
    day = counts.get_column("day")
    order = np.lexsort((day.to_physical().to_numpy(), package.to_numpy()))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    bitmaps = _bitmaps(tables, client_ids, rank)
    versions = _version_objects(tables.versions, rank)
    taken = pl.Series(order)
    return list(
        zip(
            package.gather(taken).to_list(),
            day.gather(taken).dt.to_string("%Y-%m-%d").to_list(),
            counts.get_column("downloads").gather(taken).to_list(),
            counts.get_column("mirror_downloads").gather(taken).to_list(),
            bitmaps,
            versions,
            strict=True,
        )
    )


def _bitmaps(tables: FactTables, client_ids: np.ndarray, rank: np.ndarray) -> list[bytes]:
    """Each fact's client ids as a serialised roaring bitmap, in ``rank`` order.

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
        return serialize_bitmaps(sorted_ids, starts)
    return [BitMap(sorted_ids[starts[k] : starts[k + 1]]).serialize() for k in range(len(rank))]


def _version_objects(versions: pl.DataFrame, rank: np.ndarray) -> list[str]:
    """``{"1.0": 3, "1.1": 1}`` per fact in ``rank`` order (``{}`` without versions);
    each distinct version is JSON-quoted once."""
    facts = len(rank)
    if not versions.height:
        return ["{}"] * facts
    names = versions.get_column("version").unique(maintain_order=True)
    codes = (
        versions.select("version")
        .join(names.to_frame().with_row_index("code"), on="version", maintain_order="left")
        .get_column("code")
    )
    quoted = [json.dumps(v) for v in names.to_list()]
    fact = rank[versions.get_column("fact").to_numpy()]
    order = np.argsort(fact, kind="stable")
    if native_available():
        return version_objects(
            fact[order],
            codes.to_numpy()[order],
            versions.get_column("n").to_numpy()[order],
            quoted,
            facts,
        )
    objects = ["{}"] * facts
    pairs = pl.concat_str("quoted", pl.lit(": "), pl.col("n").cast(pl.String))
    joined = (
        versions.with_columns(fact=pl.Series(fact), quoted=pl.Series(quoted).gather(codes))
        .group_by("fact")
        .agg(pl.concat_str(pl.lit("{"), pairs.str.join(", "), pl.lit("}")).alias("object"))
    )
    for k, text in joined.iter_rows():
        objects[k] = text
    return objects
