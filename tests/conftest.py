"""Shared fixtures. Broker tests (tests/broker/) get a real Apache Kafka broker, started once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams import settings
from streams.localkafka import LocalBroker


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A single-node KRaft broker on a free loopback port (jars from Maven Central, cached)."""
    state_dir = Path(os.environ.get("STREAMS_TEST_BROKER_DIR") or tmp_path_factory.mktemp("broker"))
    broker = LocalBroker(state_dir=state_dir, cache_dir=settings.CACHE_DIR)
    broker.start(timeout=120)
    try:
        yield broker
    finally:
        broker.stop()
