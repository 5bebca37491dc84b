"""Sending input events to Kafka with kafka-python (the tooling side: sample streams, tests, benches)."""

from __future__ import annotations

from types import TracebackType

import orjson

from streams import settings
from streams.topics import INPUT_TOPIC_OF, bootstrap_servers

TOPIC_OF_EVENT_TYPE = {
    "encounter.signed": INPUT_TOPIC_OF["encounter-signed"],
    "imaging.resulted": INPUT_TOPIC_OF["imaging-resulted"],
    "priorauth.requested": INPUT_TOPIC_OF["prior-auth-requested"],
    "claim.submitted": INPUT_TOPIC_OF["claim-submitted"],
}


def route(line: bytes, fallback_topic: str | None = None) -> tuple[str, bytes | None]:
    """(topic, key) for one JSON line: the topic its event_type names, keyed by its patient_id."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and doc.get("event_type") in TOPIC_OF_EVENT_TYPE:
        pid = doc.get("patient_id")
        return TOPIC_OF_EVENT_TYPE[doc["event_type"]], str(pid).encode() if pid is not None else None
    return fallback_topic or settings.TOPIC_CLAIMS, None


class EventProducer:
    def __init__(self, url: str = settings.BROKER_URL) -> None:
        from kafka import KafkaProducer

        # acks=all and one request in flight: per-partition order is kept through retries
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers(url),
            acks="all",
            linger_ms=5,
            max_in_flight_requests_per_connection=1,
            client_id="lbp-streams-producer",
            **settings.kafka_python_security(),
        )

    def send_line(self, line: bytes, fallback_topic: str | None = None) -> None:
        topic, key = route(line, fallback_topic)
        self._producer.send(topic, key=key, value=line)

    def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        self._producer.send(topic, key=key, value=value)

    def flush(self) -> None:
        self._producer.flush()

    def __enter__(self) -> EventProducer:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._producer.flush()
        self._producer.close()
