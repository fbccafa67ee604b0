"""SizedLRU: the size-bounded copies the response caches keep in process memory."""

from __future__ import annotations

from stats.web.local_memory import SizedLRU


def _lru(budget: int) -> SizedLRU[bytes]:
    return SizedLRU(budget, len)


def test_least_recently_used_values_go_first_once_the_budget_is_passed() -> None:
    lru = _lru(10)
    lru.put("a", b"aaaa")
    lru.put("b", b"bbbb")
    assert lru.get("a") == b"aaaa"  # "b" is now the least recently used
    lru.put("c", b"cccc")
    assert lru.get("b") is None
    assert (lru.get("a"), lru.get("c"), lru.size, len(lru)) == (b"aaaa", b"cccc", 8, 2)


def test_replacing_a_value_counts_only_the_new_size() -> None:
    lru = _lru(10)
    lru.put("a", b"aaaaaaaa")
    lru.put("a", b"aa")
    lru.put("b", b"bbbbbbbb")
    assert (lru.get("a"), lru.get("b"), lru.size) == (b"aa", b"bbbbbbbb", 10)


def test_a_value_larger_than_the_budget_is_not_kept_and_clear_empties() -> None:
    lru = _lru(10)
    lru.put("a", b"aaaa")
    lru.put("huge", b"x" * 11)
    assert (lru.get("huge"), lru.get("a"), lru.size) == (None, b"aaaa", 4)
    lru.clear()
    assert (lru.get("a"), lru.size, len(lru)) == (None, 0, 0)
