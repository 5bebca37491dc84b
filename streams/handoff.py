"""How the worker's consumer hands each fetched record to the agents' streams.

faust's fetch loop (`Consumer._drain_messages`) hands every record over with
`await self.wait_first(callback(message), self.suspend_flow.wait())`, so that a rebalance, which suspends
the flow, interrupts a hand-off blocked on a full stream buffer. `wait_first` makes four tasks, an
`asyncio.wait` and three cancellations of it: about 50 us of CPU per record on this machine, for a callback
(put the event in the stream's buffer) that finishes without waiting nearly every time. `hand_over` runs
the callback's first step inline; only a callback that has to wait becomes a task and goes through faust's
`wait_first`, as before, and while the flow is suspended every record goes faust's way.

`_drain_messages` below is faust-streaming 0.15.3's loop (BSD licence), unchanged but for that one line.
`install` refuses a faust whose loop is not the one copied here (the SHA-256 of its source), so an upgrade
fails at start instead of running an outdated copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import types
from collections.abc import AsyncIterator, Awaitable, Coroutine, Generator
from typing import Any, cast

from faust.transport import consumer as faust_consumer
from mode import Service, ServiceT

FAUST_LOOP_SHA256 = "44a2500309e83c630493f6828af50166ec8d96a0b3e4fb2bab735f704ae93417"
_faust_drain_messages = faust_consumer.Consumer._drain_messages


async def hand_over(consumer: Any, handing: Coroutine[Any, Any, Any]) -> None:
    """Run `handing` (the conductor's callback for one record) as faust's `wait_first` would: to its end,
    unless the flow is suspended or the consumer stops first; inline while it does not wait."""
    rest: Awaitable[Any] = handing
    if not consumer.suspend_flow.is_set():
        try:
            waiting_on = handing.send(None)
        except StopIteration:
            return  # handed over without waiting
        rest = asyncio.ensure_future(_rest_of(handing, waiting_on))
    await consumer.wait_first(rest, consumer.suspend_flow.wait())


@types.coroutine
def _rest_of(handing: Coroutine[Any, Any, Any], waiting_on: Any) -> Generator[Any, None, Any]:
    """The rest of a coroutine that has run one step and yielded `waiting_on` to the event loop, for a task
    to run: the task waits on what the coroutine waits on, then resumes it."""
    try:
        yield waiting_on
    except BaseException as exc:  # thrown at the task (a cancellation): into the coroutine, where it waits
        try:
            waiting_on = handing.throw(exc)
        except StopIteration as done:
            return done.value
        return (yield from _rest_of(handing, waiting_on))
    return (yield from handing)  # type: ignore[misc]


async def _drain_messages(self: Any, fetcher: ServiceT) -> None:  # pragma: no cover
    # This is the background thread started by Fetcher, used to
    # constantly read messages using Consumer.getmany.
    # It takes Fetcher as argument, because we must be able to
    # stop it using `await Fetcher.stop()`.
    callback = self.callback
    getmany = self.getmany
    consumer_should_stop = cast(Service, self)._stopped.is_set
    fetcher_should_stop = cast(Service, fetcher)._stopped.is_set

    get_read_offset = self._read_offset.__getitem__
    set_read_offset = self._read_offset.__setitem__
    flag_consumer_fetching = faust_consumer.CONSUMER_FETCHING
    set_flag = self.diag.set_flag
    unset_flag = self.diag.unset_flag
    commit_every = self._commit_every
    acks_enabled_for = self.app.topics.acks_enabled_for

    yield_every = 100
    num_since_yield = 0
    sleep = asyncio.sleep

    try:
        while not (consumer_should_stop() or fetcher_should_stop()):
            set_flag(flag_consumer_fetching)
            ait = cast(AsyncIterator, getmany(timeout=1.0))

            # Sleeping because sometimes getmany is called in a loop
            # never releasing to the event loop
            await self.sleep(0)
            if not self.should_stop:
                async for tp, message in ait:
                    num_since_yield += 1
                    if num_since_yield > yield_every:
                        await sleep(0)
                        num_since_yield = 0

                    offset = message.offset
                    r_offset = get_read_offset(tp)
                    if r_offset is None or offset >= r_offset:
                        gap = offset - (r_offset or 0)
                        # We have a gap in income messages
                        if gap > 1 and r_offset:
                            acks_enabled = acks_enabled_for(message.topic)
                            if acks_enabled:
                                await self._add_gap(tp, r_offset + 1, offset)
                        if commit_every is not None:
                            if self._n_acked >= commit_every:
                                self._n_acked = 0
                                await self.commit()
                        await hand_over(self, callback(message))  # the one changed line (see above)
                        set_read_offset(tp, offset)
                    else:
                        self.log.dev(
                            "DROPPED MESSAGE ROFF %r: k=%r v=%r",
                            offset,
                            message.key,
                            message.value,
                        )
                unset_flag(flag_consumer_fetching)

    except self.consumer_stopped_errors:
        if self.transport.app.should_stop:
            # we're already stopping so ignore
            self.log.info("Broker stopped consumer, shutting down...")
            return
        raise
    except asyncio.CancelledError:
        if self.transport.app.should_stop:
            # we're already stopping so ignore
            self.log.info("Consumer shutting down for user cancel.")
            return
        raise
    except Exception as exc:
        self.log.exception("Drain messages raised: %r", exc)
        raise
    finally:
        unset_flag(flag_consumer_fetching)


def install() -> None:
    source = inspect.getsource(_faust_drain_messages)
    if hashlib.sha256(source.encode()).hexdigest() != FAUST_LOOP_SHA256:
        raise RuntimeError("faust's Consumer._drain_messages is not the loop streams/handoff.py copies: update it")
    faust_consumer.Consumer._drain_messages = _drain_messages  # type: ignore[method-assign]
