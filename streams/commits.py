"""Input offsets are committed only for batches that are done: their records delivered, their state written.

Faust commits the offsets of acked messages, and two things in it let an offset be committed for an event
nobody finished (a test that stopped the worker five times with SIGTERM lost alerts each run):
- `take_events` acks a batch in a `finally`, also when the agent is cancelled mid-batch (a SIGTERM, a
  rolling deploy), and its background drainer then acks events it still pulls from the agent's buffer,
  unprocessed; the consumer commits acked offsets on its way out.
- `Consumer._new_offset` commits the first run of consecutive acked offsets and checks the head of that run
  against the committed offset with an off-by-one (`min(acked) - committed > 1`), and not at all while the
  group has committed nothing for the partition: an unfinished event at the head is skipped.

So every event takes one more reference as it enters an agent's stream (`hold`), released only by `done`
after its batch; and a partition's offset is not committed while an event below its acked ones is held.
Held events of revoked partitions are forgotten (the new owner reads them again from the committed offset).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from faust.transport.consumer import Consumer
from faust.types import TP, EventT

# partition -> offsets of the events taken by an agent and not done yet
held: defaultdict[TP, set[int]] = defaultdict(set)


def hold(stream: Any) -> None:
    """From now on, each event entering `stream` is held until `done` (once per stream: faust may restart
    an agent on the same stream)."""

    def take(value: Any) -> Any:
        message = stream.current_event.message
        message.incref()
        held[message.tp].add(message.offset)
        return value

    if not getattr(stream, "lbp_held", False):
        stream.lbp_held = True
        stream.add_processor(take)


def done(batch: Sequence[EventT], consumer: Any) -> None:
    """The batch's records are delivered and its state written: its offsets may be committed."""
    for ev in batch:
        message = ev.message
        held[message.tp].discard(message.offset)
        message.ack(consumer)


def forget(revoked: set[TP]) -> None:
    for tp in revoked:
        held.pop(tp, None)


_faust_new_offset = Consumer._new_offset


def _new_offset(self: Consumer, tp: TP) -> int | None:
    """Faust's choice of the offset to commit, unless an event below the first acked one is still held."""
    pending, acked = held.get(tp), self._acked[tp]
    if pending and acked and min(pending) < min(acked):
        return None
    return _faust_new_offset(self, tp)


def install(app: Any) -> None:
    """Patch the consumer's commit choice (pinned faust-streaming; see the module docstring) and forget the
    held events of revoked partitions."""
    Consumer._new_offset = _new_offset  # type: ignore[method-assign]

    @app.on_partitions_revoked.connect
    async def _forget(sender: Any, revoked: set[TP], **kwargs: Any) -> None:
        forget(revoked)
