"""The offset a worker commits never passes an event that is still held (taken by an agent, batch not done).

Faust's own choice is shown beside ours: it commits past an unfinished event at the head of the acked
offsets when the group has no committed offset yet, or when exactly one event is missing (an off-by-one).
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import pytest
from faust.types import TP
from intervaltree import IntervalTree

from streams import commits

TP0 = TP("t.encounter-signed", 0)


def consumer(acked: list[int], committed: int | None) -> SimpleNamespace:
    """The fields faust's `Consumer._new_offset` reads."""
    return SimpleNamespace(
        _acked=defaultdict(list, {TP0: list(acked)}),
        _acked_index=defaultdict(set, {TP0: set(acked)}),
        _gap=defaultdict(IntervalTree),
        _committed_offset=defaultdict(lambda: None, {TP0: committed}),
    )


@pytest.fixture(autouse=True)
def no_held() -> None:
    commits.held.clear()


@pytest.mark.parametrize(
    ("held", "acked", "committed", "faust_alone", "ours"),
    [
        ({100}, [101, 102], 100, 103, None),  # one unfinished event at the head: faust skips it
        ({5, 6}, [7, 8], None, 9, None),  # nothing committed yet for the partition: faust skips them
        ({10}, [7, 8, 9, 11], 7, 10, 10),  # up to the held event, not past it
        (set(), [0, 1, 2], None, 3, 3),  # nothing held: faust's choice
        ({20, 21}, [3, 4], 3, 5, 5),  # held events after the acked ones (the batch in progress)
    ],
)
def test_commit_stops_below_a_held_event(
    held: set[int], acked: list[int], committed: int | None, faust_alone: int | None, ours: int | None
) -> None:
    assert commits._faust_new_offset(consumer(acked, committed), TP0) == faust_alone
    commits.held[TP0] |= held
    assert commits._new_offset(consumer(acked, committed), TP0) == ours


def test_done_releases_and_revocation_forgets() -> None:
    acks: list[int] = []
    message = SimpleNamespace(tp=TP0, offset=4, ack=lambda c: acks.append(4))
    commits.held[TP0] |= {4, 5}
    commits.done([SimpleNamespace(message=message)], consumer=None)
    assert commits.held[TP0] == {5} and acks == [4]
    commits.forget({TP0})
    assert TP0 not in commits.held
