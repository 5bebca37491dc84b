"""The bounded memo computes a value once, stays within its limit, and stores nothing when computing fails."""

from __future__ import annotations

from datetime import date

import pytest

from streams.core.memo import Memo


def test_computes_each_key_once() -> None:
    calls: list[str] = []
    memo: Memo[str, int] = Memo(lambda k: calls.append(k) or len(k))
    assert [memo["ab"], memo["abc"], memo["ab"]] == [2, 3, 2]
    assert calls == ["ab", "abc"]


def test_empties_itself_when_full() -> None:
    memo: Memo[int, int] = Memo(lambda k: k * k, limit=3)
    for k in range(10):
        assert memo[k] == k * k
        assert len(memo) <= 3
    assert 9 in memo


def test_a_failed_computation_is_not_stored() -> None:
    memo: Memo[str, date] = Memo(date.fromisoformat)
    with pytest.raises(ValueError):
        memo["2021-02-30"]
    assert "2021-02-30" not in memo
    assert memo["2021-02-28"] == date(2021, 2, 28)
