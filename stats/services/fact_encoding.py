"""A shard's fact tables as rows ready for the database, built column-wise.

Client digests become Client ids, each fact's ids one roaring bitmap, and each fact's
version counts one JSON object, with one Python step per fact (the bitmap) and none
per (fact, client) pair or per version. Rows come sorted by (package, day) so the
table's indexes are filled in order.
"""

from __future__ import annotations

import json

import polars as pl
from pyroaring import BitMap

from stats.logparse.result import FACT_KEYS, FactTables

EncodedFact = tuple[int, str, int, int, bytes, str]
"""(package_id, day as YYYY-MM-DD, downloads, mirror_downloads, client bitmap, versions JSON)"""


def encode_facts(
    tables: FactTables, *, client_ids: dict[bytes, int], package_ids: dict[str, int]
) -> list[EncodedFact]:
    """One row per fact; ``client_ids`` must hold every digest of ``tables.clients``."""
    if not len(tables):
        return []
    frame = (
        tables.counts.join(_client_lists(tables.clients, client_ids), on=FACT_KEYS, how="left")
        .join(_version_objects(tables.versions), on=FACT_KEYS, how="left")
        .select(
            pl.col("package").replace_strict(package_ids, return_dtype=pl.Int64),
            pl.col("day").dt.to_string("%Y-%m-%d"),
            "downloads",
            "mirror_downloads",
            "ids",
            pl.col("versions").fill_null("{}"),
        )
        .sort("package", "day")
    )
    empty = BitMap().serialize()
    columns = (frame.get_column(name).to_list() for name in frame.columns)  # faster than rows
    return [
        (package, day, downloads, mirror, BitMap(ids).serialize() if ids else empty, versions)
        for package, day, downloads, mirror, ids, versions in zip(*columns, strict=True)
    ]


def _client_lists(clients: pl.DataFrame, client_ids: dict[bytes, int]) -> pl.DataFrame:
    digests = clients.get_column("client").unique()
    ids = pl.DataFrame(
        {"client": digests, "id": [client_ids[d] for d in digests.to_list()]},
        schema={"client": pl.Binary, "id": pl.Int64},
    )
    return clients.join(ids, on="client").group_by(FACT_KEYS).agg(pl.col("id").alias("ids"))


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
