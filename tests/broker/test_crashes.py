"""Faults on the real broker: the worker SIGKILLed (or stopped with SIGTERM) at five seeded points, and the
broker itself stopped and restarted mid-stream. At the end the alerts on the topics are replay's: nothing
lost, nothing the engine raised that replay does not (redelivered copies of an id are allowed; consumers
dedupe by alert_id)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streams import settings
from streams.generate import generate
from streams.localkafka import LocalBroker
from streams.replay import Replay
from tests.broker.harness import ALERT_TOPICS, TOPIC_OF_TYPE, Deployment, Worker

SEED = 20261125
PATIENTS = 2400  # about 21,000 events


RULE_OF: dict[str, str] = {}  # alert id -> rule id, from replay: a failure names the rules of what was lost


def replay_sets(lines: list[bytes]) -> tuple[set[str], set[str]]:
    raised, resolved = set(), set()
    for o in Replay().outputs(lines):
        if not isinstance(o, dict):
            (raised if o.to_json()["record_type"] == "alert" else resolved).add(o.alert_id)
            RULE_OF[o.alert_id] = o.rule_id
    return raised, resolved


class Feeder(threading.Thread):
    """Produces the events at a steady rate in the background (kafka-python, keyed by patient)."""

    def __init__(self, deployment: Deployment, lines: list[bytes], rate: float) -> None:
        super().__init__(daemon=True)
        self.deployment, self.lines, self.rate = deployment, lines, rate
        self.error: BaseException | None = None

    def run(self) -> None:
        from kafka import KafkaProducer

        try:
            producer = KafkaProducer(
                bootstrap_servers=self.deployment.broker.bootstrap,
                acks="all",
                linger_ms=5,
                max_in_flight_requests_per_connection=1,
                retries=1_000_000,
                delivery_timeout_ms=300_000,
                request_timeout_ms=10_000,
            )
            start = time.monotonic()
            for i, line in enumerate(self.lines):
                doc = orjson.loads(line)
                topic = self.deployment.topic(TOPIC_OF_TYPE[doc["event_type"]])
                producer.send(topic, key=doc["patient_id"].encode(), value=line)
                ahead = (i + 1) / self.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
            producer.flush(timeout=300)
            producer.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def final_sets(deployment: Deployment, want_open: set[str], timeout: float = 300) -> tuple[set[str], set[str], int]:
    """Read the alert topics until the open alerts cover replay's (or time out): (raised, resolved, copies)."""
    deadline = time.monotonic() + timeout
    while True:
        records = deployment.read(ALERT_TOPICS, idle=3, timeout=60)
        alerts = [r["alert_id"] for _, _, r in records if r["record_type"] == "alert"]
        raised = set(alerts)
        resolved = {r["alert_id"] for _, _, r in records if r["record_type"] == "alert.resolved"}
        if want_open <= raised - resolved or time.monotonic() > deadline:
            return raised, resolved, len(alerts) - len(raised)
        time.sleep(2)


def assert_same_as_replay(raised: set[str], resolved: set[str], want: tuple[set[str], set[str]]) -> None:
    want_raised, want_resolved = want
    lost = (want_raised - want_resolved) - (raised - resolved)
    by_rule = Counter(RULE_OF.get(alert_id, "?") for alert_id in lost)
    assert not lost, f"{len(lost)} alerts open in replay never reached the topics: {dict(by_rule)}"
    assert raised - resolved == want_raised - want_resolved
    # ids raised differ only by alerts raised on partial data and resolved (see README "Order of arrival")
    assert raised ^ want_raised <= resolved | want_resolved


@pytest.fixture(scope="module")
def stream() -> tuple[list[bytes], tuple[set[str], set[str]]]:
    lines = generate(PATIENTS, seed=SEED, bad_lines=False).lines
    assert len(lines) >= 20_000
    return lines, replay_sets(lines)


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGTERM"])
def test_worker_stopped_five_times(deployment: Deployment, stream: tuple, signal_name: str) -> None:
    """SIGKILL: a crash (nothing is committed after the last batch). SIGTERM: a graceful stop, as in a
    rolling deploy; faust cancels the agent mid-batch and commits what was acked on its way out."""
    lines, want = stream
    rng = random.Random(SEED)
    rate = 1500.0  # ~14 s of producing: the stops land while events flow
    stop_after = sorted(rng.uniform(1.0, len(lines) / rate) for _ in range(5))
    print(f"\nseed {SEED}: {signal_name} at {[round(t, 2) for t in stop_after]} s after the stream starts")
    feeder = Feeder(deployment, lines, rate)
    worker = Worker(deployment, "k0").start()
    start = time.monotonic()
    feeder.start()
    for n, at in enumerate(stop_after, 1):
        time.sleep(max(0.0, start + at - time.monotonic()))
        if signal_name == "SIGKILL":
            worker.kill()
        else:
            worker.stop()
        worker = Worker(deployment, f"k{n}").start(ready_timeout=120)
    feeder.join(timeout=600)
    assert feeder.error is None, feeder.error
    try:
        raised, resolved, copies = final_sets(deployment, want[0] - want[1])
    finally:
        worker.stop()
    print(f"{len(raised)} alert ids, {copies} redelivered copies on the topics")
    assert_same_as_replay(raised, resolved, want)


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker of this test's own: it is stopped and restarted mid-stream."""
    broker = LocalBroker(state_dir=tmp_path / "broker", cache_dir=settings.CACHE_DIR).start()
    try:
        yield broker
    finally:
        broker.stop()


def test_broker_restarted_mid_stream(own_broker: LocalBroker, tmp_path: Path, stream: tuple) -> None:
    lines, want = stream
    deployment = Deployment(own_broker, tmp_path)
    deployment.create_topics()
    feeder = Feeder(deployment, lines, 1500.0)
    # sends the broker does not confirm while it is down are sent again until it is back (agents.deliver):
    # no agent crashes, and the outcome below is replay's
    worker = Worker(deployment, "b0")
    worker.start()
    try:
        feeder.start()
        time.sleep(5)
        own_broker.stop()  # SIGTERM: a controlled shutdown
        time.sleep(3)
        own_broker.start()  # same port, same log dir
        feeder.join(timeout=600)
        assert feeder.error is None, feeder.error
        assert worker.proc is not None and worker.proc.poll() is None, "the worker died with the broker"
        raised, resolved, copies = final_sets(deployment, want[0] - want[1])
    finally:
        worker.stop()
    print(f"\nbroker restart: {len(raised)} alert ids, {copies} redelivered copies")
    assert_same_as_replay(raised, resolved, want)
