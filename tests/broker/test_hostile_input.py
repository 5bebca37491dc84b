"""Hostile input through the live worker: every malformed record is dead-lettered, nothing stops.

The pure-path fuzz test (tests/test_fuzz_decode.py) shows `decode` raises only BadInput. This one shows
the Faust shell keeps the promise end to end, on the real broker, with what only Kafka can deliver: a
key that is not the patient id, a non-UTF-8 key, a tombstone (no value), a valid event on the wrong
topic. Malformed records are interleaved with a valid generated stream; the valid events must still
give replay's alerts, so a bad record neither stops a partition nor disturbs the state of its patient.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
import urllib.request
from collections import Counter

import orjson

from streams.core.events import TOPIC_OF_TYPE, BadInput, decode
from streams.generate import generate
from streams.replay import Replay
from tests.broker.harness import ALERT_TOPICS, Deployment, Worker
from tests.test_fuzz_decode import MUTATIONS

MALFORMED = 2000
SEED = 4242

Record = tuple[str, bytes | None, bytes | None]  # (contract topic, key, value)


def _malformed(valid: list[bytes], other_patients: list[bytes], rng: random.Random) -> list[Record]:
    """Records the worker must dead-land: mutations that decode rejects, plus Kafka-level hostility."""
    out: list[Record] = []
    # Kafka-level: these decode fine or have no value at all; the record around them is what is wrong
    for raw in other_patients[:150]:  # other patients: if the key check were missed, alerts would differ
        doc = orjson.loads(raw)
        topic = TOPIC_OF_TYPE[doc["event_type"]]
        out.append((topic, f"not-{doc['patient_id']}".encode(), raw))  # key is not the patient_id
        out.append((topic, b"\xff\xfe" + doc["patient_id"].encode(), raw))  # non-UTF-8 key
        out.append((topic, None, raw))  # no key: it landed on any partition
        wrong = rng.choice([t for t in TOPIC_OF_TYPE.values() if t != topic])
        out.append((wrong, doc["patient_id"].encode(), raw))  # a valid event on another input topic
    for topic in TOPIC_OF_TYPE.values():
        out += [(topic, b"pat-tombstone", None)] * 10  # a tombstone: a key and no value
        out += [(topic, None, b"\xff\xfe\xfd not utf-8 \x80\x81")] * 10  # non-UTF-8 value
        out.append((topic, None, b"x" * 500_000))  # large (see the near-the-limit test below)
    for raw in valid[:50]:
        doc = orjson.loads(raw)
        doc["schema_version"] = 2
        out.append((TOPIC_OF_TYPE[doc["event_type"]], doc["patient_id"].encode(), orjson.dumps(doc)))
    # the seeded mutator of the fuzz test, keeping only what decode rejects on the record's own topic
    while len(out) < MALFORMED:
        raw = rng.choice(valid)
        doc = orjson.loads(raw)
        topic = TOPIC_OF_TYPE[doc["event_type"]]
        bad, _ = rng.choice(MUTATIONS)(rng, doc, raw)
        try:
            decode(bad, topic)
        except BadInput:
            key = rng.choice([None, orjson.loads(raw)["patient_id"].encode()])
            out.append((topic, key, bad))
    return out


def _produce(deployment: Deployment, records: list[Record]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=deployment.broker.bootstrap,
        acks="all",
        linger_ms=5,
        max_in_flight_requests_per_connection=1,  # keep each partition in the order given
        max_request_size=2_000_000,
    )
    for topic, key, value in records:
        producer.send(deployment.topic(topic), key=key, value=value)
    producer.flush()
    producer.close()


def _replay_alerts(lines: list[bytes]) -> tuple[set[str], set[str]]:
    alerts, resolved = set(), set()
    for item in Replay().outputs(lines):
        assert not isinstance(item, dict), f"the valid stream has a dead letter: {item}"
        (alerts if item.to_json()["record_type"] == "alert" else resolved).add(item.alert_id)
    return alerts, resolved


def _ready(worker: Worker) -> bool:
    try:
        with urllib.request.urlopen(f"{worker.url}/readyz", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def test_malformed_records_are_dead_lettered_and_valid_ones_still_alert(deployment: Deployment) -> None:
    rng = random.Random(SEED)
    valid = generate(50, seed=SEED, bad_lines=False).lines
    malformed = _malformed(valid, generate(20, seed=SEED + 1, bad_lines=False).lines, rng)
    want_alerts, want_resolved = _replay_alerts(valid)
    assert want_alerts, "the valid stream should raise alerts for the comparison to mean something"

    # interleave: the valid stream in its own order, malformed records spread between its lines
    records: list[Record] = []
    cuts = sorted(rng.randrange(len(valid) + 1) for _ in malformed)
    bad_iter, cut_iter = iter(malformed), iter(cuts)
    cut = next(cut_iter, None)
    for i, raw in enumerate([*valid, None]):
        while cut is not None and cut == i:
            records.append(next(bad_iter))
            cut = next(cut_iter, None)
        if raw is not None:
            doc = orjson.loads(raw)
            records.append((TOPIC_OF_TYPE[doc["event_type"]], doc["patient_id"].encode(), raw))
    assert len(records) == len(valid) + len(malformed)

    worker = Worker(deployment, "hostile").start()
    try:
        start = time.monotonic()
        _produce(deployment, records)
        at_least = len(want_alerts - want_resolved) + len(malformed)
        out = deployment.read([*ALERT_TOPICS, "dead-letter"], until=at_least, idle=4, timeout=75)
        elapsed = time.monotonic() - start
        alive, ready = worker.proc is not None and worker.proc.poll() is None, _ready(worker)
    finally:
        worker.stop()
    dead = [r for t, _, r in out if t == "dead-letter"]
    got_alerts = {r["alert_id"] for t, _, r in out if t != "dead-letter" and r.get("record_type") == "alert"}
    got_resolved = {r["alert_id"] for t, _, r in out if r.get("record_type") == "alert.resolved"}
    classes = Counter(r["error_class"] for r in dead)
    print(
        f"\n{len(malformed)} malformed + {len(valid)} valid records -> {len(dead)} dead letters "
        f"{dict(sorted(classes.items()))}, {len(got_alerts)} alerts in {elapsed:.1f}s"
    )
    assert alive and ready, f"the worker stopped or is not ready:\n{worker.log_tail()}"
    # every malformed record, and nothing else, is in dead-letter, with its original bytes and a reason
    assert len(dead) == len(malformed), worker.log_tail()

    def sent_digest(r: dict) -> str:  # big originals are cut to 256 KiB and carry the whole one's SHA-256
        return r.get("original_sha256") or hashlib.sha256(base64.b64decode(r["original"])).hexdigest()

    assert Counter(map(sent_digest, dead)) == Counter(hashlib.sha256(v or b"").hexdigest() for _, _, v in malformed)
    assert all(r["error"] and r["error_class"] and r["offset"] is not None for r in dead)
    assert "processing" not in classes, [r["error"] for r in dead if r["error_class"] == "processing"][:5]
    keyed = [r for r in dead if r["error"].startswith("record key:")]
    assert len(keyed) == 450  # not the patient id, not UTF-8, missing: 150 each
    assert sum(1 for r in keyed if r["error"].startswith("record key: missing")) == 150
    assert classes["unsupported_version"] >= 50 and classes["wrong_topic"] >= 150
    # the valid events give replay's alerts (same check and same order caveat as test_worker_matches_replay)
    assert got_alerts - got_resolved == want_alerts - want_resolved
    assert got_alerts ^ want_alerts <= got_resolved | want_resolved


def test_a_record_near_the_size_limit_is_dead_lettered_and_the_agent_goes_on(deployment: Deployment) -> None:
    """The broker accepts records up to ~1 MB; the dead letter carries the original in base64 (4/3 larger),
    so it keeps only the first 256 KiB of a big original, with its size and SHA-256 (before that cap, the
    dead-letter send failed with MessageSizeTooLargeError and the agent crashed)."""
    valid = generate(3, seed=SEED, bad_lines=False).lines
    doc = orjson.loads(valid[0])
    topic, key = TOPIC_OF_TYPE[doc["event_type"]], doc["patient_id"].encode()
    worker = Worker(deployment, "big").start()
    try:
        # one partition (same key): the big record, then a schema_version 2 record that must follow it
        _produce(deployment, [(topic, key, b"x" * 900_000), (topic, key, orjson.dumps(dict(doc, schema_version=2)))])
        out = deployment.read(["dead-letter"], until=2, idle=2, timeout=20)
    finally:
        worker.stop()
    assert len(out) == 2, worker.log_tail(5)
    big = next(r for _, _, r in out if r.get("original_truncated"))
    assert big["original_size"] == 900_000 and len(base64.b64decode(big["original"])) == 256 * 1024
