"""Running the real product against the test broker: a worker process, a producer, topic readers.

Each test gets its own topic names, app id (consumer group, changelog topics) and data dir through the
same environment variables a deployment uses (streams/settings.py), so tests never see each other's records.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams.localkafka import LocalBroker, free_port

CONTRACT_TOPICS = {
    "ENCOUNTERS": "encounter-signed",
    "IMAGING": "imaging-resulted",
    "PRIOR_AUTH": "prior-auth-requested",
    "CLAIMS": "claim-submitted",
    "ALERTS_CODING": "alerts-coding",
    "ALERTS_PRIOR_AUTH": "alerts-prior-auth",
    "ALERTS_CLAIMS": "alerts-claims",
    "ALERTS_OPERATIONS": "alerts-operations",
    "DEAD_LETTER": "dead-letter",
    "PROVIDER_ENCOUNTERS": "provider-encounters",
}
TOPIC_OF_TYPE = {
    "encounter.signed": "encounter-signed",
    "imaging.resulted": "imaging-resulted",
    "priorauth.requested": "prior-auth-requested",
    "claim.submitted": "claim-submitted",
}
ALERT_TOPICS = ("alerts-coding", "alerts-prior-auth", "alerts-claims", "alerts-operations")


@dataclass
class Deployment:
    """One isolated deployment of the product on the shared test broker."""

    broker: LocalBroker
    root: Path
    partitions: int = 4
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:8]}")

    def topic(self, contract_name: str) -> str:
        return f"{self.prefix}.{contract_name}"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({f"STREAMS_TOPIC_{k}": self.topic(v) for k, v in CONTRACT_TOPICS.items()})
        env.update(
            STREAMS_BROKER_URL=f"kafka://{self.broker.bootstrap}",
            STREAMS_TOPIC_PARTITIONS=str(self.partitions),
            STREAMS_APP_ID=f"{self.prefix}-app",
            STREAMS_LOG_LEVEL="info",
            STREAMS_BATCH_WITHIN_MS="20",
        )
        env.update(extra)
        return env

    def create_topics(self) -> None:
        from kafka import KafkaAdminClient
        from kafka.admin import NewTopic

        admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            names = [self.topic(v) for v in CONTRACT_TOPICS.values()]
            admin.create_topics([NewTopic(n, self.partitions, 1) for n in names])
        finally:
            admin.close()

    def produce(self, lines: Iterable[bytes], fallback: str = "claim-submitted") -> int:
        """Each line to the topic its event_type names, keyed by patient_id (kafka-python)."""
        from kafka import KafkaProducer

        producer = KafkaProducer(
            bootstrap_servers=self.broker.bootstrap, acks="all", linger_ms=5, max_in_flight_requests_per_connection=1
        )
        n = 0
        for line in lines:
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                doc = None
            if isinstance(doc, dict) and doc.get("event_type") in TOPIC_OF_TYPE:
                topic, key = TOPIC_OF_TYPE[doc["event_type"]], str(doc.get("patient_id", "")).encode()
            else:
                topic, key = fallback, None
            producer.send(self.topic(topic), key=key, value=line)
            n += 1
        producer.flush()
        producer.close()
        return n

    def records_in(self, contract_topic: str) -> int:
        """Records ever written to a topic (the sum of its partitions' end offsets): 0 proves none was, where
        a read that waits for silence could stop before its first fetch returned."""
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=self.broker.bootstrap, enable_auto_commit=False)
        try:
            tps = [TopicPartition(self.topic(contract_topic), p) for p in range(self.partitions)]
            return sum(consumer.end_offsets(tps).values())
        finally:
            consumer.close()

    def uncommitted(self) -> int:
        """Input records past the worker group's committed offsets (0: every record read was committed)."""
        from kafka import KafkaConsumer, TopicPartition

        tps = [TopicPartition(self.topic(t), p) for t in TOPIC_OF_TYPE.values() for p in range(self.partitions)]
        # the group's committed offsets, read without joining the group
        consumer = KafkaConsumer(
            bootstrap_servers=self.broker.bootstrap, group_id=f"{self.prefix}-app", enable_auto_commit=False
        )
        try:
            ends = consumer.end_offsets(tps)
            return sum(end - (consumer.committed(tp) or 0) for tp, end in ends.items())
        finally:
            consumer.close()

    def read(
        self,
        contract_topics: Iterable[str],
        *,
        until: int | None = None,
        idle: float = 5.0,
        timeout: float = 120.0,
        seen: Callable[[list[tuple[str, bytes | None, dict]]], bool] | None = None,
    ) -> list[tuple[str, bytes | None, dict]]:
        """Records on the given topics from the beginning: (contract topic, key, value as JSON).

        Stops when `until` records were read and `seen` (if given) holds for them (then waits `idle` seconds
        more for extras), or after `idle` seconds without a record, or at `timeout`.
        """
        from kafka import KafkaConsumer

        names = {self.topic(t): t for t in contract_topics}
        consumer = KafkaConsumer(
            *names,
            bootstrap_servers=self.broker.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        out: list[tuple[str, bytes | None, dict]] = []
        start = last = time.monotonic()
        try:
            while time.monotonic() - start < timeout:
                batch = consumer.poll(timeout_ms=300)
                for tp, records in batch.items():
                    out += [(names[tp.topic], r.key, orjson.loads(r.value)) for r in records]
                    last = time.monotonic()
                quiet = time.monotonic() - last
                if until is not None and len(out) >= until and quiet > idle and (seen is None or seen(out)):
                    break
                if until is None and quiet > idle:
                    break
        finally:
            consumer.close()
        return out


_LABEL = re.compile(r'(\w+)="([^"]*)"')  # one label of a Prometheus series


class Worker:
    """`lbp-streams worker` as a subprocess, its log in a file."""

    command = (sys.executable, "-m", "streams", "worker")  # bench/bench_floor.py runs another app this way

    def __init__(self, deployment: Deployment, name: str = "w1", **env: str) -> None:
        self.port = free_port()
        self.log_path = deployment.root / f"{name}.log"
        data_dir = deployment.root / f"{name}-data"
        self.env = deployment.env(STREAMS_WEB_PORT=str(self.port), STREAMS_DATA_DIR=str(data_dir), **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_at = 0.0  # wall-clock time /readyz first answered 200
        self.agent_crashes_allowed = False  # a test stopping the broker under a worker sets it

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 90.0) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child process owns it
        self.proc = subprocess.Popen(
            list(self.command),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> float:
        import urllib.request

        start = time.monotonic()
        while time.monotonic() - start < timeout:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as r:
                    if r.status == 200:
                        self.ready_at = time.time()
                        return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.log_tail()}")

    def metric(self, name: str, **labels: str) -> float | None:
        """The sum of the worker's `name` series (from its /metrics) whose labels include `labels`; None if
        it has none yet."""
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/metrics", timeout=10) as r:
            text = r.read().decode()
        values = []
        for line in text.splitlines():
            series, _, value = line.rpartition(" ")
            if series.split("{", 1)[0] != name or line.startswith("#"):
                continue
            found = dict(_LABEL.findall(series))
            if all(found.get(k) == v for k, v in labels.items()):
                values.append(float(value))
        return sum(values) if values else None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if not self.agent_crashes_allowed:
            self.assert_no_agent_crashed()

    def assert_no_agent_crashed(self) -> None:
        """faust restarts a crashed agent, so a test can pass on redelivery alone while every batch fails
        (it happened): any crash in the log fails the test unless the test provokes them on purpose."""
        crashes = [line for line in self.log_tail(100_000).splitlines() if "Crashed reason=" in line]
        assert not crashes, f"an agent crashed in {self.log_path.name}:\n{crashes[0][:2000]}"

    def kill(self) -> None:
        self.stop(signal.SIGKILL)
