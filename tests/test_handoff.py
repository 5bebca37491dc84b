"""The consumer's hand-off of a record to its stream: inline when the callback does not wait, faust's
`wait_first` (interrupted by a suspended flow) when it does; the fetch loop is faust's but for that line."""

from __future__ import annotations

import asyncio
import difflib
import inspect
import textwrap
from typing import Any

import pytest
from faust.transport import consumer as faust_consumer
from mode import Service

import streams.app  # noqa: F401  (installs the hand-off)
from streams import handoff


class FakeConsumer(Service):
    """What `hand_over` uses of faust's consumer: its flow flag and mode's `wait_first` (counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.suspend_flow = asyncio.Event()
        self.waits = 0

    async def wait_first(self, *coros: Any, timeout: float | None = None) -> Any:
        self.waits += 1
        return await super().wait_first(*coros, timeout=timeout)


def test_a_callback_that_does_not_wait_runs_inline() -> None:
    handed: list[int] = []

    async def callback(n: int) -> None:
        handed.append(n)

    async def run() -> int:
        consumer = FakeConsumer()
        await handoff.hand_over(consumer, callback(7))
        return consumer.waits

    assert asyncio.run(run()) == 0
    assert handed == [7]


def test_a_callback_that_waits_finishes_once_its_wait_is_over() -> None:
    handed: list[str] = []

    async def run() -> int:
        consumer = FakeConsumer()
        room = asyncio.get_running_loop().create_future()

        async def callback() -> None:
            handed.append("started")
            handed.append(await room)  # a full stream buffer
            await asyncio.sleep(0)  # a second wait, a bare yield
            handed.append("done")

        asyncio.get_running_loop().call_later(0.01, room.set_result, "room")
        await handoff.hand_over(consumer, callback())
        return consumer.waits

    assert asyncio.run(run()) == 1
    assert handed == ["started", "room", "done"]


def test_a_suspended_flow_interrupts_a_waiting_callback() -> None:
    seen: list[str] = []

    async def run() -> None:
        consumer = FakeConsumer()
        never = asyncio.get_running_loop().create_future()

        async def callback() -> None:
            try:
                await never
            except asyncio.CancelledError:
                seen.append("cancelled where it waited")
                raise

        asyncio.get_running_loop().call_later(0.01, consumer.suspend_flow.set)  # a rebalance starts
        await asyncio.wait_for(handoff.hand_over(consumer, callback()), timeout=5)
        await asyncio.sleep(0)  # let the cancelled hand-off finish

    asyncio.run(run())
    assert seen == ["cancelled where it waited"]


def test_while_the_flow_is_suspended_every_record_goes_through_wait_first() -> None:
    async def run() -> int:
        consumer = FakeConsumer()
        consumer.suspend_flow.set()

        async def callback() -> None:
            pass

        await handoff.hand_over(consumer, callback())
        return consumer.waits

    assert asyncio.run(run()) == 1


def test_an_error_in_the_callback_reaches_the_fetch_loop() -> None:
    async def callback() -> None:
        raise ValueError("bad record")

    with pytest.raises(ValueError, match="bad record"):
        asyncio.run(handoff.hand_over(FakeConsumer(), callback()))


def test_the_worker_runs_the_copied_loop() -> None:
    assert faust_consumer.Consumer._drain_messages is handoff._drain_messages


def test_the_copy_differs_from_faust_only_in_the_hand_off() -> None:
    """The copied loop is faust's line for line but for the hand-off (and a module prefix)."""
    import hashlib

    original = inspect.getsource(handoff._faust_drain_messages)
    assert hashlib.sha256(original.encode()).hexdigest() == handoff.FAUST_LOOP_SHA256
    theirs = textwrap.dedent(original).splitlines()
    ours = inspect.getsource(handoff._drain_messages).splitlines()
    changed = [
        line[0] + line[1:].strip()
        for line in difflib.unified_diff(theirs, ours, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        "-async def _drain_messages(self, fetcher: ServiceT) -> None:  # pragma: no cover",
        "+async def _drain_messages(self: Any, fetcher: ServiceT) -> None:  # pragma: no cover",
        "-flag_consumer_fetching = CONSUMER_FETCHING",
        "+flag_consumer_fetching = faust_consumer.CONSUMER_FETCHING",
        "-await self.wait_first(",
        "-callback(message), self.suspend_flow.wait()",
        "-)",
        "+await hand_over(self, callback(message))  # the one changed line (see above)",
    ]


def test_install_refuses_another_faust_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handoff, "FAUST_LOOP_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="_drain_messages"):
        handoff.install()
