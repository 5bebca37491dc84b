from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.localkafka import LocalBroker
from tests.broker.harness import Deployment


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/broker/" in str(item.fspath):
            item.add_marker(pytest.mark.broker)


@pytest.fixture
def deployment(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(kafka_broker, tmp_path)
    d.create_topics()
    yield d
