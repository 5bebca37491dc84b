"""The worker's batch pipeline without a broker: decoded states used only for the very bytes they came
from, states on their way read before they reach the table, batches finished in the order they came."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from streams import commits
from streams.pipeline import Decoded, Pipeline, StateTable


class Table(dict):
    """What the store holds: key -> the bytes last written."""


def test_absent_key_is_none() -> None:
    decoded = Decoded(lambda raw: raw.decode(), size=10)
    assert decoded.take(None, b"p1") is None


def test_the_object_written_comes_back_for_the_same_bytes() -> None:
    calls: list[bytes] = []
    decoded = Decoded(lambda raw: calls.append(raw) or {"from": raw}, size=10)
    raw, state = b'{"v":1}', {"mine": True}
    table = Table({b"p1": raw})
    decoded.put(b"p1", raw, state)
    assert decoded.take(table.get(b"p1"), b"p1") is state
    assert calls == []


def test_other_bytes_in_the_table_are_decoded() -> None:
    """A recovery or a rebalance replaced the bytes: the cached object is stale."""
    decoded = Decoded(lambda raw: {"from": raw}, size=10)
    decoded.put(b"p1", b'{"v":1}', {"mine": True})
    table = Table({b"p1": b'{"v":2}'})
    assert decoded.take(table.get(b"p1"), b"p1") == {"from": b'{"v":2}'}


def test_taking_removes_the_entry_so_a_failed_batch_leaves_nothing_half_applied() -> None:
    decoded = Decoded(lambda raw: {"from": raw}, size=10)
    raw = b'{"v":1}'
    table = Table({b"p1": raw})
    decoded.put(b"p1", raw, {"mine": True})
    taken = decoded.take(table.get(b"p1"), b"p1")
    taken["half"] = "applied"  # the batch fails before its state is written: put() never happens
    assert decoded.take(table.get(b"p1"), b"p1") == {"from": raw}


def test_bounded_oldest_written_go_first() -> None:
    decoded = Decoded(lambda raw: {"from": raw}, size=2)
    table = Table()
    for i in range(3):
        raw = f"{i}".encode()
        table[f"p{i}".encode()] = raw
        decoded.put(f"p{i}".encode(), raw, {"mine": i})
    assert len(decoded.entries) == 2
    assert decoded.take(table.get(b"p0"), b"p0") == {"from": b"0"}
    assert decoded.take(table.get(b"p2"), b"p2") == {"mine": 2}


class State:
    """Stands in for PatientState: encodes to its text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def encode(self) -> bytes:
        return self.text.encode()


class Store(dict):
    """A faust store's parts the pipeline uses: a mapping that is told which changelog offsets it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.offsets: dict[Any, int] = {}

    def set_persisted_offset(self, tp: Any, offset: int) -> None:
        self.offsets[tp] = offset


class FakeTable:
    """The parts of a faust table the pipeline uses: `data`, `get`, the changelog topic's name."""

    def __init__(self) -> None:
        self.data = Store()
        self.changelog_topic = SimpleNamespace(get_topic_name=lambda: "changelog")

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)


