"""OPS-PROVIDER-UNSPECIFIED-SHARE ends with the same open alerts whatever pace each partition is read at.

Observations reach the provider aggregate from every input partition; with two workers (or a backlog) one
partition's dates of service can run years ahead of another's. A period whose windows went over the
threshold on partial data and back under when the rest arrived is raised and resolved in one order and
never raised in another, so what must not depend on the order is the set of alerts open at the end (and
every provider the generator planted is in it).
"""

from __future__ import annotations

import random
import zlib
from datetime import date

import pytest

from streams.core.alerts import Alert
from streams.core.engine import DEFAULT, apply_provider, observation
from streams.core.events import BadInput, decode
from streams.core.rules.ops_provider_unspecified_share import Observation, ProviderState
from streams.generate import generate

PARTITIONS = 4


@pytest.fixture(scope="module")
def generated() -> tuple[list[Observation], list[list[Observation]], set[str]]:
    """The observations in file order, per input partition (patient_id hashed, each in file order), and the
    planted providers."""
    g = generate(300, seed=11)
    in_file_order: list[Observation] = []
    partitions: list[list[Observation]] = [[] for _ in range(PARTITIONS)]
    for raw in g.lines:
        try:
            event = decode(raw)
        except BadInput:
            continue
        obs = observation(event)
        if obs is not None:
            in_file_order.append(obs)
            partitions[zlib.crc32(event.patient_id.encode()) % PARTITIONS].append(obs)
    planted = {e.subject_id for e in g.expected if e.rule_id.startswith("OPS-")}
    assert planted
    return in_file_order, partitions, planted


def open_alerts(observations: list[Observation]) -> dict[str, str]:
    """Alert id -> provider of the alerts raised and not resolved after the observations, in this order."""
    states: dict[str, ProviderState] = {}
    open_now: dict[str, str] = {}
    for obs in observations:
        states[obs.provider_id], outputs = apply_provider(states.get(obs.provider_id), obs, DEFAULT)
        for out in outputs:
            if isinstance(out, Alert):
                open_now[out.alert_id] = obs.provider_id
            else:
                del open_now[out.alert_id]
    return open_now


def test_one_partition_after_another(generated: tuple[list[Observation], list[list[Observation]], set[str]]) -> None:
    """The extreme: each partition's whole history before the next one's (one worker done before the other)."""
    in_file_order, partitions, planted = generated
    want = open_alerts(in_file_order)
    assert planted <= set(want.values())
    for first in range(PARTITIONS):
        order = partitions[first:] + partitions[:first]
        assert open_alerts([obs for part in order for obs in part]) == want, f"partition {first} first"


def test_random_paces(generated: tuple[list[Observation], list[list[Observation]], set[str]]) -> None:
    in_file_order, partitions, _ = generated
    want = open_alerts(in_file_order)
    rng = random.Random(7)
    for _ in range(10):
        queues = [list(reversed(p)) for p in partitions]
        merged = []
        while any(queues):
            queue = rng.choice([q for q in queues if q])
            merged += [queue.pop() for _ in range(min(len(queue), rng.randrange(1, 200)))]
        assert open_alerts(merged) == want


def test_a_window_over_on_partial_data_only_ends_the_same() -> None:
    """The generated stream above never crosses the threshold on partial data, so this provider does: one
    partition holds 20 visits coded M54.50 up to 2024-03-20, another six specific ones of 03-20 (20 of 26,
    77%, under the threshold). Read either partition first: no alert is left open."""
    unspecified = [
        Observation("DR-A", f"E{n}", date(2024, 3, n), True, f"v{n}", "2024-03-20T00:00:00Z") for n in range(1, 21)
    ]
    specific = [
        Observation("DR-A", f"F{n}", date(2024, 3, 20), False, f"w{n}", "2024-03-20T00:00:00Z") for n in range(6)
    ]
    assert open_alerts(unspecified) != {}  # (alone, the unspecified partition is over the threshold)
    assert open_alerts(unspecified + specific) == open_alerts(specific + unspecified) == {}
