"""The worker's cache of decoded states: used only for the very bytes the table holds, never half-applied."""

from __future__ import annotations

from streams.agents import Decoded


class Table(dict):
    """Stands in for the faust table's memory store, which is a dict of the bytes last written."""


def test_absent_key_is_none() -> None:
    decoded = Decoded(lambda raw: raw.decode(), size=10)
    assert decoded.take(Table(), b"p1") is None


def test_the_object_written_comes_back_for_the_same_bytes() -> None:
    calls: list[bytes] = []
    decoded = Decoded(lambda raw: calls.append(raw) or {"from": raw}, size=10)
    raw, state = b'{"v":1}', {"mine": True}
    table = Table({b"p1": raw})
    decoded.put(b"p1", raw, state)
    assert decoded.take(table, b"p1") is state
    assert calls == []


def test_other_bytes_in_the_table_are_decoded() -> None:
    """A recovery or a rebalance replaced the bytes: the cached object is stale."""
    decoded = Decoded(lambda raw: {"from": raw}, size=10)
    decoded.put(b"p1", b'{"v":1}', {"mine": True})
    table = Table({b"p1": b'{"v":2}'})
    assert decoded.take(table, b"p1") == {"from": b'{"v":2}'}


def test_taking_removes_the_entry_so_a_failed_batch_leaves_nothing_half_applied() -> None:
    decoded = Decoded(lambda raw: {"from": raw}, size=10)
    raw = b'{"v":1}'
    table = Table({b"p1": raw})
    decoded.put(b"p1", raw, {"mine": True})
    taken = decoded.take(table, b"p1")
    taken["half"] = "applied"  # the batch fails before its state is written: put() never happens
    assert decoded.take(table, b"p1") == {"from": raw}


def test_bounded_oldest_written_go_first() -> None:
    decoded = Decoded(lambda raw: {"from": raw}, size=2)
    table = Table()
    for i in range(3):
        raw = f"{i}".encode()
        table[f"p{i}".encode()] = raw
        decoded.put(f"p{i}".encode(), raw, {"mine": i})
    assert len(decoded.entries) == 2
    assert decoded.take(table, b"p0") == {"from": b"0"}
    assert decoded.take(table, b"p2") == {"mine": 2}