class Producer:
    """Records every send in order; the test confirms them when it wants (the broker's acks)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes, asyncio.Future]] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, partition: Any, ts: Any, headers: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self.sent.append((topic, key, value, future))
        return future

    def confirm_all(self) -> None:
        for offset, (*_, future) in enumerate(self.sent):
            if not future.done():
                future.set_result(SimpleNamespace(partition=0, offset=offset))


def test_a_staged_state_is_read_before_it_reaches_the_table_and_only_the_newest_write_clears_it() -> None:
    table = FakeTable()
    states = StateTable(table, decode=lambda raw: State(raw.decode()), cache_size=10)
    first = states.stage({b"p1": (State("v1"), 0)})
    assert states.current(b"p1").text == "v1" and table.data == {}
    second = states.stage({b"p1": (State("v2"), 0)})
    producer = Producer()

    async def write(staged: dict) -> None:
        task = asyncio.ensure_future(states.write(producer, staged))
        await asyncio.sleep(0)
        producer.confirm_all()
        await task

    asyncio.run(write(first))
    assert table.data[b"p1"] == b"v1" and states.pending[b"p1"] == b"v2"  # a later batch's state is newer
    assert states.current(b"p1").text == "v2"
    asyncio.run(write(second))
    assert table.data[b"p1"] == b"v2" and states.pending == {}
    assert table.data.offsets == {("changelog", 0): 1}  # the store is told the offset its data now holds


class Message:
    def __init__(self, offset: int, acked: list[int]) -> None:
        self.tp, self.offset, self.acked = "tp", offset, acked

    def ack(self, consumer: Any) -> None:
        self.acked.append(self.offset)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_batches_finish_in_order_and_a_state_goes_out_only_after_its_alerts_are_confirmed(depth: int) -> None:
    commits.held.clear()
    acked: list[int] = []
    producer = Producer()
    app = SimpleNamespace(producer=producer, consumer=None)
    table = FakeTable()
    pipeline = Pipeline(app, StateTable(table, decode=lambda raw: State(raw.decode()), cache_size=10), depth)

    async def broker(stop: asyncio.Event) -> None:
        while not stop.is_set():
            producer.confirm_all()
            await asyncio.sleep(0)

    async def run() -> list[str]:
        for n in range(3):
            batch = [SimpleNamespace(message=Message(n, acked))]
            alert = ("alerts-coding", b"p1", f"alert{n}".encode(), None)
            submitted = asyncio.ensure_future(pipeline.submit(batch, [alert], {b"p1": (State(f"s{n}"), 0)}, 0.0))
            for _ in range(5):
                await asyncio.sleep(0)
            # the batch's alert is not confirmed yet: its state must not have gone to the changelog
            assert (f"alert{n}".encode(), False) in [(value, f.done()) for _, _, value, f in producer.sent]
            assert f"s{n}".encode() not in [value for topic, _, value, _ in producer.sent if topic == "changelog"]
            if depth == 1:
                assert not submitted.done()  # the batch must finish before the agent reads the next one
            stop = asyncio.Event()
            acks = asyncio.ensure_future(broker(stop))
            await submitted
            stop.set()
            await acks
        stop = asyncio.Event()
        acks = asyncio.ensure_future(broker(stop))
        for task in list(pipeline.unfinished):
            await task
        stop.set()
        await acks
        return [value.decode() for topic, _, value, _ in producer.sent if topic == "changelog"]

    assert asyncio.run(run()) == ["s0", "s1", "s2"]
    assert acked == [0, 1, 2]
    assert table.data[b"p1"] == b"s2"


def test_a_later_batch_confirmed_first_still_waits_for_the_earlier_one() -> None:
    """The broker may confirm batch 1's alerts before batch 0's: batch 1's state still follows batch 0's."""
    commits.held.clear()
    acked: list[int] = []
    producer = Producer()
    app = SimpleNamespace(producer=producer, consumer=None)
    pipeline = Pipeline(app, StateTable(FakeTable(), decode=lambda raw: State(raw.decode()), cache_size=10), 3)

    def confirm(value: bytes) -> None:
        for offset, (_, _, v, future) in enumerate(producer.sent):
            if v == value and not future.done():
                future.set_result(SimpleNamespace(partition=0, offset=offset))

    async def settle() -> None:
        for _ in range(10):
            await asyncio.sleep(0)

    async def run() -> list[bytes]:
        for n in range(2):
            batch = [SimpleNamespace(message=Message(n, acked))]
            alert = ("alerts-coding", b"p1", f"alert{n}".encode(), None)
            await pipeline.submit(batch, [alert], {f"p{n}".encode(): (State(f"s{n}"), 0)}, 0.0)
        confirm(b"alert1")
        await settle()
        assert [v for t, _, v, _ in producer.sent if t == "changelog"] == [] and acked == []
        confirm(b"alert0")
        await settle()
        confirm(b"s0")
        await settle()
        assert acked == [0]
        confirm(b"s1")
        await settle()
        return [v for t, _, v, _ in producer.sent if t == "changelog"]

    assert asyncio.run(run()) == [b"s0", b"s1"]
    assert acked == [0, 1]


def test_a_resend_that_cannot_be_queued_is_queued_again_until_every_record_is_confirmed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long outage: the deliveries expire, then the resend cannot even be queued (aiokafka's accumulator
    stays full: faust raises ProducerSendError). The records must be sent again once the broker is back;
    returning without them would let the batch commit its offsets with its alert never delivered."""
    from aiokafka.errors import KafkaTimeoutError
    from faust.exceptions import ProducerSendError

    from streams import pipeline

    monkeypatch.setattr(pipeline, "RETRY_PAUSE_SECONDS", (0.0,))

    class Outage:
        def __init__(self) -> None:
            self.calls = 0
            self.delivered: list[bytes] = []

        async def send(self, topic: str, key: Any, value: bytes, partition: Any, ts: Any, headers: Any) -> Any:
            self.calls += 1
            future = asyncio.get_running_loop().create_future()
            if self.calls == 1:  # the first delivery expires
                future.set_exception(KafkaTimeoutError("expired"))
            elif self.calls == 2:  # the resend is refused before it is queued
                raise ProducerSendError("Error while sending: KafkaTimeoutError()")
            else:  # the broker is back
                self.delivered.append(value)
                future.set_result(SimpleNamespace(partition=0, offset=self.calls))
            return future

    async def run() -> list[Any]:
        producer = Outage()
        records = [("alerts-coding", b"pat-1", b"alert", None)]
        metadata = await pipeline.confirmed(producer, records, await pipeline.enqueue(producer, records))
        assert producer.delivered == [b"alert"]
        return metadata

    assert [m.offset for m in asyncio.run(run())] == [3]


