"""Rule cases: one YAML file per rule id of rules.md in `cases/`, run by `test_rule_cases.py`.

`expand` turns a compact event (what a case says) into a full contract event; tests/test_engine.py and
tests/test_state.py build their streams with it too.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from typing import Any

import orjson

TYPES = {
    "encounter": "encounter.signed",
    "imaging": "imaging.resulted",
    "claim": "claim.submitted",
    "prior_auth": "priorauth.requested",
}

EVENT_KEYS = {
    "type", "repeat", "event_id", "patient_id", "occurred_at", "schema_version", "codes", "diagnoses",
    "encounter_id", "provider_id", "practice_id", "date_of_service", "assessment", "note_sections",
    "accession", "modality", "body_site", "performed_at", "report_text", "findings",
    "request_id", "payer_id", "service_code", "service_description", "claim_id", "lines",
}  # fmt: skip


def _plain(value: Any) -> Any:
    """YAML reads 2024-03-01 as a date; the wire carries strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _formatted(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return value.format(n=n)
    if isinstance(value, dict):
        return {k: _formatted(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_formatted(v, n) for v in value]
    return value


def expand(compact: dict[str, Any]) -> list[dict[str, Any]]:
    """One compact event (or a `repeat:` of one) -> full contract events."""
    compact = _plain(compact)
    assert set(compact) <= EVENT_KEYS, f"unknown event fields {set(compact) - EVENT_KEYS} (a comma in a flow map?)"
    if "repeat" in compact:
        times = compact.pop("repeat")
        return [e for n in range(1, times + 1) for e in expand(_formatted(compact, n))]
    doc = copy.deepcopy(compact)
    kind = doc.pop("type")
    doc["event_type"] = TYPES[kind]
    if "codes" in doc:
        doc["diagnoses"] = [{"code": c, "sequence": i} for i, c in enumerate(doc.pop("codes"), 1)]
    digest = hashlib.sha1(orjson.dumps(compact, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
    doc.setdefault("event_id", f"{kind}-{digest}")
    doc.setdefault("patient_id", "P1")
    doc.setdefault("schema_version", 1)
    when = doc.get("date_of_service") or doc.get("performed_at")
    if "occurred_at" not in doc:
        assert when, f"{kind} event needs date_of_service/performed_at or occurred_at: {compact}"
        doc["occurred_at"] = f"{when[:10]}T18:00:00Z"
    if kind == "imaging":
        doc.setdefault("modality", "MRI")
        doc.setdefault("body_site", "lumbar spine")
    else:
        doc.setdefault("provider_id", "DR-A")
    if kind in ("claim", "prior_auth"):
        doc.setdefault("payer_id", "PAYER-1")
    if kind == "claim":
        doc.setdefault("lines", [{"procedure_code": "99213", "diagnosis_pointers": [1]}])
    if kind == "prior_auth":
        doc.setdefault("service_code", "64628")  # basivertebral nerve ablation, the usual reason to ask
    return [doc]
