"""The patient agent sends one provider-encounters record per provider per batch; the provider agent reads
those groups (and single observations, as older workers wrote them) and ends with the states and alerts
that applying each observation in event order gives."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from streams import agents
from streams.core.engine import apply_provider, observation
from streams.core.events import decode
from streams.core.rules.ops_provider_unspecified_share import Observation
from streams.generate import generate
from streams.topics import PROVIDER_TOPIC
from tests.broker.harness import TOPIC_OF_TYPE


def _events(n: int, patients: int = 60) -> list[tuple[str, bytes]]:
    """The first `n` events of a generated stream, in file order: (topic, value)."""
    out = []
    for line in generate(patients, seed=11, bad_lines=False).lines:
        topic = TOPIC_OF_TYPE[orjson.loads(line)["event_type"]]
        out.append((topic, line))
        if len(out) == n:
            break
    return out


def _an_observation() -> Observation:
    """The observation of the first LBP encounter in those events."""
    return next(obs for obs in (observation(decode(v, t)) for t, v in _events(400)) if obs is not None)


def _message(topic: str, value: bytes, key: bytes | None, offset: int) -> Any:
    """A fetched record; an input event's key is its patient_id, as the worker requires."""
    if key is None and topic != PROVIDER_TOPIC:
        key = orjson.loads(value)["patient_id"].encode()
    return SimpleNamespace(message=SimpleNamespace(topic=topic, key=key, value=value, partition=0, offset=offset))


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """What each agent hands its pipeline, with every state starting empty (no table, no broker)."""
    got: dict[str, list] = {"patients": [], "providers": []}

    async def patients(batch: Any, records: list, touched: dict, started: float) -> None:
        got["patients"].append((records, touched))

    async def providers(batch: Any, records: list, touched: dict, started: float) -> None:
        got["providers"].append((records, touched))

    monkeypatch.setattr(agents.patient_batches, "submit", patients)
    monkeypatch.setattr(agents.provider_batches, "submit", providers)
    monkeypatch.setattr(agents.patient_states, "current", lambda key: None)
    monkeypatch.setattr(agents.provider_states, "current", lambda key: None)
    return got


def test_one_record_per_provider_per_batch_in_event_order(submitted: dict[str, list]) -> None:
    events = _events(400)
    expected: dict[str, list[dict]] = {}
    for topic, value in events:
        obs = observation(decode(value, topic))
        if obs is not None:
            expected.setdefault(obs.provider_id, []).append(obs.to_json())
    assert len(expected) > 1 and any(len(group) > 1 for group in expected.values())

    asyncio.run(agents.handle_events([_message(t, v, None, i) for i, (t, v) in enumerate(events)]))

    ((records, _),) = submitted["patients"]
    provider_records = [r for r in records if r[0] == PROVIDER_TOPIC]
    assert [key.decode() for _, key, _, _ in provider_records] == list(expected)
    assert [orjson.loads(value)["observations"] for _, _, value, _ in provider_records] == list(expected.values())


def test_groups_end_as_one_observation_at_a_time_would(submitted: dict[str, list]) -> None:
    events = _events(10_000, patients=200)  # the whole stream: enough visits for providers over the threshold
    asyncio.run(agents.handle_events([_message(t, v, None, i) for i, (t, v) in enumerate(events)]))
    ((records, _),) = submitted["patients"]
    groups = [r for r in records if r[0] == PROVIDER_TOPIC]

    asyncio.run(
        agents.handle_observations([_message(PROVIDER_TOPIC, v, k, i) for i, (_, k, v, _) in enumerate(groups)])
    )

    ((outputs, touched),) = submitted["providers"]
    one_by_one: dict[bytes, Any] = {}
    expected_outputs = []
    for _, key, value, _ in groups:
        for obs in agents.observations_of(value):
            state, outs = apply_provider(one_by_one.get(key), obs, agents.CONFIG)
            one_by_one[key] = state
            expected_outputs += [orjson.dumps(out.to_json()) for out in outs]
    assert {key: state.encode() for key, (state, _) in touched.items()} == {
        key: state.encode() for key, state in one_by_one.items()
    }
    assert expected_outputs, "no provider alert to compare: the stream must cross the OPS threshold"
    assert [value for _, _, value, _ in outputs] == expected_outputs


def test_a_single_observation_as_older_workers_wrote_it_still_reads() -> None:
    obs = _an_observation()
    assert agents.observations_of(orjson.dumps(obs.to_json())) == [obs]
    assert agents.observations_of(orjson.dumps({"observations": [obs.to_json(), obs.to_json()]})) == [obs, obs]


def test_a_failing_observation_is_dead_lettered_and_its_group_goes_on(
    submitted: dict[str, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _an_observation().to_json()
    bad = {**good, "encounter_id": "boom"}
    real = agents.apply_provider

    def apply(state: Any, obs: Any, config: Any) -> Any:
        if obs.encounter_id == "boom":
            raise ValueError("a bug")
        return real(state, obs, config)

    monkeypatch.setattr(agents, "apply_provider", apply)
    record = orjson.dumps({"observations": [bad, good]})
    asyncio.run(agents.handle_observations([_message(PROVIDER_TOPIC, record, good["provider_id"].encode(), 0)]))

    ((records, touched),) = submitted["providers"]
    dead = [orjson.loads(v) for t, _, v, _ in records if t == agents.settings.TOPIC_DEAD_LETTER]
    assert len(dead) == 1 and dead[0]["error"].startswith("observation 1 of 2: ValueError")
    assert list(touched) == [good["provider_id"].encode()]
