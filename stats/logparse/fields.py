"""Request fields of valid lines by splitting on spaces, with the regex as exact fallback.

Capture groups are the slow part of regex matching, and nearly every line has the plain
shape ``host ident user [time zone] "METHOD path protocol" status ...``. For a line
that already matched ``VALID_LINE``, the space-separated pieces give exactly what
``REQUEST_FIELDS`` captures as long as the request is three pieces without quotes or
backslashes: the 6th piece is ``"METHOD``, the 7th the path (query and fragment cut
off), the 8th ends with the closing quote, and the 9th is the status. Other lines
(requests with spaces, HTTP/0.9 requests without a protocol, escaped quotes, ``"-"``)
go through ``REQUEST_FIELDS`` itself.
"""

from __future__ import annotations

import polars as pl

from stats.logparse.formats import REQUEST_FIELDS

FIELD_NAMES = ("host", "time", "method", "path", "status")

_PIECES = 10
_QUOTE_OR_BACKSLASH = ['"', "\\"]


def _piece(i: int) -> pl.Expr:
    return pl.col(f"field_{i}")


def _plain_request() -> pl.Expr:
    """True when the request is ``"METHOD path protocol"`` with no quote or backslash inside."""
    return (
        _piece(5).str.contains(r'^"[A-Z]+$')
        & ~_piece(6).str.contains_any(_QUOTE_OR_BACKSLASH)
        & _piece(7).str.ends_with('"')
        & ~_piece(7).str.head(-1).str.contains_any(_QUOTE_OR_BACKSLASH)
    ).fill_null(False)


def request_fields(valid: pl.LazyFrame) -> pl.LazyFrame:
    """``valid`` (lines matching VALID_LINE, column ``line``) with host, time, method,
    path and status added, equal to ``str.extract_groups(REQUEST_FIELDS)``; the rows
    come back in another order (plain requests first)."""
    keep = [pl.col(name) for name in valid.collect_schema().names()]
    pieces = [f"field_{i}" for i in range(_PIECES)]
    split = (
        valid.with_columns(pl.col("line").str.splitn(" ", _PIECES).alias("_pieces"))
        .unnest("_pieces")
        .with_columns(_plain=_plain_request())
    )
    plain = split.filter(pl.col("_plain")).select(
        *keep,
        host=_piece(0),
        time=pl.concat_str(_piece(3), pl.lit(" "), _piece(4)).str.slice(1).str.strip_suffix("]"),
        method=_piece(5).str.slice(1),
        path=_piece(6).str.replace(r"[?#].*", ""),
        status=_piece(8),
    )
    other = (
        split.filter(~pl.col("_plain"))
        .drop([*pieces, "_plain"])
        .select(*keep, pl.col("line").str.extract_groups(REQUEST_FIELDS).alias("_fields"))
        .unnest("_fields")
    )
    return pl.concat([plain, other], how="vertical")
