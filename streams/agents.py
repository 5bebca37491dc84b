"""The Faust shell over the core: decode, `apply`, send alerts, write state. Nothing here decides a rule.

One agent reads all four input topics. They are co-partitioned by `patient_id`, so one patient's events
from every topic reach the same agent instance, which handles them one at a time: a patient's state is never
updated by two coroutines at once, and no cross-agent locking is needed. (Four agents sharing one table
would race on the same key.)

At-least-once without exactly-once (whose faust implementation has open bugs), per batch of events:
1. apply each event to its patient's state (the core dedupes event ids and alert ids);
2. send alerts, resolutions, dead letters and provider observations, and wait for the broker to confirm
   every one;
3. only then write each touched patient's state (once per batch) to the changelog-backed table, and wait
   for the broker to confirm those changelog records too;
4. only then may Faust commit the batch's source offsets (`commits`: never for an unfinished batch, also
   when the worker is stopped mid-batch).
A crash after 2 and before 3 re-delivers the batch onto the old state: the same alerts (same ids) are sent
again, which consumers dedupe by `alert_id`. A crash after 3 and before 4 re-delivers events whose ids the
state already holds: nothing is sent twice. A send the broker does not confirm (broker down, timeouts) is
retried until it is (`deliver`), never raised: a crashed agent's batch stays held (`commits`), so its
partitions would stall until the worker restarts, where a retry goes on as soon as the broker is back.
No alert is ever lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiokafka.errors import KafkaError
from faust.exceptions import ProducerSendError
from faust.types import EventT

from streams import commits, metrics, settings
from streams.app import app
from streams.core.alerts import Alert, Output
from streams.core.deadletter import dead_letter
from streams.core.engine import apply, apply_provider, observation
from streams.core.events import BadInput, Event, decode
from streams.core.rules.ops_provider_unspecified_share import Observation, ProviderState
from streams.core.state import PatientState
from streams.topics import ALERT_TOPICS, CONTRACT_NAME_OF, INPUT_TOPICS, PROVIDER_TOPIC

log = logging.getLogger(__name__)

RAW = {"key_serializer": "raw", "value_serializer": "raw"}
CONFIG = settings.engine_config()

input_topic = app.topic(*INPUT_TOPICS, allow_empty=True, **RAW)
provider_topic = app.topic(PROVIDER_TOPIC, **RAW)
# declared here so faust creates them at start; written by name through the producer (see `deliver`)
dead_letter_topic = app.topic(settings.TOPIC_DEAD_LETTER, **RAW)
alert_topics = {name: app.topic(configured, **RAW) for name, configured in ALERT_TOPICS.items()}

patients = app.Table("patient-state", key_type=bytes, value_type=bytes, partitions=settings.TOPIC_PARTITIONS)
providers = app.Table("provider-state", key_type=bytes, value_type=bytes, partitions=settings.TOPIC_PARTITIONS)


def decode_message(topic: str, key: bytes | None, value: bytes | None) -> Event:
    """Decode and validate one record; the Kafka key must be the event's patient_id (co-partitioning)."""
    if value is None:
        raise BadInput("invalid_json", "the record has no value: expected a JSON event")
    event = decode(value, CONTRACT_NAME_OF.get(topic, topic))
    if key is not None and key != event.patient_id.encode():
        raise BadInput("schema", "record key: expected the event's patient_id as the Kafka key")
    return event


class Decoded:
    """The decoded states of the keys this worker wrote last, so that a patient seen again a few batches
    later is not decoded from bytes again (decoding a state cost more than applying an event to it).

    An entry is used only while the table still holds the very bytes it was decoded from, so a rebalance
    or a recovery that replaces them makes it stale by itself; and a batch takes the entry out while it
    changes the object, so a failed batch cannot leave a half-applied state behind. Bounded: the oldest
    written go first."""

    def __init__(self, decode: Callable[[bytes], Any], size: int) -> None:
        self.decode = decode
        self.size = size
        self.entries: dict[bytes, tuple[bytes, Any]] = {}

    def take(self, table: Any, key: bytes) -> Any:
        raw = table.get(key)
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


patient_states = Decoded(PatientState.decode, settings.DECODED_STATES)
provider_states = Decoded(ProviderState.decode, settings.DECODED_STATES)


# one record for the producer: (topic, key, value, partition or None for the key's partition)
Record = tuple[str, bytes | None, bytes, int | None]


async def write_states(table: Any, decoded: Decoded, states: dict[bytes, tuple[Any, int]]) -> None:
    """Write each touched key once to a changelog-backed table, and wait until the broker has the changelog
    records, before the batch's input offsets can be committed.

    Faust's `table[key] = value` buffers the changelog record (`send_soon`) and commits input offsets
    without flushing that buffer, so a crash or a rebalance right after a commit could lose state whose
    events are already committed. Here the changelog write is confirmed first; the partition is the one
    the patient's events came from (co-partitioned), passed explicitly because a batch spans partitions.
    """
    changelog = table.changelog_topic.get_topic_name()
    encoded = {key: state.encode() for key, (state, _) in states.items()}
    await deliver([(changelog, key, encoded[key], partition) for key, (_, partition) in states.items()])
    for key, (state, _) in states.items():
        table.data[key] = encoded[key]
        decoded.put(key, encoded[key], state)


