"""How long the worker's consumer lets the broker hold a fetch when no records are waiting.

faust's aiokafka driver creates the worker's consumer with `fetch_max_wait_ms=1500`, written into the call
(no faust setting reaches it). The broker answers one request per connection at a time, so every other
request on that connection (the offset look-ups of a rebalance, recovery's end offsets) waited behind a
long-poll in flight: a restart with 100,000 patients in the changelog was ready in 7.5 s instead of 4.4 s,
and an empty start took 0.7 s longer (bench/RESULTS.md). A fetch still returns as soon as a record
arrives; the shorter wait only means more empty fetches while idle (10 a second at 100 ms, each a few
hundred bytes).

`install` wraps the driver's consumer factory and sets aiokafka's value before the consumer starts (it
builds its fetcher from it in `start`). The attribute is aiokafka's own, not public: `install` checks it
is there, so an upgrade that renames it fails at start instead of silently waiting 1.5 s again.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from streams import settings

_faust_create_worker_consumer = AIOKafkaConsumerThread._create_worker_consumer


def _create_worker_consumer(self: AIOKafkaConsumerThread, transport: Any) -> Any:
    consumer = _faust_create_worker_consumer(self, transport)
    if not hasattr(consumer, "_fetch_max_wait_ms"):
        raise RuntimeError("aiokafka's consumer has no _fetch_max_wait_ms: streams/fetching.py needs updating")
    consumer._fetch_max_wait_ms = settings.CONSUMER_FETCH_WAIT_MS
    return consumer


def install() -> None:
    AIOKafkaConsumerThread._create_worker_consumer = _create_worker_consumer  # type: ignore[method-assign]
