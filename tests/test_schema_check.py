"""The fast schema check in front of fastjsonschema (streams/core/schema_check.py) is sound and useful.

Sound: whenever it answers True, the full validator accepts the document (otherwise a bad event would be
decoded instead of dead-lettered with fastjsonschema's reason). Checked on the fuzz suite's seeded
mutations of valid events, on hypothesis-made structures, and on edge cases chosen against each keyword.
Useful: it answers True for (nearly) every valid generated event, or it saves nothing.
"""

from __future__ import annotations

import json
import random
from typing import Any

import fastjsonschema
import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from streams.core.events import SCHEMA_DIR, TOPIC_OF_TYPE
from streams.core.schema_check import compile_check
from streams.generate import generate
from tests.test_fuzz_decode import MUTATIONS, SEED, _events

SCHEMAS = {topic: json.loads((SCHEMA_DIR / f"{topic}.schema.json").read_text()) for topic in TOPIC_OF_TYPE.values()}
FULL = {topic: fastjsonschema.compile(schema) for topic, schema in SCHEMAS.items()}
FAST = {topic: compile_check(schema) for topic, schema in SCHEMAS.items()}


def _valid(topic: str, doc: Any) -> bool:
    try:
        FULL[topic](doc)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def _assert_sound(doc: Any) -> None:
    for topic in FAST:
        if FAST[topic](doc):
            assert _valid(topic, doc), f"fast check passed a document {topic} rejects: {str(doc)[:300]}"


@pytest.fixture(scope="module")
def valid_docs() -> list[dict[str, Any]]:
    return [orjson.loads(raw) for raw in generate(60, seed=SEED, bad_lines=False).lines]


def test_fast_check_passes_valid_events(valid_docs: list[dict[str, Any]]) -> None:
    for doc in valid_docs:
        topic = TOPIC_OF_TYPE[doc["event_type"]]
        assert _valid(topic, doc)
        assert FAST[topic](doc), f"a valid {topic} event takes the slow path: {str(doc)[:300]}"


def test_fast_check_is_sound_on_mutated_events(valid_docs: list[dict[str, Any]]) -> None:
    rng = random.Random(SEED)
    lines = [orjson.dumps(d) for d in valid_docs]
    checked = 0
    for _ in range(30_000):
        valid = rng.choice(lines)
        raw, _ = rng.choice(MUTATIONS)(rng, orjson.loads(valid), valid)
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        _assert_sound(doc)
        checked += 1
    assert checked > 20_000


@settings(max_examples=1500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_events())
def test_fast_check_is_sound_on_arbitrary_structure(doc: dict[str, Any]) -> None:
    _assert_sound(doc)


class _Str(str):
    pass


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schema_version", 1.0),  # an integer to fastjsonschema, not to the fast check: the full one decides
        ("schema_version", True),
        ("schema_version", 0),
        ("occurred_at", "2024-02-30T10:00:00Z"),
        ("occurred_at", "2024-01-01T10:00:00Z\n"),
        ("occurred_at", "2024-01-01"),
        ("occurred_at", _Str("2024-01-01T10:00:00Z")),
        ("date_of_service", "2024-02-29"),
        ("date_of_service", "2023-02-29"),
        ("date_of_service", "2024-01-01\n"),
        ("event_id", ""),
        ("event_id", "x" * 201),
        ("diagnoses", []),
        ("diagnoses", [{"code": "M54.50\n", "sequence": 1}]),
        ("diagnoses", [{"code": "M54.50", "sequence": 100}]),
        ("diagnoses", [{"code": "M54.50", "sequence": 1.0}]),
        ("diagnoses", ({"code": "M54.50", "sequence": 1},)),
        ("diagnoses", [{"code": "M54.50"}]),
        ("note_sections", {"plan": 3}),
        ("note_sections", None),
        ("practice_id", None),
        ("practice_id", "x" * 201),
        ("performed_at", "2024-01-01"),
        ("performed_at", "2024-01-01T10:00:00+0100"),
        ("performed_at", "yesterday"),
        ("findings", None),
        ("findings", ["Modic"]),
        ("modality", "PET"),
        ("encounter_id", None),
        ("encounter_id", ""),
        ("lines", [{"procedure_code": "99213", "diagnosis_pointers": [1], "date_of_service": None}]),
        ("lines", [{"procedure_code": "99213", "diagnosis_pointers": [0]}]),
        ("service_code", "99-213"),
        ("event_type", "claim.submitted"),
    ],
)
def test_fast_check_is_sound_on_edge_cases(valid_docs: list[dict[str, Any]], field: str, value: Any) -> None:
    for doc in valid_docs[:40]:
        _assert_sound({**doc, field: value})
        _assert_sound({k: v for k, v in doc.items() if k != field})


def test_unknown_keywords_defer_to_the_full_validator() -> None:
    """A keyword the compiler does not know answers "not sure" for every value it applies to."""
    check = compile_check({"type": "object", "properties": {"a": {"type": "string", "default": "x"}}})
    assert check({}) and not check({"a": "y"})
    assert not compile_check({"oneOf": [{"type": "string"}]})("x")