RETRY_PAUSE_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


async def deliver(records: list[Record]) -> None:
    """Hand every record to the app's aiokafka producer, in order, then wait until the broker has
    acknowledged them all; on a Kafka error, send them all again after a pause, until they are delivered.

    Straight to the producer, bytes in: the records are already serialized, and faust's `Topic.send`
    (codecs, per-message futures and callbacks, sensors) cost more than the engine's rules per event in a
    profile of the worker. Awaited one by one rather than gathered: each `send` returns at once with a
    delivery future, and gathering would wrap every record in a task of its own. While the broker is away
    the batch waits here, unacked (its partitions stall, visibly: lbp_delivery_retries_total); copies of
    records sent twice are deduped by `alert_id` downstream or rewrite the same state.
    """
    attempt = 0
    while True:
        try:
            delivered = [
                await app.producer.send(topic, key, value, partition, None, None)
                for topic, key, value, partition in records
            ]
            for future in delivered:
                await future
            return
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


def _record(topic: str, key: bytes | None, value: dict[str, Any]) -> Record:
    return (topic, key, orjson.dumps(value), None)


def _output_record(out: Output, key: bytes | None) -> Record:
    if isinstance(out, Alert):
        metrics.child(metrics.ALERTS, out.rule_id, out.topic).inc()
    else:
        metrics.child(metrics.RESOLVED, out.rule_id).inc()
    return _record(ALERT_TOPICS[out.topic], key, out.to_json())


async def handle_events(batch: Sequence[EventT]) -> None:
    started = time.monotonic()
    touched: dict[bytes, tuple[PatientState, int]] = {}
    records: list[Record] = []
    for ev in batch:
        msg = ev.message
        metrics.child(metrics.EVENTS, msg.topic).inc()
        try:
            event = decode_message(msg.topic, msg.key, msg.value)
        except BadInput as exc:
            records.append(_dead_letter_record(msg, exc.error_class, exc.message))
            continue
        key = event.patient_id.encode()
        try:
            state, outputs = apply(_current(patients, patient_states, touched, key), event, CONFIG)
        except Exception as exc:  # a bug must not stop the partition: dead-letter the event, keep going
            records.append(_processing_failed(msg, exc))
            continue
        touched[key] = (state, msg.partition)
        records += [_output_record(out, key) for out in outputs]
        obs = observation(event)
        if obs is not None:
            records.append(_record(PROVIDER_TOPIC, obs.provider_id.encode(), obs.to_json()))
    await deliver(records)
    await write_states(patients, patient_states, touched)
    now = time.time()
    for ev in batch:
        metrics.LATENCY.observe(max(0.0, now - ev.message.timestamp))
    metrics.BATCH_SECONDS.observe(time.monotonic() - started)


def _current(table: Any, decoded: Decoded, touched: dict[bytes, tuple[Any, int]], key: bytes) -> Any:
    """A key's state as this batch has it: touched earlier in the batch, else from the table, else None."""
    if key in touched:
        return touched[key][0]
    return decoded.take(table, key)


def _processing_failed(msg: Any, exc: Exception) -> Record:
    log.warning("processing failed (%s); record dead-lettered", type(exc).__name__)
    return _dead_letter_record(msg, "processing", f"{type(exc).__name__}: {exc}")


def _dead_letter_record(msg: Any, error_class: str, error: str) -> Record:
    metrics.child(metrics.DEAD_LETTERS, error_class).inc()
    record = dead_letter(
        msg.value or b"", error_class, error, topic=msg.topic, key=msg.key, partition=msg.partition, offset=msg.offset
    )
    return _record(settings.TOPIC_DEAD_LETTER, msg.key, record)


async def handle_observations(batch: Sequence[EventT]) -> None:
    touched: dict[bytes, tuple[ProviderState, int]] = {}
    records: list[Record] = []
    for ev in batch:
        msg = ev.message
        try:
            obs = Observation.from_json(orjson.loads(msg.value))
        except Exception as exc:  # written by us; a bad one is still never dropped silently
            records.append(_processing_failed(msg, exc))
            continue
        key = obs.provider_id.encode()
        try:
            state, outputs = apply_provider(_current(providers, provider_states, touched, key), obs, CONFIG)
        except Exception as exc:  # as for patients: dead-letter, keep the partition going
            records.append(_processing_failed(msg, exc))
            continue
        metrics.provider_windows[obs.provider_id] = state.window_stats(obs.date_of_service, CONFIG.share)
        touched[key] = (state, msg.partition)
        records += [_output_record(out, key) for out in outputs]
    await deliver(records)
    await write_states(providers, provider_states, touched)


BATCH_WITHIN = settings.BATCH_WITHIN_MS / 1000


commits.install(app)


@app.agent(input_topic)
async def process_events(stream: Any) -> None:
    commits.hold(stream)  # offsets are committed only for batches that are done (streams/commits.py)
    async for batch in stream.take_events(settings.BATCH_SIZE, within=BATCH_WITHIN):
        await handle_events(batch)
        commits.done(batch, app.consumer)


@app.agent(provider_topic)
async def process_provider_observations(stream: Any) -> None:
    commits.hold(stream)
    async for batch in stream.take_events(settings.BATCH_SIZE, within=BATCH_WITHIN):
        await handle_observations(batch)
        commits.done(batch, app.consumer)
