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
from stats.logparse.native.bitmaps import serialize_bitmaps
from stats.logparse.result import FACT_KEYS, FactTables

EncodedFact = tuple[int, str, int, int, bytes, str]
"""(package_id, day as YYYY-MM-DD, downloads, mirror_downloads, client bitmap, versions JSON)"""


def encode_facts(
    tables: FactTables, *, client_ids: dict[bytes, int], package_ids: dict[str, int]
) -> list[EncodedFact]:
    """One row per fact; ``client_ids`` must hold every digest of ``tables.clients``."""
    if not len(tables):
        return []
    facts = (
        tables.counts.join(_version_objects(tables.versions), on=FACT_KEYS, how="left")
        .with_columns(
            package_id=pl.col("package").replace_strict(package_ids, return_dtype=pl.Int64)
        )
        .sort("package_id", "day")
        .with_row_index("fact")
    )
    bitmaps = _bitmaps(tables.clients, client_ids, facts)
    return list(
        zip(
            facts.get_column("package_id").to_list(),
            facts.get_column("day").dt.to_string("%Y-%m-%d").to_list(),
            facts.get_column("downloads").to_list(),
            facts.get_column("mirror_downloads").to_list(),
            bitmaps,
            facts.get_column("versions").fill_null("{}").to_list(),
            strict=True,
        )
    )


def _bitmaps(
    clients: pl.DataFrame, client_ids: dict[bytes, int], facts: pl.DataFrame
) -> list[bytes]:
    """Each fact's client ids as a serialised roaring bitmap, in ``facts``' order.

    The (fact, client id) pairs are sorted once; the C writer turns them into all the
    bitmaps in one call, or pyroaring one fact at a time where the library is missing.
    """
    digests = clients.get_column("client").unique()
    ids = pl.DataFrame(
        {"client": digests, "id": [client_ids[d] for d in digests.to_list()]},
        schema={"client": pl.Binary, "id": pl.UInt32},
    )
    pairs = (
        clients.join(ids, on="client")
        .join(facts.select(*FACT_KEYS, "fact"), on=FACT_KEYS)
        .select("fact", "id")
        .sort("fact", "id")
    )
    per_fact = np.bincount(pairs.get_column("fact").to_numpy(), minlength=facts.height)
    starts = np.concatenate(([0], np.cumsum(per_fact))).astype(np.int64)
    sorted_ids = pairs.get_column("id").to_numpy()
    if native_available():
        return serialize_bitmaps(sorted_ids, starts)
    return [BitMap(sorted_ids[starts[k] : starts[k + 1]]).serialize() for k in range(facts.height)]


def _version_objects(versions: pl.DataFrame) -> pl.DataFrame:
    """``{"1.0": 3, "1.1": 1}`` per key; each distinct version is JSON-quoted once."""
    names = versions.get_column("version").unique()
    quoted = pl.DataFrame(
        {"version": names, "quoted": [json.dumps(v) for v in names.to_list()]},
        schema={"version": pl.String, "quoted": pl.String},
    )
    pairs = pl.concat_str("quoted", pl.lit(": "), pl.col("n").cast(pl.String))
    return (
        versions.join(quoted, on="version")
        .group_by(FACT_KEYS)
        .agg(pairs.str.join(", ").alias("versions"))
        .select(*FACT_KEYS, pl.concat_str(pl.lit("{"), "versions", pl.lit("}")).alias("versions"))
    )
