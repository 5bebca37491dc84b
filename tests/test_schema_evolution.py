"""Schema evolution (README "Schema evolution"): forward compatible on fields, strict on versions.

A producer that adds a field must not break this processor (the field is ignored, the event is processed
exactly as without it), while a producer that moves to `schema_version` 2 may have changed what existing
fields mean, so its events are dead-lettered as `unsupported_version` instead of being silently misread.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from streams.core.events import SCHEMA_DIR, TOPIC_OF_TYPE, BadInput, decode
from streams.generate import generate
from streams.replay import Replay

SEED = 77


@pytest.fixture(scope="module")
def stream() -> list[bytes]:
    """A valid stream of every event type, with alerts planted (bad lines off: every line must process)."""
    lines = generate(40, seed=SEED, bad_lines=False).lines
    assert {orjson.loads(raw)["event_type"] for raw in lines} == set(TOPIC_OF_TYPE)
    return lines


def _with_extras(raw: bytes) -> bytes:
    """The same event as a newer producer might send it: unknown fields at the top and in every nested
    object of the contract (diagnoses items, claim lines), of every JSON type."""
    doc: dict[str, Any] = orjson.loads(raw)
    doc["x_source_system"] = "epic-2031"
    doc["x_confidence"] = 0.93
    doc["x_tags"] = ["a", {"b": [1, None, True]}]
    doc["x_nested"] = {"schema_version": 7, "event_type": "something.else", "diagnoses": "not a list"}
    doc["x_null"] = None
    for item in doc.get("diagnoses", []):
        item["present_on_admission"] = "Y"
        item["x_rank"] = {"model": "v3", "score": 0.5}
    for line in doc.get("lines", []):
        line["modifiers"] = ["25", "59"]
        line["x_units"] = 2
    return orjson.dumps(doc)


def _run(lines: list[bytes]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, bytes]]:
    """(outputs as JSON, dead letters, each patient's encoded state) of a fresh Replay over the lines."""
    replay = Replay()
    outputs: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    for item in replay.outputs(lines):
        (dead if isinstance(item, dict) else outputs).append(item if isinstance(item, dict) else item.to_json())
    return outputs, dead, {pid: state.encode() for pid, state in replay.patients.items()}


def test_extra_fields_are_accepted_and_change_nothing(stream: list[bytes]) -> None:
    plain_out, plain_dead, plain_state = _run(stream)
    extra_out, extra_dead, extra_state = _run([_with_extras(raw) for raw in stream])
    assert plain_dead == [] and extra_dead == [], extra_dead[:3]
    assert len(plain_out) > 10, "the stream should raise alerts for the comparison to mean something"
    # the same alerts and resolutions, in the same order, byte for byte; and nothing extra kept in state
    assert extra_out == plain_out
    assert extra_state == plain_state


@pytest.mark.parametrize("event_type", sorted(TOPIC_OF_TYPE))
def test_extra_fields_decode_to_the_same_typed_event(stream: list[bytes], event_type: str) -> None:
    raw = next(line for line in stream if orjson.loads(line)["event_type"] == event_type)
    topic = TOPIC_OF_TYPE[event_type]
    assert decode(_with_extras(raw), topic) == decode(raw, topic)


def test_no_nested_object_of_the_contract_forbids_extra_fields() -> None:
    """The guard behind forward compatibility: `additionalProperties: false` anywhere in an input schema
    would dead-letter every event of a producer that adds a field there."""

    def walk(node: Any, where: str) -> list[str]:
        found = []
        if isinstance(node, dict):
            if node.get("additionalProperties") is False:
                found.append(where)
            for k, v in node.items():
                found += walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                found += walk(v, f"{where}/{i}")
        return found

    for topic in TOPIC_OF_TYPE.values():
        schema = json.loads((SCHEMA_DIR / f"{topic}.schema.json").read_text())
        assert walk(schema, topic) == []


@pytest.mark.parametrize("version", [2, 3, 1000])
def test_a_newer_schema_version_is_dead_lettered_as_unsupported(stream: list[bytes], version: int) -> None:
    for event_type, topic in TOPIC_OF_TYPE.items():
        doc = orjson.loads(next(line for line in stream if orjson.loads(line)["event_type"] == event_type))
        doc["schema_version"] = version
        raw = orjson.dumps(doc)
        with pytest.raises(BadInput) as caught:
            decode(raw, topic)
        assert caught.value.error_class == "unsupported_version"
        assert caught.value.message.startswith("field schema_version:")
        assert str(version) in caught.value.message
        outputs, dead = Replay().process(raw)
        assert outputs == [] and dead is not None
        assert dead["error_class"] == "unsupported_version" and "schema_version" in dead["error"]
        assert dead["topic"] == topic


def test_a_newer_version_with_extra_fields_is_still_unsupported(stream: list[bytes]) -> None:
    """Extra fields are tolerated only within a version this processor understands."""
    doc = orjson.loads(_with_extras(stream[0]))
    doc["schema_version"] = 2
    with pytest.raises(BadInput) as caught:
        decode(orjson.dumps(doc))
    assert caught.value.error_class == "unsupported_version"


@pytest.mark.parametrize("version", [0, -1])
def test_a_version_below_one_is_dead_lettered_naming_schema_version(stream: list[bytes], version: int) -> None:
    """Versions below 1 never existed; the schema's `minimum: 1` rejects them (error class `schema`)."""
    doc = orjson.loads(stream[0])
    doc["schema_version"] = version
    with pytest.raises(BadInput) as caught:
        decode(orjson.dumps(doc))
    assert caught.value.error_class == "schema"
    assert caught.value.message.startswith("field schema_version:")