def test_a_batch_whose_records_cannot_be_queued_at_first_is_sent_once_the_broker_is_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first hand-over to the producer fails (ProducerSendError): the batch must not fail (that stops
    the worker) nor finish without its records; its confirmation queues them again."""
    from faust.exceptions import ProducerSendError

    from streams import pipeline as pipeline_module

    monkeypatch.setattr(pipeline_module, "RETRY_PAUSE_SECONDS", (0.0,))
    commits.held.clear()
    acked: list[int] = []

    class Refusing(Producer):
        refused = False

        async def send(self, topic: str, key: Any, value: bytes, partition: Any, ts: Any, headers: Any) -> Any:
            if not self.refused:
                self.refused = True
                raise ProducerSendError("Error while sending: KafkaTimeoutError()")
            future = await super().send(topic, key, value, partition, ts, headers)
            self.confirm_all()
            return future

    producer = Refusing()
    table = FakeTable()
    pipeline = Pipeline(SimpleNamespace(producer=producer, consumer=None), StateTable(table, lambda r: r, 10), 1)
    batch = [SimpleNamespace(message=Message(0, acked))]
    alert = ("alerts-coding", b"p1", b"alert", None)
    asyncio.run(pipeline.submit(batch, [alert], {b"p1": (State("s"), 0)}, 0.0))
    assert [value for _, _, value, _ in producer.sent] == [b"alert", b"s"]
    assert acked == [0] and table.data[b"p1"] == b"s"


def test_the_oldest_unconfirmed_batch_has_an_age_until_the_broker_confirms_it() -> None:
    commits.held.clear()
    producer = Producer()
    pipeline = Pipeline(SimpleNamespace(producer=producer, consumer=None), StateTable(FakeTable(), lambda r: r, 10), 2)

    async def run() -> tuple[float, float]:
        batch = [SimpleNamespace(message=Message(0, []))]
        await pipeline.submit(batch, [("alerts-coding", b"p1", b"alert", None)], {b"p1": (State("s"), 0)}, 100.0)
        waiting = pipeline.oldest_unfinished_age(130.0)  # nothing confirmed yet
        while pipeline.unfinished:
            producer.confirm_all()
            await asyncio.sleep(0)
            if pipeline.unfinished[0].done():
                await pipeline.unfinished.popleft()
        return waiting, pipeline.oldest_unfinished_age(130.0)

    assert asyncio.run(run()) == (30.0, 0.0)
