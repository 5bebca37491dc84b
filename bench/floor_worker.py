"""faust's own floor on this stack: the worker's app, settings and faust patches with one agent that only
takes its batches and releases their offsets. No decode, no state, no output: what every record costs
before any of our code runs. Not the product; `bench/bench_floor.py` starts it in place of the worker.

    python -m bench.floor_worker      # the same environment as `lbp-streams worker`
"""

from __future__ import annotations

import sys
from typing import Any

from faust.web import Request, Response, View

from streams import commits, settings
from streams.app import app
from streams.logs import configure_worker
from streams.topics import INPUT_TOPICS, ensure_topics

app.conf.autodiscover = False  # not streams.agents / streams.views: only what this module declares

input_topic = app.topic(*INPUT_TOPICS, allow_empty=True, key_serializer="raw", value_serializer="raw")
commits.install(app)


@app.agent(input_topic)
async def take_only(stream: Any) -> None:
    """The product's agent loop (`streams/agents.py`) with `handle_events` and its pipeline left out."""
    commits.hold(stream)
    async for batch in stream.take_events(settings.BATCH_SIZE, within=settings.BATCH_WITHIN_MS / 1000):
        commits.done(batch, app.consumer)


@app.page("/readyz")
class Ready(View):
    async def get(self, request: Request) -> Response:
        done = app.tables.recovery.completed.is_set() and not app.rebalancing
        return self.json({"status": "ready" if done else "recovering"}, status=200 if done else 503)


if __name__ == "__main__":
    ensure_topics()
    quiet = configure_worker(app)
    sys.argv = ["floor-worker", *quiet, "worker", "--loglevel", settings.LOG_LEVEL]
    app.main()
