"""OPS-PROVIDER-UNSPECIFIED-SHARE counts the same encounters whatever pace each partition is read at.

Observations reach the provider aggregate from every input partition; with two workers (or a backlog) one
partition's dates of service can run years ahead of another's. A window over the threshold with all its
encounters counted is checked when its last encounter arrives, so the providers the generator planted must
be flagged in every such order, as `replay` flags them in file order. (A window over 80% on partial data
only may alert in one order and not another: README "Order of arrival".)
"""

from __future__ import annotations

import random
import zlib

import pytest

from streams.core.engine import DEFAULT, apply_provider, observation
from streams.core.events import BadInput, decode
from streams.core.rules.ops_provider_unspecified_share import Observation, ProviderState
from streams.generate import generate

PARTITIONS = 4


@pytest.fixture(scope="module")
def generated() -> tuple[list[list[Observation]], set[str]]:
    """The observations per input partition (patient_id hashed, each partition in file order), planted providers."""
    g = generate(300, seed=11)
    partitions: list[list[Observation]] = [[] for _ in range(PARTITIONS)]
    for raw in g.lines:
        try:
            event = decode(raw)
        except BadInput:
            continue
        obs = observation(event)
        if obs is not None:
            partitions[zlib.crc32(event.patient_id.encode()) % PARTITIONS].append(obs)
    planted = {e.subject_id for e in g.expected if e.rule_id.startswith("OPS-")}
    assert planted
    return partitions, planted


def flagged(observations: list[Observation]) -> set[str]:
    states: dict[str, ProviderState] = {}
    providers = set()
    for obs in observations:
        states[obs.provider_id], alerts = apply_provider(states.get(obs.provider_id), obs, DEFAULT)
        if alerts:
            providers.add(obs.provider_id)
    return providers


def test_one_partition_after_another(generated: tuple[list[list[Observation]], set[str]]) -> None:
    """The extreme: each partition's whole history before the next one's (one worker done before the other)."""
    partitions, planted = generated
    for first in range(PARTITIONS):
        order = partitions[first:] + partitions[:first]
        assert planted <= flagged([obs for part in order for obs in part]), f"partition {first} first"


def test_random_paces(generated: tuple[list[list[Observation]], set[str]]) -> None:
    partitions, planted = generated
    rng = random.Random(7)
    for _ in range(10):
        queues = [list(reversed(p)) for p in partitions]
        merged = []
        while any(queues):
            queue = rng.choice([q for q in queues if q])
            merged += [queue.pop() for _ in range(min(len(queue), rng.randrange(1, 200)))]
        assert planted <= flagged(merged)
