"""Patient state: bounded whatever the history length, and the same after an encode/decode round trip."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import orjson
import pytest

from streams import settings
from streams.core.alerts import Alert
from streams.core.engine import apply
from streams.core.events import from_dict
from streams.core.state import MAX_CODES, MAX_STATE_BYTES, ClaimRecord, EncounterRecord, PatientState
from tests.rules import expand

ASSESSMENTS = [
    "Low back pain.",
    "Acute low back pain after lifting boxes at work. No radiculopathy.",
    "Chronic low back pain. If MRI shows Modic changes, will consider basivertebral nerve ablation.",
    "Chronic vertebrogenic low back pain secondary to Modic type 1 endplate changes at L4-L5.",
    "Subacute low back pain with left sciatica, improving with physical therapy.",
    "Chronic low back pain, myofascial in origin, trigger points over the lumbar paraspinals.",
    "Chronic low back pain with right L5 radiculopathy. Lumbar spinal stenosis at L4-L5. Degenerative disc disease.",
    "Mother has vertebrogenic low back pain. Patient has low back pain for 3 weeks. " * 4,  # long, repeated
]
LBP_CODES_BEFORE_FY2022 = ["M54.5", "M54.5", "M54.41", "M54.42"]
LBP_CODES = ["M54.50", "M54.50", "M54.51", "M54.59", "M54.41", "M54.42", "M54.5"]
OTHER_CODES = ["M51.36", "M51.360", "M54.16", "M48.061", "M51.26", "M54.99", "Z99.999", "J06.9", "H81.41"]
OTHER_VISITS = [  # most of a chart is not about the back
    (["J06.9"], "Acute upper respiratory infection, supportive care."),
    (["I10", "E11.9"], "Essential hypertension, controlled. Type 2 diabetes, A1c 7.1."),
    (["Z00.00"], "Annual wellness visit, no acute complaints."),
]
REPORTS = [
    "IMPRESSION: Modic type 1 endplate changes at L4-L5.",
    "IMPRESSION: Modic type 2 changes L5-S1. Mild disc bulge at L4-L5.",
    "Lumbar spine radiographs: mild degenerative changes. No fracture.",
    "IMPRESSION: Endplate degeneration at L3-4 and L4-5. Moderate stenosis at L4-L5.",
]


def history(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """One patient's `n` events over ten years: visits, imaging, claims (resubmitted), prior-auths (amended),
    ~8% redelivered. Far denser than any real chart, which is the point: the caps, not the history, bound it."""
    rng = random.Random(seed)
    day = date(2016, 1, 4)
    step = (date(2025, 12, 31) - day) / n
    events: list[dict[str, Any]] = []
    for i in range(n):
        if events and rng.random() < 0.08:
            events.append(rng.choice(events[-50:]))  # a redelivery
            continue
        on = day + step * i
        dos = on.isoformat()
        lbp = rng.choice(LBP_CODES_BEFORE_FY2022 if on < date(2021, 10, 1) else LBP_CODES)
        codes = [lbp, *rng.sample(OTHER_CODES, rng.randint(0, 2))]
        kind = rng.choices(["encounter", "imaging", "claim", "prior_auth"], [3, 1, 4, 2])[0]
        vid = f"V{i // 3}"  # amended encounters and resubmitted claims share ids now and then
        if kind == "encounter" and rng.random() < 0.6:
            other, text = rng.choice(OTHER_VISITS)
            compact = {"type": kind, "encounter_id": vid, "date_of_service": dos, "codes": other, "assessment": text}
        elif kind == "encounter":
            compact = {"type": kind, "encounter_id": vid, "date_of_service": dos, "codes": codes,
                       "assessment": rng.choice(ASSESSMENTS)}  # fmt: skip
        elif kind == "imaging":
            compact = {"type": kind, "accession": f"ACC{i}", "performed_at": dos, "report_text": rng.choice(REPORTS),
                       "modality": rng.choice(["MRI", "CT", "XR"])}  # fmt: skip
        elif kind == "claim":
            compact = {"type": kind, "claim_id": f"C{i // 2}", "date_of_service": dos, "codes": codes,
                       "encounter_id": vid}  # fmt: skip
        else:
            later = (on + timedelta(days=rng.randint(5, 40))).isoformat()
            compact = {"type": kind, "request_id": f"R{i // 2}", "date_of_service": later, "codes": codes,
                       "occurred_at": f"{dos}T15:00:00Z"}  # fmt: skip
        events += expand({**compact, "patient_id": "P-LONG", "event_id": f"ev{i}"})
    return events


@pytest.fixture(scope="module")
def long_history() -> tuple[list[bytes], int, list[Any]]:
    """Apply 10,000 events; the encoded sizes at 1,000 and 10,000, and the outputs."""
    state = None
    sizes = []
    outs: list[Any] = []
    for n, doc in enumerate(history(10_000), 1):
        state, produced = apply(state, from_dict(doc))
        outs += produced
        if n in (1_000, 10_000):
            sizes.append(state.encode())
    return sizes, len(outs), outs


def test_state_stays_under_the_bound(long_history: tuple[list[bytes], int, list[Any]]) -> None:
    (at_1k, at_10k), n_outputs, _ = long_history
    assert n_outputs > 500  # the history did exercise the rules
    assert len(at_10k) < MAX_STATE_BYTES
    assert len(at_10k) <= 2 * len(at_1k), (len(at_1k), len(at_10k))


def test_no_alert_raised_twice_over_a_long_history(long_history: tuple[list[bytes], int, list[Any]]) -> None:
    _, _, outs = long_history
    ids = [o.alert_id for o in outs if isinstance(o, Alert)]
    assert len(ids) == len(set(ids))


def test_encode_decode_round_trip(long_history: tuple[list[bytes], int, list[Any]]) -> None:
    (_, at_10k), _, _ = long_history
    state = PatientState.decode(at_10k)
    assert state.encode() == at_10k
    assert PatientState.decode(state.encode()) == state
    assert state.encounters and state.imaging and state.claims and state.prior_auths and state.raised


def test_a_decoded_state_carries_on_like_the_live_one() -> None:
    events = history(600, seed=11)
    live = None
    for doc in events[:400]:
        live, _ = apply(live, from_dict(doc))
    assert live is not None
    restored = PatientState.decode(live.encode())
    assert restored == live
    for doc in events[400:]:
        live, a = apply(live, from_dict(doc))
        restored, b = apply(restored, from_dict(doc))
        assert [o.to_json() for o in a] == [o.to_json() for o in b]
    assert restored.encode() == live.encode()


def test_empty_state_round_trip() -> None:
    state = PatientState("P0")
    assert PatientState.decode(state.encode()) == state


def test_encode_writes_what_orjson_writes_for_the_dataclasses(long_history: tuple[list[bytes], int, list[Any]]) -> None:
    """`encode` builds the dicts itself (faster than orjson's slotted-dataclass path): the same bytes as
    `orjson.dumps(state)`, the form every state already written has, and those decode to the same state."""
    (_, at_10k), _, _ = long_history
    state = PatientState.decode(at_10k)
    assert state.encode() == orjson.dumps(state)
    assert PatientState.decode(orjson.dumps(state)) == state
    live = None
    for doc in history(300, seed=5):
        live, _ = apply(live, from_dict(doc))
        assert live.encode() == orjson.dumps(live)


def test_a_state_written_before_link_denied_existed_still_decodes() -> None:
    """States in a changelog written by an earlier release have no `link_denied` on their encounters: they
    decode as not denied (a restart after an upgrade reads them)."""
    state = PatientState("P0")
    state.record_encounter(
        EncounterRecord("V1", "e1", "2024-03-01T10:00:00Z", "D1", date(2024, 3, 1), ["M54.50"], "M54.50", [], True)
    )
    doc = orjson.loads(state.encode())
    del doc["encounters"][0]["link_denied"]
    old = PatientState.decode(orjson.dumps(doc))
    assert old.encounters[0].link_denied is False
    assert PatientState.decode(state.encode()).encounters[0].link_denied is True


def test_a_claim_written_before_billed_on_existed_still_decodes() -> None:
    """Claims in states written before lines' own dates were kept have no `billed_on`: every code is billed
    on the claim's date, as they were judged then; a claim with line dates keeps them through a round trip."""
    state = PatientState("P0")
    on = [[date(2024, 9, 30)], [date(2024, 9, 30), date(2024, 10, 2)]]
    state.record_claim(
        ClaimRecord("C1", "e1", "2024-10-05T10:00:00Z", "D1", None, date(2024, 9, 30), ["M54.50", "M51.36"], on)
    )
    assert PatientState.decode(state.encode()).claims[0].dates_of(1) == [date(2024, 9, 30), date(2024, 10, 2)]
    doc = orjson.loads(state.encode())
    del doc["claims"][0]["billed_on"]
    old = PatientState.decode(orjson.dumps(doc)).claims[0]
    assert old.billed_on == []
    assert old.dates_of(1) == [date(2024, 9, 30)]


def test_a_claims_line_dates_are_one_per_fiscal_year() -> None:
    """200 lines on 200 days, each pointing to every code: a code keeps the first of its dates in each fiscal
    year (its validity changes only between years), so the state stays bounded however many lines come."""
    days = [date(2024, 6, 1) + timedelta(days=k) for k in range(200)]
    doc = {
        "type": "claim",
        "claim_id": "C1",
        "date_of_service": "2024-06-01",
        "codes": ["M54.50", "M51.36"],
        "lines": [
            {"procedure_code": "97110", "date_of_service": d.isoformat(), "diagnosis_pointers": [1, 2]} for d in days
        ],
    }
    (event,) = expand(doc)
    state, _ = apply(None, from_dict(event))
    assert state.claims[0].dates_of(0) == state.claims[0].dates_of(1) == [date(2024, 6, 1), date(2024, 10, 1)]


@pytest.mark.parametrize("schema", ["encounter-signed", "claim-submitted", "prior-auth-requested"])
def test_every_diagnosis_the_schema_allows_is_kept(schema: str) -> None:
    """A code past MAX_CODES would be dropped unseen (a claim's 13th once was): the cap is the schema's."""
    doc = orjson.loads((settings.REPO_ROOT / "schemas" / f"{schema}.schema.json").read_bytes())
    assert doc["properties"]["diagnoses"]["maxItems"] == MAX_CODES


def test_a_state_written_before_raised_at_was_kept_still_decodes() -> None:
    """States in a changelog from before 2026-12-04 have no raised_at on their raised alerts."""
    state = PatientState.decode(_state_with_one_alert().encode())
    doc = orjson.loads(state.encode())
    for r in doc["raised"].values():
        del r["raised_at"]
    old = PatientState.decode(orjson.dumps(doc))
    assert [r.raised_at for r in old.raised.values()] == [None]
    assert old.raised.keys() == state.raised.keys()


def _state_with_one_alert() -> PatientState:
    state = None
    doc = {"type": "claim", "claim_id": "C1", "date_of_service": "2023-05-02", "codes": ["M54.5"]}
    for event in expand({**doc, "patient_id": "P1", "event_id": "e1"}):
        state, _ = apply(state, from_dict(event))
    assert state is not None and len(state.raised) == 1
    return state
