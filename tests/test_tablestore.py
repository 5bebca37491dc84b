"""The bulk-restore store's offset bookkeeping (streams/tablestore.py): it may only report an offset whose
records are in its data, for partitions active since it restored them. The restore itself reads a real
broker: tests/broker/test_worker_recovery.py checks that a restarted worker's states came back through it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import ConsumerStoppedError, KafkaConnectionError
from faust.types import TP

from streams.agents import patients
from streams.app import app
from streams.tablestore import Store

CHANGELOG = patients.changelog_topic.get_topic_name()


def tp(partition: int, topic: str = CHANGELOG) -> TP:
    return TP(topic, partition)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> tuple[Store, list[set[TP]], list[TP]]:
    """A store on the real patient table whose restore records what it was asked for instead of reading."""
    actives: list[TP] = []
    monkeypatch.setattr(app.assignor, "assigned_actives", lambda: set(actives))
    monkeypatch.setattr(app, "consumer_generation_id", 7)
    s = Store("bulkmemory://", app, patients)
    asked: list[set[TP]] = []

    async def restore(tps: set[TP]) -> None:
        asked.append(set(tps))
        for t in tps:
            s._offsets[t] = 100

    monkeypatch.setattr(s, "_restore", restore)
    return s, asked, actives


def rebalance(s: Store, assigned: set[TP], revoked: set[TP], newly: set[TP], generation: int = 7) -> None:
    asyncio.run(s.on_rebalance(assigned, revoked, newly, generation))


def test_only_active_changelog_partitions_not_held_are_restored(store: Any) -> None:
    s, asked, actives = store
    actives += [tp(0), tp(1), tp(0, "some-input-topic")]
    rebalance(s, set(actives), set(), set(actives))
    assert asked == [{tp(0), tp(1)}] and s.persisted_offset(tp(0)) == 100
    # the same partitions again, not newly assigned: nothing to read, the offsets are kept
    rebalance(s, set(actives), set(), set())
    assert len(asked) == 1 and s.persisted_offset(tp(1)) == 100
    # reported newly assigned although held (it was another worker's in between): read again
    rebalance(s, set(actives), set(), {tp(1)})
    assert asked[-1] == {tp(1)}


def test_a_partition_revoked_or_assigned_again_is_restored_from_scratch(store: Any) -> None:
    s, asked, actives = store
    actives += [tp(0), tp(1)]
    rebalance(s, {tp(0), tp(1)}, set(), {tp(0), tp(1)})
    actives.remove(tp(1))  # tp(1) went to another worker (here: a standby at most)
    rebalance(s, {tp(0), tp(1)}, set(), set())
    assert s.persisted_offset(tp(1)) is None and len(asked) == 1
    actives.append(tp(1))  # back, as a newly assigned partition: its data may be stale
    s.set_persisted_offset(tp(1), 500)  # a late write confirmed meanwhile is not tracked
    assert s.persisted_offset(tp(1)) is None
    rebalance(s, {tp(0), tp(1)}, set(), {tp(1)})
    assert asked[-1] == {tp(1)}


def test_offsets_move_only_forward_and_only_for_held_partitions(store: Any) -> None:
    s, _, actives = store
    actives += [tp(0)]
    rebalance(s, {tp(0)}, set(), {tp(0)})
    s.set_persisted_offset(tp(0), 150)
    s.set_persisted_offset(tp(0), 120)  # an older confirmation arriving late
    s.set_persisted_offset(tp(3), 10)  # not restored here
    assert s.persisted_offset(tp(0)) == 150 and s.persisted_offset(tp(3)) is None


def test_a_stale_generation_restores_nothing(store: Any) -> None:
    s, asked, actives = store
    actives += [tp(0)]
    rebalance(s, {tp(0)}, set(), {tp(0)}, generation=6)
    assert asked == [] and s.persisted_offset(tp(0)) is None


def test_a_failed_restore_leaves_the_partition_to_faust(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s, _, actives = store
    actives += [tp(0), tp(1)]

    async def broken(tps: set[TP]) -> None:
        s._offsets[tp(0)] = 100  # one partition read before the broker went away: its offset must not stand
        raise KafkaConnectionError("broker away")

    monkeypatch.setattr(s, "_restore", broken)
    rebalance(s, {tp(0), tp(1)}, set(), {tp(0), tp(1)})  # no exception: faust reads the changelogs from their start
    assert s.persisted_offset(tp(0)) is None and s.persisted_offset(tp(1)) is None


def test_a_worker_stopped_mid_restore_does_not_crash(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rolling stop: the first worker's exit hands its partitions to the second, which is stopped while
    it restores them (its restore consumer stops under the restore): seen as faust's "Crashed" before."""
    s, _, actives = store
    actives += [tp(0), tp(1)]

    async def stopped(tps: set[TP]) -> None:
        s._offsets[tp(0)] = 100  # one partition read before the stop
        raise ConsumerStoppedError()

    monkeypatch.setattr(s, "_restore", stopped)
    rebalance(s, {tp(0), tp(1)}, set(), {tp(0), tp(1)})
    assert s.persisted_offset(tp(0)) is None and s.persisted_offset(tp(1)) is None


def test_keys_faust_drops_take_their_offsets_along(store: Any) -> None:
    s, _, actives = store
    actives += [tp(0), tp(1)]
    rebalance(s, {tp(0), tp(1)}, set(), {tp(0), tp(1)})
    asyncio.run(s.on_recovery_completed({tp(0)}, set()))
    assert s.persisted_offset(tp(0)) == 100 and s.persisted_offset(tp(1)) is None


def test_a_state_the_worker_wrote_leaves_memory_with_its_partition(store: Any) -> None:
    """StateTable.write puts a state in the store; when its partition goes to another worker, the store
    must drop it like a restored one, or a worker's memory never shrinks as workers are added."""
    from types import SimpleNamespace

    from streams.pipeline import StateTable

    s, _, _ = store

    class Producer:
        async def send(self, topic: str, key: Any, value: bytes, partition: Any, ts: Any, headers: Any) -> Any:
            future = asyncio.get_running_loop().create_future()
            future.set_result(SimpleNamespace(partition=partition, offset=1))
            return future

    table = SimpleNamespace(data=s, changelog_topic=patients.changelog_topic)
    staged = {b"pat-on-3": (b"{}", 3), b"pat-on-0": (b"{}", 0)}
    asyncio.run(StateTable(table, decode=lambda raw: raw, cache_size=10).write(Producer(), staged))
    asyncio.run(s.on_recovery_completed({tp(0)}, set()))  # partition 3 now belongs to another worker
    assert sorted(s.data) == [b"pat-on-0"]
