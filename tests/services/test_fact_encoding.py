"""Fact tables encoded column-wise decode to exactly the facts they hold."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
import pytest

from stats import bitmaps
from stats.logparse.result import FactTables
from stats.packed_facts import PackedDay, columns_from_rows, pack_days, unpack_day
from stats.services import fact_encoding
from stats.services.fact_encoding import encode_facts

D1, D2 = date(2024, 3, 15), date(2024, 3, 16)
ODD_VERSIONS = ['1.0"x', "2.0\\y", "3.0\tz", "ünï", "4.0"]


def _tables() -> FactTables:
    counts = pl.DataFrame(
        {
            "category": ["bioc", "bioc", "annotation", "bioc"],
            "package": ["limma", "limma", "org.Hs.eg.db", "DESeq2"],
            "day": [D2, D1, D1, D1],
            "downloads": [2, 7, 1, 0],
            "mirror_downloads": [0, 1, 0, 3],  # DESeq2: mirrors only, no clients
        }
    )
    clients = pl.DataFrame(
        {
            "category": ["bioc", "bioc", "bioc", "bioc", "annotation"],
            "package": ["limma", "limma", "limma", "limma", "org.Hs.eg.db"],
            "day": [D2, D1, D1, D1, D1],
            "client": [b"a", b"a", b"b", b"c", b"c"],
        }
    )
    versions = pl.DataFrame(
        {
            "category": ["bioc"] * 5 + ["bioc"],
            "package": ["limma"] * 6,
            "day": [D1] * 5 + [D2],
            "version": [*ODD_VERSIONS, "4.0"],
            "n": [1, 1, 1, 1, 3, 2],
        }
    )
    return FactTables.from_keyed(counts, clients, versions)


@pytest.mark.parametrize("native", [True, False], ids=["C writer", "pyroaring"])
def test_packed_days_unpack_to_the_facts_in_package_order(
    native: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fact_encoding, "native_available", lambda: native)
    ids = {b"a": 10, b"b": 70_000, b"c": 3}
    packages = {"limma": 2, "org.Hs.eg.db": 5, "DESeq2": 1}
    tables = _tables()
    client_ids = np.array([ids[d] for d in tables.digests.to_list()])
    days = encode_facts(tables, client_ids=client_ids, package_ids=packages)
    assert [(d.day, d.packages, d.downloads, d.mirror_downloads) for d in days] == [
        (D1, 3, 8, 4),
        (D2, 1, 2, 0),
    ]
    decoded = [
        (
            f.package_id,
            f.day,
            f.downloads,
            f.mirror_downloads,
            sorted(bitmaps.from_bytes(f.clients)),
            f.versions,
        )
        for day in days
        for f in unpack_day(segment_id=9, **_packed(day))
    ]
    assert decoded == [
        (1, D1, 0, 3, [], {}),
        (2, D1, 7, 1, [3, 10, 70_000], dict(zip(ODD_VERSIONS, [1, 1, 1, 1, 3], strict=True))),
        (5, D1, 1, 0, [3], {}),
        (2, D2, 2, 0, [10], {"4.0": 2}),
    ]


def _packed(day: PackedDay) -> dict[str, object]:
    fields = day.fields()
    for total in ("packages", "downloads", "mirror_downloads"):
        del fields[total]
    return fields


def test_empty_tables_encode_to_no_days() -> None:
    assert encode_facts(FactTables(), client_ids=np.array([], np.int64), package_ids={}) == []


def test_facts_out_of_order_or_repeated_are_refused() -> None:
    day = date(2024, 1, 1)
    rows = [(1, day, 1, 0, b"", {}), (1, day, 2, 0, b"", {})]
    with pytest.raises(ValueError, match="without repeats"):
        pack_days(columns_from_rows(rows))
    columns = columns_from_rows([(2, day, 1, 0, b"", {}), (1, day, 1, 0, b"", {})])
    swapped = dataclasses.replace(columns, package_ids=columns.package_ids[::-1])
    with pytest.raises(ValueError, match="sorted"):
        pack_days(swapped)


def test_merged_tables_sum_counts_and_unite_clients() -> None:
    merged = _tables().merged(_tables())
    facts = merged.as_dict()
    limma = facts["bioc", "limma", D1]
    assert (limma.downloads, limma.mirror_downloads) == (14, 2)
    assert limma.clients == {b"a", b"b", b"c"}
    assert limma.versions["4.0"] == 6
    assert merged == _tables().merged(FactTables()).merged(_tables())
