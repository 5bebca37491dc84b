"""Hostile input on the pure path: `events.decode` and `Replay.process` never fail in an unplanned way.

The README promises that nothing stops a partition: every record either becomes a typed event or goes to
`dead-letter` with a reason an operator can act on. In the worker that promise rests on `decode` raising
only `BadInput` (any other exception escapes the agent's `except BadInput` and kills the partition's
agent) and on its message naming the field. So the oracle here is strict:

- `decode(raw, topic)` returns one of the four event types, or raises `BadInput` whose message names a
  field (`field X: ...`, `X: must contain [...]`) or says "not valid JSON" / "expected a JSON object";
- mutations whose outcome is known (an impossible date, a code with SQL in it, schema_version 2, a
  truncated document, invalid UTF-8, an extra field) must give exactly that outcome, naming that field.

Volume comes from a seeded mutator of valid generated events (fast, deterministic, > 100,000 inputs in a
few seconds); structure nobody thought of comes from hypothesis (derandomized, so CI sees the same
examples every run). The figures (inputs tried, inputs/s) are printed: run with `-s` to see them.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core.events import TOPIC_OF_TYPE, BadInput, Claim, Encounter, Imaging, PriorAuth, decode
from streams.generate import generate
from streams.replay import Replay

EVENT_TYPES = (Encounter, Imaging, PriorAuth, Claim)
MIN_INPUTS = 100_000
SEED = 20240609
TOPICS = (None, *TOPIC_OF_TYPE.values())

# The fields of the contract (events.md), top level and nested; a message names one of them.
CONTRACT_FIELDS = (
    "event_id", "event_type", "patient_id", "occurred_at", "schema_version", "encounter_id", "provider_id",
    "practice_id", "date_of_service", "diagnoses", "assessment", "note_sections", "accession", "modality",
    "body_site", "performed_at", "report_text", "findings", "request_id", "payer_id", "service_code",
    "service_description", "claim_id", "lines",
)  # fmt: skip
_FIELD = "(?:" + "|".join(CONTRACT_FIELDS) + ")"
# `field diagnoses[0].code: ...` (note_sections' keys are the sender's: anything may follow the name),
# `diagnoses[0]: must contain ['code', 'sequence'] properties` / `(the event): must contain [...]` (a
# missing required field: the list names it), or the record is not a JSON object at all.
_NAMES_FIELD = re.compile(
    rf"^(field {_FIELD}\b.*?: "
    rf"|(?:{_FIELD}[\w.\[\]]*|\(the event\)): must contain \[.+\] properties"
    r"|not valid JSON: "
    r"|expected a JSON object)",
    re.S,
)

# Values of the wrong type, or of the right type and the wrong shape, for any field.
_HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, 2**63, -(2**63), 1e308, "", " ", "1", "-1", "null", "NaN", "Infinity",
    "\x00", "a\x00b", "\u202e\u0000", "M54.5'; DROP TABLE claims;--", "<script>", "💥" * 10, [], [None], {},
    {"a": 1}, [[[]]], "2021-02-30", "2021-13-01", "0000-00-00", "9999-99-99T99:99:99Z", "x" * 250,
]  # fmt: skip
_BAD_DATES = ["2021-02-30", "2021-13-01", "2021-00-10", "2023-02-29", "0000-01-01", "2021-2-3", "21-02-03",
              "2021-02-03T", "yesterday", "2021/02/03", "２０２１-０２-０３", "", "2021-02-30T00:00:00Z"]  # fmt: skip
_BAD_CODES = ["M54.5'; DROP", "M54.5;", "M54.5\x00", "", "M" * 21, "M54.5<script>", "M54_5", "M54.5\n",
              "Ｍ54.5", "M54.5'", '"M54.5"', "M54.5%"]  # fmt: skip
_BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80"]
_NONFINITE = [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf", b"1e999999", b"01", b"1.", b".5", b"+1"]


def _check_decode(raw: bytes, topic: str | None) -> BadInput | None:
    """decode() returns a typed event (None here) or raises BadInput naming a field; anything else fails."""
    try:
        event = decode(raw, topic)
    except BadInput as exc:
        assert _NAMES_FIELD.match(exc.message), f"message names no field: {exc.message!r} for {raw[:200]!r}"
        assert exc.error_class in {"invalid_json", "schema", "wrong_topic", "unsupported_version"}, exc.error_class
        return exc
    except Exception as exc:  # the failure this test exists to find
        raise AssertionError(f"decode raised {type(exc).__name__}: {exc} for {raw[:300]!r} (topic {topic})") from exc
    assert isinstance(event, EVENT_TYPES), type(event)
    return None


# --- the seeded mutator ----------------------------------------------------------------------------------
# Each mutation takes (rng, valid document, its bytes) and returns (raw, expectation); the expectation is
# None (either outcome is fine, as long as it is a typed event or a BadInput naming a field), "ok" (must
# decode), or a (error_class, substring of the message) pair the BadInput must carry.
Expect = None | str | tuple[str, str]
Mutation = Callable[[random.Random, dict[str, Any], bytes], tuple[bytes, Expect]]


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key/index path inside a document (for picking a field to damage)."""
    out: list[tuple] = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        out.append((*prefix, k))
        out += _paths(v, (*prefix, k))
    return out


