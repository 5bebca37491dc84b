"""The worker's consumer long-polls for STREAMS_CONSUMER_FETCH_WAIT_MS, not faust's fixed 1.5 s."""

from __future__ import annotations

import asyncio

from streams import settings
from streams.app import app


def test_the_worker_consumer_waits_the_configured_time() -> None:
    async def build() -> int:
        thread = app.consumer._thread  # faust's consumer thread, as the worker starts it
        consumer = thread._create_worker_consumer(app.consumer.transport)
        return consumer._fetch_max_wait_ms

    assert settings.CONSUMER_FETCH_WAIT_MS == 100
    assert asyncio.run(build()) == 100
