"""SegmentWriter: writes in order, one at a time, on the caller's connection and in its
transaction; a failed write is raised to the caller."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from stats.models import Registry
from stats.services.segment_writer import SegmentWriter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("overlap", [True, False], ids=["overlapped", "inline"])
def test_writes_run_in_order_on_the_callers_connection(overlap: bool) -> None:
    caller = threading.get_ident()
    seen: list[tuple[int, bool, object]] = []
    done: list[int] = []

    def write(n: int) -> int:
        Registry.objects.create(name=f"written{n}")  # joins the caller's transaction
        seen.append((n, threading.get_ident() != caller, connection.connection))
        return n

    def finished(n: int) -> None:
        assert threading.get_ident() == caller
        done.append(n)

    raw = connection.connection
    with transaction.atomic(), SegmentWriter(overlap=overlap) as writer:
        for n in range(4):
            writer.submit(lambda n=n: write(n), finished)
            # The previous write has ended (overlapped), or this one too (inline).
            assert done == list(range(n if overlap else n + 1))
    assert done == [0, 1, 2, 3]
    assert [n for n, _, _ in seen] == [0, 1, 2, 3]
    assert {elsewhere for _, elsewhere, _ in seen} == {overlap}
    assert {id(c) for _, _, c in seen} == {id(raw)}
    assert Registry.objects.filter(name__startswith="written").count() == 4


def test_a_failed_write_is_raised_and_the_next_one_does_not_run() -> None:
    ran: list[str] = []

    def fail() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"), SegmentWriter(overlap=True) as writer:
        writer.submit(fail, lambda _: ran.append("done"))
        writer.submit(lambda: ran.append("second"), lambda _: None)
    assert ran == []
    Registry.objects.create(name="after")  # the connection is this thread's again
