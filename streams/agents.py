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
Steps 2-4 run in the background (`pipeline`) while the agent applies the next batch, which reads the
states still on their way; batches finish in order. A crash after 2 and before 3 re-delivers the batch
onto the old state: the same alerts (same ids) are sent again, which consumers dedupe by `alert_id`. A
crash after 3 and before 4 re-delivers events whose ids the state already holds: nothing is sent twice. A
send the broker does not confirm (broker down, timeouts) is retried until it is, never raised: a crashed
agent's batch stays held (`commits`), so its partitions would stall until the worker restarts, where a
retry goes on as soon as the broker is back. No alert is ever lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Sequence
from typing import Any

import orjson
from faust.types import EventT

from streams import commits, metrics, settings
from streams.app import app
from streams.core.alerts import Alert, Output
from streams.core.deadletter import dead_letter
from streams.core.engine import apply, apply_provider, observation, uncovered_year
from streams.core.events import BadInput, Event, decode
from streams.core.rules.ops_provider_unspecified_share import Observation, ProviderState
from streams.core.state import PatientState
from streams.pipeline import Pipeline, Record, StateTable
from streams.topics import (
    ALERT_TOPICS,
    CONTRACT_NAME_OF,
    INPUT_TOPICS,
    PATIENT_TABLE,
    PROVIDER_TABLE,
    PROVIDER_TOPIC,
    changelog_topic,
    topic_configs,
)

log = logging.getLogger(__name__)

RAW = {"key_serializer": "raw", "value_serializer": "raw"}
CONFIG = settings.engine_config()

input_topic = app.topic(*INPUT_TOPICS, allow_empty=True, **RAW)
provider_topic = app.topic(PROVIDER_TOPIC, **RAW)
# declared here so faust creates them at start; written by name through the producer (`pipeline.enqueue`)
dead_letter_topic = app.topic(settings.TOPIC_DEAD_LETTER, **RAW)
alert_topics = {name: app.topic(configured, **RAW) for name, configured in ALERT_TOPICS.items()}

# faust creates the changelogs (compacted) with these configs (min.insync.replicas, as the project's topics)
patients = app.Table(
    PATIENT_TABLE,
    key_type=bytes,
    value_type=bytes,
    partitions=settings.TOPIC_PARTITIONS,
    extra_topic_configs=topic_configs(changelog_topic(PATIENT_TABLE)),
)
providers = app.Table(
    PROVIDER_TABLE,
    key_type=bytes,
    value_type=bytes,
    partitions=settings.TOPIC_PARTITIONS,
    extra_topic_configs=topic_configs(changelog_topic(PROVIDER_TABLE)),
)
patient_states = StateTable(patients, PatientState.decode, settings.DECODED_STATES)
provider_states = StateTable(providers, ProviderState.decode, settings.DECODED_STATES)
patient_batches = Pipeline(app, patient_states, settings.BATCHES_IN_FLIGHT, finished=metrics.batch_finished)
provider_batches = Pipeline(app, provider_states, settings.BATCHES_IN_FLIGHT)


def decode_message(topic: str, key: bytes | None, value: bytes | None) -> Event:
    """Decode and validate one record; the Kafka key must be the event's patient_id (co-partitioning): a
    record without a key landed on a partition its patient's state does not live on."""
    if value is None:
        raise BadInput("invalid_json", "the record has no value: expected a JSON event")
    event = decode(value, CONTRACT_NAME_OF.get(topic, topic))
    if key is None:
        raise BadInput("schema", "record key: missing, expected the event's patient_id as the Kafka key")
    if key != event.patient_id.encode():
        raise BadInput("schema", "record key: expected the event's patient_id as the Kafka key")
    return event


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
    observed: dict[str, list[dict[str, Any]]] = {}  # provider_id -> its observations, in event order
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
            state, outputs = apply(_current(patient_states, touched, key), event, CONFIG)
        except Exception as exc:  # a bug must not stop the partition: dead-letter the event, keep going
            records.append(_processing_failed(msg, exc))
            continue
        touched[key] = (state, msg.partition)
        records += [_output_record(out, key) for out in outputs]
        if (fy := uncovered_year(event)) is not None:
            metrics.outside_code_sets(msg.topic, fy)
        obs = observation(event)
        if obs is not None:
            observed.setdefault(obs.provider_id, []).append(obs.to_json())
    records += observation_records(observed)
    await patient_batches.submit(batch, records, touched, started)


