"""The tables' store: faust's memory store, restored from the changelog in bulk.

faust's own recovery hands a changelog to the table one record at a time (a `wait_for`, two debug
f-strings and a remaining-offsets check per record, behind the conductor's per-message path): about
4,000-8,000 records/s here, so a worker owning 100,000 patients took 12-29 s to be ready. This store
reads, when a rebalance gives this worker an active changelog partition it does not hold, that partition
from the broker itself with a plain aiokafka consumer in large fetches, and then reports the offset it
reached as the partition's `persisted_offset`: faust's recovery starts from there and reads only what
was written after (usually nothing). Everything else is faust's memory store: the same dict, the same
keys and values (raw bytes), the same clean-up of revoked partitions.

The offset it reports is only ever one whose records are in `data`, for a partition active since its
restore: set by the bulk read, moved on by the changelog records faust applies after it (the tail) and by
the worker's own confirmed state writes (`streams.pipeline.StateTable.write`); forgotten when the
partition is revoked, becomes a standby, or faust drops its keys. Standby partitions are left to faust.

Registered as faust's `bulkmemory://` store through the `faust.stores` entry point in pyproject.toml.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError
from faust.stores import memory
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth, server_list
from faust.types import TP, EventT

from streams import metrics, settings

log = logging.getLogger(__name__)

FETCH_BYTES = 16 * 1024 * 1024  # per partition and per fetch: a few large fetches instead of many small


class Store(memory.Store):
    """faust's memory store that knows which changelog offsets its data holds, for its active partitions."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._offsets: dict[TP, int] = {}  # active changelog partition -> last offset whose record is in data
        self._consumer: AIOKafkaConsumer | None = None

    def persisted_offset(self, tp: TP) -> int | None:
        return self._offsets.get(TP(tp.topic, tp.partition))

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        """Move a held partition's offset on (a confirmed state write, a changelog record applied); a
        partition this store has not restored (standby, revoked, not yet restored) is not tracked."""
        tp = TP(tp.topic, tp.partition)
        if tp in self._offsets and offset > self._offsets[tp]:
            self._offsets[tp] = offset

    def apply_changelog_batch(
        self, batch: Iterable[EventT], to_key: Callable[[Any], Any], to_value: Callable[[Any], Any]
    ) -> None:
        batch = list(batch)
        super().apply_changelog_batch(batch, to_key, to_value)
        for event in batch:
            self.set_persisted_offset(event.message.tp, event.message.offset)

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        """Restore every active changelog partition not held since the last generation, before faust's
        recovery asks for `persisted_offset`. Offsets of partitions no longer active are forgotten."""
        changelog = self.table.changelog_topic.get_topic_name()
        actives = {TP(tp.topic, tp.partition) for tp in self.app.assignor.assigned_actives() if tp.topic == changelog}
        fresh = {TP(tp.topic, tp.partition) for tp in newly_assigned}
        self._offsets = {tp: offset for tp, offset in self._offsets.items() if tp in actives and tp not in fresh}
        if generation_id != self.app.consumer_generation_id:
            return  # a newer rebalance is under way; it calls again
        missing = actives - self._offsets.keys()
        if missing:
            try:
                await self._restore(missing)
            except KafkaError as exc:  # faust's own recovery reads them from the start instead (slower)
                log.warning("%s: bulk restore failed (%s); faust's recovery reads the changelog", self.table.name, exc)
                for tp in missing:
                    self._offsets.pop(tp, None)
            except ConsumerStoppedError:  # the worker is stopping (on_stop) mid-restore: nothing to crash over
                log.info("%s: stopped during the bulk restore; those partitions stay unrestored", self.table.name)
                for tp in missing:
                    self._offsets.pop(tp, None)

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        """faust's memory store drops the keys of partitions no longer active; their offsets go with them."""
        await super().on_recovery_completed(active_tps, standby_tps)
        active = {partition for _, partition in active_tps}
        self._offsets = {tp: offset for tp, offset in self._offsets.items() if tp.partition in active}

    async def on_start(self) -> None:
        """The restore consumer connects while the worker starts, not during a rebalance: any wait inside
        a rebalance delays faust's own offset requests behind its consumer's fetch long-polls (1.5 s in
        faust; both consumers wait STREAMS_CONSUMER_FETCH_WAIT_MS, see streams/fetching.py)."""
        await super().on_start()
        conf = self.app.conf
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=server_list(conf.broker, 9092),
            client_id=f"{conf.broker_client_id}-restore",
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=int(conf.broker_request_timeout * 1000),
            max_partition_fetch_bytes=FETCH_BYTES,
            fetch_max_bytes=FETCH_BYTES * 4,
            fetch_max_wait_ms=settings.CONSUMER_FETCH_WAIT_MS,
            check_crcs=conf.broker_check_crcs,
            **credentials_to_aiokafka_auth(conf.broker_credentials, conf.ssl_context),
        )
        await self._consumer.start()

    async def on_stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        await super().on_stop()

    async def _restore(self, tps: set[TP]) -> None:
        """Read `tps` from their first offset to their end now, as faust's recovery would have, in bulk."""
        consumer = self._consumer
        assert consumer is not None, "the store restores only once started"
        started = time.monotonic()
        records = 0
        try:
            partitions = [TopicPartition(tp.topic, tp.partition) for tp in tps]
            consumer.assign(partitions)
            firsts = await consumer.beginning_offsets(partitions)
            ends = await consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, firsts[tp])
            remaining = {tp for tp in partitions if ends[tp] > firsts[tp]}
            data, partition_of = self.data, self._key_partition
            while remaining:
                for tp, batch in (await consumer.getmany(*remaining, timeout_ms=1000)).items():
                    for record in batch:
                        if record.value is None:  # a tombstone deletes the key, as in faust's own apply
                            data.pop(record.key, None)
                            partition_of.pop(record.key, None)
                        else:
                            data[record.key] = record.value
                            partition_of[record.key] = tp.partition
                    records += len(batch)
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
            for tp in partitions:  # read to its end (compaction leaves gaps: the last record may sit lower)
                self._offsets[TP(tp.topic, tp.partition)] = ends[tp] - 1
        finally:
            consumer.unsubscribe()  # no fetching in the background, no prefetched records kept
        seconds = time.monotonic() - started
        metrics.RESTORED.labels(self.table.name).inc(records)
        metrics.RESTORE_SECONDS.labels(self.table.name).inc(seconds)
        log.info(
            "%s: restored %d changelog records of %d partitions in %.1f s", self.table.name, records, len(tps), seconds
        )
