"""A shard's fact tables as rows ready for the database, built column-wise.

Client digests become Client ids, each fact's ids one roaring bitmap (all of them in one
call of the C writer), and each fact's version counts one JSON object, with no Python
step per (fact, client) pair or per version. Rows come sorted by (package, day) so the
table's indexes are filled in order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from pyroaring import BitMap

from stats.logparse.native import native_available
from stats.logparse.native.bitmaps import serialize_bitmaps, version_objects
from stats.logparse.result import ColumnType, FactTables

EncodedFact = tuple[int, str, int, int, bytes, str]
"""(package_id, day as YYYY-MM-DD, downloads, mirror_downloads, client bitmap, versions JSON)"""

_COLUMNS: dict[str, ColumnType] = {
    "package_id": pl.Int64,
    "day": pl.String,
    "downloads": pl.Int64,
    "mirror_downloads": pl.Int64,
}


@dataclass(frozen=True)
class EncodedFacts:
    """One segment's facts in (package, day) order, as columns: rows for SQLite's
    parameters, or one block of COPY text for PostgreSQL built without a step per row."""

    columns: pl.DataFrame
    """package_id, day (YYYY-MM-DD), downloads, mirror_downloads"""
    clients: list[bytes]
    """Each fact's client ids, a serialised roaring bitmap."""
    versions: list[str]
    """Each fact's downloads per version, a JSON object."""

    @classmethod
    def from_rows(cls, rows: Sequence[EncodedFact]) -> EncodedFacts:
        columns = pl.DataFrame([row[:4] for row in rows], schema=_COLUMNS, orient="row")
        return cls(columns, [row[4] for row in rows], [row[5] for row in rows])

    def __len__(self) -> int:
        return len(self.clients)

    def rows(self) -> list[EncodedFact]:
        return list(
            zip(
                *(self.columns.get_column(name).to_list() for name in _COLUMNS),
                self.clients,
                self.versions,
                strict=True,
            )
        )

    def copy_text(self, segment_id: int) -> bytes:
        """The rows, each led by ``segment_id``, in COPY's text format: tab-separated,
        bytea as \\\\x and hex, backslash, tab, newline and CR in the JSON escaped."""
        if not len(self):
            return b""
        line = pl.concat_str(
            pl.lit(str(int(segment_id))),
            pl.col("package_id").cast(pl.String),
            "day",
            pl.col("downloads").cast(pl.String),
            pl.col("mirror_downloads").cast(pl.String),
            pl.lit("\\\\x") + pl.col("clients").bin.encode("hex"),
            pl.col("versions")
            .str.replace_all("\\", "\\\\", literal=True)
            .str.replace_all("\t", "\\t", literal=True)
            .str.replace_all("\n", "\\n", literal=True)
            .str.replace_all("\r", "\\r", literal=True),
            separator="\t",
        )
        text = self.columns.with_columns(
            clients=pl.Series(self.clients, dtype=pl.Binary),
            versions=pl.Series(self.versions, dtype=pl.String),
        ).select(line.str.join("\n"))
        return (text.item() + "\n").encode()


def encode_facts(
    tables: FactTables, *, client_ids: np.ndarray, package_ids: dict[str, int]
) -> EncodedFacts:
    """One row per fact; ``client_ids``: the Client id of each of ``tables.digests``."""
    if not len(tables):
        return EncodedFacts.from_rows([])
    counts = tables.counts
    package = counts.get_column("package").replace_strict(package_ids, return_dtype=pl.Int64)
    day = counts.get_column("day")
    order = np.lexsort((day.to_physical().to_numpy(), package.to_numpy()))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    taken = pl.Series(order)
    columns = pl.DataFrame(
        {
            "package_id": package.gather(taken),
            "day": day.gather(taken).dt.to_string("%Y-%m-%d"),
            "downloads": counts.get_column("downloads").gather(taken),
            "mirror_downloads": counts.get_column("mirror_downloads").gather(taken),
        }
    ).cast(_COLUMNS)  # type: ignore[arg-type]
    return EncodedFacts(
        columns, _bitmaps(tables, client_ids, rank), _version_objects(tables.versions, rank)
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