def observation_records(observed: dict[str, list[dict[str, Any]]]) -> list[Record]:
    """One `provider-encounters` record per provider per batch, its observations in event order.

    Why not one per observation: each record costs the provider agent faust's per-record fetch and stream
    machinery again (about 150 us here, more than applying it); 500 events of the generated stream carry
    ~190 observations of ~67 providers."""
    return [
        _record(PROVIDER_TOPIC, provider_id.encode(), {"observations": group})
        for provider_id, group in observed.items()
    ]


def observations_of(value: bytes) -> list[Observation]:
    """The observations in one `provider-encounters` record: a group (`{"observations": [...]}`), or one
    observation on its own, as workers before the grouping wrote them (still in the topic after an upgrade)."""
    doc = orjson.loads(value)
    group = doc.get("observations", [doc])
    return [Observation.from_json(one) for one in group]


def _current(states: StateTable, touched: dict[bytes, tuple[Any, int]], key: bytes) -> Any:
    """A key's state as this batch has it: touched earlier in the batch, else the newest staged or in the
    table, else None."""
    if key in touched:
        return touched[key][0]
    return states.current(key)


def _processing_failed(msg: Any, exc: Exception, where: str = "") -> Record:
    log.warning("processing failed (%s); record dead-lettered", type(exc).__name__)
    return _dead_letter_record(msg, "processing", f"{where}{type(exc).__name__}: {exc}")


def _dead_letter_record(msg: Any, error_class: str, error: str) -> Record:
    metrics.child(metrics.DEAD_LETTERS, error_class).inc()
    record = dead_letter(
        msg.value or b"", error_class, error, topic=msg.topic, key=msg.key, partition=msg.partition, offset=msg.offset
    )
    return _record(settings.TOPIC_DEAD_LETTER, msg.key, record)


async def handle_observations(batch: Sequence[EventT]) -> None:
    started = time.monotonic()
    touched: dict[bytes, tuple[ProviderState, int]] = {}
    records: list[Record] = []
    for ev in batch:
        msg = ev.message
        try:
            group = observations_of(msg.value)
        except Exception as exc:  # written by us; a bad one is still never dropped silently
            records.append(_processing_failed(msg, exc))
            continue
        for number, obs in enumerate(group, 1):
            key = obs.provider_id.encode()
            try:
                state, outputs = apply_provider(_current(provider_states, touched, key), obs, CONFIG)
            except Exception as exc:  # as for patients: dead-letter, keep the partition going
                records.append(_processing_failed(msg, exc, f"observation {number} of {len(group)}: "))
                continue
            # the current window (a backfilled old visit does not stand for it), and the partition it lives on
            current = state.newest() or obs.date_of_service
            metrics.provider_windows[obs.provider_id] = (msg.partition, *state.window_stats(current, CONFIG.share))
            touched[key] = (state, msg.partition)
            records += [_output_record(out, key) for out in outputs]
    await provider_batches.submit(batch, records, touched, started)


BATCH_WITHIN = settings.BATCH_WITHIN_MS / 1000


@app.timer(interval=5.0)
async def export_oldest_batch_age() -> None:
    now = time.monotonic()
    metrics.OLDEST_BATCH.set(max(p.oldest_unfinished_age(now) for p in (patient_batches, provider_batches)))


commits.install(app)


async def stop_on_failure(handled: Awaitable[None]) -> None:
    """A batch that fails outside one event's processing (that event is dead-lettered) stops the worker:
    faust's supervisor would restart the agent past the batch, which would then never be applied, hold its
    partitions' commits, and leave later batches building on states that were never written. The next
    worker to own the partitions gets the batch again from the last commit."""
    try:
        await handled
    except Exception as exc:
        log.error("a batch could not be handled (%s); stopping the worker", type(exc).__name__)
        await app.crash(exc)
        raise


@app.agent(input_topic)
async def process_events(stream: Any) -> None:
    commits.hold(stream)  # offsets are committed only for batches that are done (streams/commits.py)
    async for batch in stream.take_events(settings.BATCH_SIZE, within=BATCH_WITHIN):
        await stop_on_failure(handle_events(batch))


@app.agent(provider_topic)
async def process_provider_observations(stream: Any) -> None:
    commits.hold(stream)
    async for batch in stream.take_events(settings.BATCH_SIZE, within=BATCH_WITHIN):
        await stop_on_failure(handle_observations(batch))