def _parent(doc: Any, path: tuple) -> Any:
    for k in path[:-1]:
        doc = doc[k]
    return doc


def m_wrong_value(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    path = rng.choice(_paths(doc))
    _parent(doc, path)[path[-1]] = rng.choice(_HOSTILE_VALUES)
    return orjson.dumps(doc), None


def m_delete(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    path = rng.choice(_paths(doc))
    parent = _parent(doc, path)
    del parent[path[-1]]
    return orjson.dumps(doc), None


def m_extra_fields(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    """Unknown fields anywhere an object is: accepted and ignored (README "Schema evolution")."""
    doc[f"x_{rng.randrange(1000)}"] = rng.choice(_HOSTILE_VALUES)
    for item in doc.get("diagnoses", []):
        item["x_present_on_admission"] = rng.choice(["Y", None, 1, {"nested": [1, 2]}])
    for line in doc.get("lines", []):
        line["x_modifier"] = ["25"]
    return orjson.dumps(doc), "ok"


def m_bad_date(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    name = "performed_at" if "performed_at" in doc else "date_of_service"
    doc[name] = rng.choice(_BAD_DATES)
    return orjson.dumps(doc), ("schema", f"field {name}:")


def m_bad_occurred_at(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    doc["occurred_at"] = rng.choice(["2021-02-30T10:00:00Z", "2021-02-03", "2021-02-03T25:00:00Z", "now", ""])
    return orjson.dumps(doc), ("schema", "field occurred_at:")


def m_bad_code(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    if "diagnoses" not in doc:
        return m_wrong_value(rng, doc, raw)
    i = rng.randrange(len(doc["diagnoses"]))
    doc["diagnoses"][i]["code"] = rng.choice(_BAD_CODES)
    return orjson.dumps(doc), ("schema", f"field diagnoses[{i}].code:")


def m_sequence(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    if "diagnoses" not in doc:
        return m_wrong_value(rng, doc, raw)
    i = rng.randrange(len(doc["diagnoses"]))
    doc["diagnoses"][i]["sequence"] = rng.choice([0, -1, -(2**40), 100, "1", 1.5, None, True])
    return orjson.dumps(doc), ("schema", f"field diagnoses[{i}].sequence:")


def m_numbers_as_strings(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    doc["schema_version"] = rng.choice(["1", "1.0", " 1", "one"])
    return orjson.dumps(doc), ("schema", "field schema_version:")


def m_version(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    doc["schema_version"] = rng.choice([2, 3, 99, 2**31])
    return orjson.dumps(doc), ("unsupported_version", "field schema_version:")


def m_event_type(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    doc["event_type"] = rng.choice(["encounter.unsigned", "ENCOUNTER.SIGNED", "", "claim.submitted ", None, 7, []])
    return orjson.dumps(doc), ("schema", "field event_type:")


def m_truncate(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    return raw[: rng.randrange(len(raw))], ("invalid_json", "not valid JSON")


def m_invalid_utf8(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    at = rng.randrange(len(raw) + 1)
    return raw[:at] + rng.choice(_BAD_UTF8) + raw[at:], ("invalid_json", "not valid JSON")


def m_nonfinite(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    """NaN, Infinity and other numbers JSON does not have, where a number stands."""
    return raw.replace(b'"schema_version":1', b'"schema_version":' + rng.choice(_NONFINITE), 1), (
        "invalid_json",
        "not valid JSON",
    )


def m_number_forms(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    """The same number written otherwise: 1.0 and 1E0 are the integer 1 (JSON Schema); a 31-digit integer
    arrives as a float (1e30) and is a version this processor does not know."""
    form, expect = rng.choice(
        [
            (b"1.0", "ok"),
            (b"1E0", "ok"),
            (b"1" + b"0" * 30, ("unsupported_version", "field schema_version:")),
            (b"true", ("schema", "field schema_version:")),
            (b"-0", ("schema", "field schema_version:")),
            (b"-1", ("schema", "field schema_version:")),
        ]
    )
    return raw.replace(b'"schema_version":1', b'"schema_version":' + form, 1), expect


def m_duplicate_key(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    """A repeated key: the last one wins (orjson, like json), so a later duplicate decides the outcome."""
    if rng.random() < 0.5:
        return b'{"schema_version":2,' + raw[1:], "ok"  # the original, later, value wins
    return raw[:-1] + b',"schema_version":2}', ("unsupported_version", "field schema_version:")


def m_null_bytes(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    at = rng.randrange(len(raw) + 1)
    if rng.random() < 0.5:  # a raw NUL byte is not JSON anywhere
        return raw[:at] + b"\x00" + raw[at:], ("invalid_json", "not valid JSON")
    doc["patient_id"] = doc["patient_id"] + "\x00"  # an escaped NUL in a string is JSON: fine either way
    return orjson.dumps(doc), None


def m_not_an_object(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    raw = rng.choice([b"", b" ", b"\n", b"null", b"[]", b"1", b'"event"', b"true", b"[" + raw + b"]", b"\xef\xbb\xbf"])
    return raw, None


def m_splice(rng: random.Random, doc: dict, raw: bytes) -> tuple[bytes, Expect]:
    """Random bytes overwritten: the blind fuzzer."""
    b = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b), None


MUTATIONS: list[Mutation] = [
    m_wrong_value, m_wrong_value, m_delete, m_extra_fields, m_bad_date, m_bad_occurred_at, m_bad_code, m_sequence,
    m_numbers_as_strings, m_version, m_event_type, m_truncate, m_invalid_utf8, m_nonfinite, m_number_forms,
    m_duplicate_key, m_null_bytes, m_not_an_object, m_splice, m_splice,
]  # fmt: skip


def _rare_inputs(valid: bytes) -> list[tuple[bytes, Expect]]:
    """The expensive ones, a few times each: 1 MB strings and 10,000 levels of nesting."""
    doc = orjson.loads(valid)
    big_extra = dict(doc, x_blob="x" * 1_000_000)
    big_id = dict(doc, event_id="x" * 1_000_000)
    big_text = dict(doc, **{k: "word " * 200_000 for k in ("assessment", "report_text") if k in doc})
    deep_list = b"[" * 10_000 + b"]" * 10_000
    deep_obj = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    deep_in_event = valid[:-1] + b',"x_deep":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    return [
        (orjson.dumps(big_extra), "ok"),  # an unknown field may be large: it is ignored
        (orjson.dumps(big_id), ("schema", "field event_id:")),
        (orjson.dumps(big_text), None),
        (deep_list, ("invalid_json", "not valid JSON")),  # orjson refuses nesting deeper than 1024
        (deep_obj, ("invalid_json", "not valid JSON")),
        (deep_in_event, ("invalid_json", "not valid JSON")),
        (b"\x00" * 1_000_000, ("invalid_json", "not valid JSON")),
        (b'"' + b"x" * 1_000_000 + b'"', ("invalid_json", "expected a JSON object")),
    ]


@pytest.fixture(scope="module")
def valid_lines() -> list[bytes]:
    """Valid events of every type (no planted bad lines), the material the mutator damages."""
    lines = generate(60, seed=SEED, bad_lines=False).lines
    assert {orjson.loads(raw)["event_type"] for raw in lines} == set(TOPIC_OF_TYPE)
    return lines


def test_decode_survives_100k_hostile_inputs(valid_lines: list[bytes]) -> None:
    rng = random.Random(SEED)
    outcomes: Counter[str] = Counter()
    replay, replayed = Replay(), 0
    start = time.perf_counter()
    tried = 0
    cases = [case for raw in valid_lines[:3] for case in _rare_inputs(raw)]
    while tried < MIN_INPUTS:
        if cases:
            raw, expect = cases.pop()
            topic = None
        else:
            valid = rng.choice(valid_lines)
            mutation = rng.choice(MUTATIONS)
            raw, expect = mutation(rng, orjson.loads(valid), valid)
            # the topic it arrives on: mostly its own, sometimes another one (wrong_topic), sometimes none
            r = rng.random()
            topic = None if r < 0.3 else rng.choice(TOPICS) if r < 0.4 else _own_topic(valid)
        exc = _check_decode(raw, topic)
        tried += 1
        if exc is not None:
            outcomes[exc.error_class] += 1
        else:
            outcomes["decoded"] += 1
        if topic is not None and exc is not None and exc.error_class == "wrong_topic":
            pass  # the topic, not the mutation, decided: the expectation was about the document
        elif expect == "ok":
            assert exc is None, f"expected a valid event, got {exc} for {raw[:200]!r}"
        elif isinstance(expect, tuple) and (topic is None or topic == _own_topic_of(raw)):
            assert exc is not None, f"expected {expect}, decoded {raw[:200]!r}"
            assert (exc.error_class, expect[1] in exc.message) == (expect[0], True), (exc.error_class, exc.message)
        if tried % 10 == 0:  # the offline shell too: decode, apply, route; a dead letter, never an exception
            replayed += 1
            if topic is not None:  # replay has no topic: the event type says where it belongs
                exc = _check_decode(raw, None)
            try:
                outputs, dead = replay.process(raw, tried)
            except Exception as err:
                raise AssertionError(f"Replay.process raised {type(err).__name__}: {err} for {raw[:300]!r}") from err
            else:
                assert (dead is None) == (exc is None), (dead, exc)
                if dead is not None:
                    assert dead["error"] == exc.message and dead["error_class"] == exc.error_class
    elapsed = time.perf_counter() - start
    print(
        f"\nhostile inputs: {tried} in {elapsed:.2f}s = {tried / elapsed:,.0f}/s; "
        f"{replayed} also through Replay.process; "
        f"outcomes {dict(sorted(outcomes.items()))}"
    )
    assert tried >= MIN_INPUTS
    assert outcomes["decoded"] > 1000 and outcomes["invalid_json"] > 1000 and outcomes["schema"] > 1000
    assert outcomes["unsupported_version"] > 100 and outcomes["wrong_topic"] > 100


def _own_topic(valid: bytes) -> str:
    return TOPIC_OF_TYPE[orjson.loads(valid)["event_type"]]


def _own_topic_of(raw: bytes) -> str | None:
    """The topic a (possibly damaged) document's event_type names, if it still parses and names one."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    event_type = doc.get("event_type") if isinstance(doc, dict) else None
    return TOPIC_OF_TYPE.get(event_type) if isinstance(event_type, str) else None


# --- hypothesis: structure ----------------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def _events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid generated event with some of its fields replaced by arbitrary JSON."""
    base = orjson.loads(draw(st.sampled_from(_HYPOTHESIS_BASE)))
    for name in draw(st.lists(st.sampled_from(CONTRACT_FIELDS), max_size=4)):
        base[name] = draw(_json)
    if draw(st.booleans()) and base.get("diagnoses") and isinstance(base["diagnoses"], list):
        base["diagnoses"].append(draw(st.dictionaries(st.sampled_from(["code", "sequence", "x"]), _json)))
    return base


_HYPOTHESIS_BASE = generate(8, seed=SEED + 1, bad_lines=False).lines


@settings(max_examples=1500, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_events(), topic=st.sampled_from(TOPICS))
def test_decode_on_arbitrary_structure(doc: dict[str, Any], topic: str | None) -> None:
    _check_decode(orjson.dumps(doc), topic)


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(raw=st.binary(max_size=300) | _json.map(orjson.dumps))
def test_decode_on_arbitrary_bytes_and_json(raw: bytes) -> None:
    _check_decode(raw, None)


def test_replay_dead_letters_a_list_event_type() -> None:
    """An event_type that is a list or an object is a schema failure: Replay must dead-letter it, not raise."""
    outputs, dead = Replay().process(b'{"event_type": ["encounter.signed"]}')
    assert outputs == [] and dead is not None and dead["error_class"] == "schema"


def test_replay_survives_a_safe_shaped_non_code_on_an_encounter(valid_lines: list[bytes]) -> None:
    """A code of safe characters that is no ICD-10-CM code is not bad input (README "Bad input"): the
    schema lets it through, so the engine must not raise on it (the worker would dead-letter the event as
    `processing`, and `lbp-streams replay` would stop)."""
    doc = next(orjson.loads(raw) for raw in valid_lines if b"encounter.signed" in raw)
    doc["diagnoses"] = [{"code": "M54.50", "sequence": 1}, {"code": "M54.50000", "sequence": 2}]
    _, dead = Replay().process(orjson.dumps(doc))
    assert dead is None  # it reached the engine (a dead letter would skip what this test is about)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("date_of_service", "2021-02-30", "'2021-02-30' is not a calendar date (expected YYYY-MM-DD)"),
        ("date_of_service", "2024-2-1", "'2024-2-1' is not a calendar date (expected YYYY-MM-DD)"),
        ("occurred_at", "2024-02-01T10:00:00", "'2024-02-01T10:00:00' is not an RFC 3339 timestamp (expected e.g."),
        ("performed_at", "2024-01-30T25:00:00Z", "'2024-01-30T25:00:00Z' is neither a calendar date (YYYY-MM-DD) nor"),
    ],
)
def test_a_bad_date_says_what_was_expected(valid_lines: list[bytes], field: str, value: str, said: str) -> None:
    """README "Bad input": the error names the field and what was expected, not the schema's "must be date"
    (or, for performed_at, which takes a date or a timestamp, "cannot be validated by any definition")."""
    doc = next(orjson.loads(raw) for raw in valid_lines if field.encode() in raw)
    doc[field] = value
    exc = _check_decode(orjson.dumps(doc), None)
    assert exc is not None and exc.error_class == "schema"
    assert exc.message.startswith(f"field {field}: {said}"), exc.message


def test_replay_ignores_a_byte_order_mark_at_the_start_of_a_file(valid_lines: list[bytes]) -> None:
    """A file saved as "UTF-8 with BOM" (RFC 8259 lets a parser ignore the mark): its first event is read,
    not dead-lettered as invalid JSON. A mark anywhere else is still bad input."""
    first, second = valid_lines[0], valid_lines[1]
    replay = Replay()
    got = list(replay.outputs([b"\xef\xbb\xbf" + first, b"\xef\xbb\xbf" + second]))
    dead = [o for o in got if isinstance(o, dict)]
    assert replay.stats.events == 1 and [d["line"] for d in dead] == [2]
