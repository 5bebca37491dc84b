"""What happens to a batch after the core has seen it: its records go to the broker, its states to the table,
its offsets are released, in batch order, while the agent already applies the next batch.

Per batch (the delivery contract in agents.py and the README):
1. its records (alerts, resolutions, dead letters, observations) are handed to the producer at once, in
   order after every earlier batch's records, and its touched states are encoded;
2. in the background: the broker confirms those records; the previous batch has finished; the states go to
   the changelog and, once the broker confirms them, to the table; only then may the batch's offsets be
   committed (`commits.done`).
The agent goes on with the next batch after step 1: it reads the states still on their way (`StateTable`),
so it never sees an older state than the last batch left. At most `depth` batches are unfinished at once
(1: each batch finishes before the next is read). Why: waiting for the broker's two confirmations took
longer than applying the batch (a worker timing its own batches: 7.7 s applying, 3.1 s waiting for alert
acks and 3.5 s for state acks over 25,770 events).

A failure past the per-event handling (a bug here, or in encoding a state) stops the worker: the
batches after it might build on states that will never be written, and a restart re-reads everything
not committed, onto the states the changelog has.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka.errors import KafkaError
from faust.exceptions import ProducerSendError
from faust.types import TP, EventT

from streams import commits, metrics

log = logging.getLogger(__name__)

# one record for the producer: (topic, key, value, partition or None for the key's partition)
Record = tuple[str, bytes | None, bytes, int | None]

RETRY_PAUSE_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


async def enqueue(producer: Any, records: Sequence[Record]) -> list[asyncio.Future]:
    """Hand every record to the app's aiokafka producer, in order; their delivery futures.

    Straight to the producer, bytes in: the records are already serialized, and faust's `Topic.send`
    (codecs, per-message futures and callbacks, sensors) cost more than the engine's rules per event in a
    profile of the worker. Awaited one by one rather than gathered: each `send` returns at once with a
    delivery future, and gathering would wrap every record in a task of its own."""
    return [await producer.send(topic, key, value, partition, None, None) for topic, key, value, partition in records]


async def confirmed(producer: Any, records: Sequence[Record], sent: list[asyncio.Future] | None) -> list[Any]:
    """Wait until the broker has acknowledged every record; on a Kafka error, send them all again after a
    pause, until it has. Their record metadata (partition, offset), in order.

    While the broker is away the batch waits here, unacked (its partitions stall, visibly:
    lbp_delivery_retries_total); copies sent twice are deduped by `alert_id` downstream or rewrite the
    same state. (aiokafka retries a failed request itself first, for faust's producer_request_timeout.)"""
    attempt = 0
    pending: list[asyncio.Future] | None = sent
    while True:
        try:
            if pending is None:  # the last resend could not even be queued: queue them all again first
                pending = await enqueue(producer, records)
            return [await future for future in pending]
        except (KafkaError, ProducerSendError) as exc:
            pause = RETRY_PAUSE_SECONDS[min(attempt, len(RETRY_PAUSE_SECONDS) - 1)]
            metrics.DELIVERY_RETRIES.inc()
            log.warning(
                "%d records not confirmed by the broker (%s); sending again in %.1fs",
                len(records),
                type(exc).__name__,
                pause,
            )
            await asyncio.sleep(pause)
            attempt += 1
            pending = None  # every record is sent again, from the first: the only way out is all confirmed


class Decoded:
    """The decoded states of the keys this worker wrote last, so that a patient seen again a few batches
    later is not decoded from bytes again (decoding a state cost more than applying an event to it).

    An entry is used only for the very bytes it was decoded from (the newest bytes for the key, on their
    way or in the table), so a rebalance or a recovery that replaces them makes it stale by itself; and a
    batch takes the entry out while it changes the object, so a failed batch cannot leave a half-applied
    state behind. Bounded: the oldest written go first."""

    def __init__(self, decode: Callable[[bytes], Any], size: int) -> None:
        self.decode = decode
        self.size = size
        self.entries: dict[bytes, tuple[bytes, Any]] = {}

    def take(self, raw: bytes | None, key: bytes) -> Any:
        hit = self.entries.pop(key, None)
        if not raw:
            return None
        if hit is not None and hit[0] is raw:
            return hit[1]
        return self.decode(raw)

    def put(self, key: bytes, raw: bytes, state: Any) -> None:
        self.entries[key] = (raw, state)
        if len(self.entries) > self.size:
            del self.entries[next(iter(self.entries))]


class StateTable:
    """A changelog-backed table written once per batch per key, with the states still on their way to it."""

    def __init__(self, table: Any, decode: Callable[[bytes], Any], cache_size: int) -> None:
        self.table = table
        self.decoded = Decoded(decode, cache_size)
        self.pending: dict[bytes, bytes] = {}  # key -> the newest encoded state not in the table yet

    def current(self, key: bytes) -> Any:
        """The newest state of `key` (decoded), or None."""
        return self.decoded.take(self.pending.get(key) or self.table.get(key), key)

    def stage(self, touched: dict[bytes, tuple[Any, int]]) -> dict[bytes, tuple[bytes, int]]:
        """Encode a batch's touched states (key -> (state, partition)); from now on they are the newest."""
        staged = {}
        for key, (state, partition) in touched.items():
            raw = state.encode()
            staged[key] = (raw, partition)
            self.pending[key] = raw
            self.decoded.put(key, raw, state)
        return staged

    async def write(self, producer: Any, staged: dict[bytes, tuple[bytes, int]]) -> None:
        """Write each staged key to the changelog, wait until the broker has the records, then to the table.

        Faust's `table[key] = value` buffers the changelog record (`send_soon`) and commits input offsets
        without flushing that buffer, so a crash or a rebalance right after a commit could lose state whose
        events are already committed. Here the changelog write is confirmed first; the partition is the one
        the patient's events came from (co-partitioned), passed explicitly because a batch spans partitions.
        """
        changelog = self.table.changelog_topic.get_topic_name()
        records = [(changelog, key, raw, partition) for key, (raw, partition) in staged.items()]
        written = await confirmed(producer, records, await enqueue(producer, records))
        store = self.table.data
        # faust's memory store forgets a revoked partition's keys by this map (tablestore.py fills it on a
        # restore): a state written here must be in it too, or it stays in memory after a rebalance
        partition_of = getattr(store, "_key_partition", None)
        for key, (raw, partition) in staged.items():
            store[key] = raw
            if partition_of is not None:
                partition_of[key] = partition
            if self.pending.get(key) is raw:  # no later batch has staged a newer state
                del self.pending[key]
        for meta in written:  # the store now holds these changelog records (streams/tablestore.py)
            store.set_persisted_offset(TP(changelog, meta.partition), meta.offset)


class Pipeline:
    """One agent's batches from step 1 to their offsets' release, finished in the order they came."""

    def __init__(
        self,
        app: Any,
        states: StateTable,
        depth: int,
        finished: Callable[[Sequence[EventT], float], None] | None = None,
    ) -> None:
        self.app = app
        self.states = states
        self.depth = max(1, depth)
        self.finished = finished  # called with each finished batch and when it was taken (metrics)
        self.unfinished: deque[asyncio.Task] = deque()
        self.taken_at: dict[asyncio.Task, float] = {}  # when each unfinished batch was taken (monotonic)

    def oldest_unfinished_age(self, now: float) -> float:
        """Seconds since the oldest batch still waiting (for the broker, mostly) was taken; 0 if none: a
        stall shows here at once, long before aiokafka gives up on a request and a retry is counted."""
        waiting = [at for task, at in self.taken_at.items() if not task.done()]
        return now - min(waiting) if waiting else 0.0

    async def submit(
        self, batch: Sequence[EventT], records: list[Record], touched: dict[bytes, tuple[Any, int]], started: float
    ) -> None:
        producer = self.app.producer
        try:
            sent: list[asyncio.Future] | None = await enqueue(producer, records)
        except (KafkaError, ProducerSendError):
            sent = None  # not even queued (a long outage): the batch's confirmation queues them again
        staged = self.states.stage(touched)
        previous = self.unfinished[-1] if self.unfinished else None
        task = asyncio.ensure_future(self._finish(batch, records, sent, staged, previous, started))
        self.unfinished.append(task)
        self.taken_at[task] = started
        while self.unfinished and (self.unfinished[0].done() or len(self.unfinished) >= self.depth):
            oldest = self.unfinished.popleft()
            try:
                await oldest  # a failure here stops the worker (agents.stop_on_failure)
            finally:
                self.taken_at.pop(oldest, None)

    async def _finish(
        self,
        batch: Sequence[EventT],
        records: list[Record],
        sent: list[asyncio.Future] | None,
        staged: dict[bytes, tuple[bytes, int]],
        previous: asyncio.Task | None,
        started: float,
    ) -> None:
        producer = self.app.producer
        await confirmed(producer, records, sent)
        if previous is not None:
            await previous  # states and offsets in batch order (a failed one fails the rest)
        await self.states.write(producer, staged)
        commits.done(batch, self.app.consumer)
        if self.finished is not None:
            self.finished(batch, started)
