"""A batch that fails outside one event's processing stops the worker (app.crash), for both agents: faust's
own supervisor would restart the agent past the batch, never applying it and holding its commits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streams import agents


class Stream:
    """The one method the agents use: batches of events."""

    def __init__(self, batches: list[list[Any]]) -> None:
        self.batches = batches

    async def take_events(self, size: int, within: float) -> Any:
        for batch in self.batches:
            yield batch


@pytest.mark.parametrize(
    ("agent", "handler"),
    [(agents.process_events, "handle_events"), (agents.process_provider_observations, "handle_observations")],
)
def test_a_failed_batch_crashes_the_app(monkeypatch: pytest.MonkeyPatch, agent: Any, handler: str) -> None:
    crashed: list[BaseException] = []
    handled: list[list[Any]] = []

    async def fail(batch: list[Any]) -> None:
        handled.append(batch)
        raise RuntimeError("the producer refused the batch")

    async def crash(exc: BaseException) -> None:
        crashed.append(exc)

    monkeypatch.setattr(agents, handler, fail)
    monkeypatch.setattr(agents.app, "crash", crash)
    monkeypatch.setattr(agents.commits, "hold", lambda stream: None)
    with pytest.raises(RuntimeError):
        asyncio.run(agent.fun(Stream([["first"], ["second"]])))
    assert [type(e) for e in crashed] == [RuntimeError]
    assert handled == [["first"]], "no later batch is handled after a failed one"
