"""The one parametrised runner of the rule cases in `cases/<RULE-ID>.yaml` (sqlfluff's std_rule_cases style).

A case file names its rule (`rule:`) and holds named cases. A case is a list of compact `events:` (the runner
fills what a case need not say: event_id, occurred_at, schema_version, patient_id, provider_id, payer_id,
claim lines) and what must come out for that rule:

- `fires:` the alerts of the rule, by subject_id (each exactly once), optionally with `codes`,
  `suggested_codes` (ordered), `severity`, `patient_id`, `triggered_by` (an event id) and `message_contains`;
  `fires: []` means the rule raises nothing at all;
- `not_fires:` subject ids that must get no alert of the rule;
- `resolves:` subject ids whose alert of the rule is resolved (`alert.resolved`); none if absent. An entry
  `{subject_id: X, resolved_by: E}` also says which event resolved it.

Compact events: `type` is `encounter`, `imaging`, `claim` or `prior_auth`; `codes: [A, B]` is shorthand for
`diagnoses` in sequence order; every other field is the contract's (events.md). A default event_id is a hash
of the compact event, so the same event listed twice (a YAML alias) is a redelivery. `repeat: N` expands one
event N times, formatting `{n}` (1..N) in its strings.

Besides each case's own expectations, every output of every case is checked against the contract: alerts
and resolutions validate against schemas/alert.schema.json, evidence points at events of the case, the
message is a sentence, no alert id is raised twice, raised_at is the triggering event's time, resolved_at
the resolving event's time (or, for a visit that late data re-evaluates after a later visit had corrected
it, the time of that late event), never before the alert's raised_at (then it is the raised_at).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson
import pytest
import yaml

from streams.core.alerts import Alert, Resolution
from streams.core.rules import BY_ID
from streams.replay import Replay
from tests.rules import expand

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
REPO = HERE.parents[1]
RULES_MD = REPO.parent / "shared" / "spec" / "rules.md"

VALIDATE_ALERT = fastjsonschema.compile(json.loads((REPO / "schemas" / "alert.schema.json").read_text()))

CASE_KEYS = {"description", "events", "fires", "not_fires", "resolves"}
FIRES_KEYS = {"subject_id", "patient_id", "codes", "suggested_codes", "severity", "triggered_by", "message_contains"}


# --- loading ------------------------------------------------------------------------------------------------


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        rule = doc.pop("rule")
        assert rule == path.stem, f"{path.name} says rule {rule}"
        for name, case in doc.items():
            params.append(pytest.param(rule, name, case, id=f"{rule}:{name}"))
    return params


CASES = load_cases()


def run(events: list[dict[str, Any]]) -> list[Alert | Resolution]:
    outputs = []
    for item in Replay().outputs(orjson.dumps(e) for e in events):
        assert not isinstance(item, dict), f"dead-lettered: {item}"
        outputs.append(item)
    return outputs


# --- the contract every output keeps ---------------------------------------------------------------------


def check_contract(events: list[dict[str, Any]], outputs: list[Alert | Resolution]) -> None:
    by_id = {e["event_id"]: e for e in events}
    raised: dict[str, Alert] = {}
    resolved: set[str] = set()
    for out in outputs:
        record = out.to_json()
        VALIDATE_ALERT(record)
        if isinstance(out, Alert):
            assert out.alert_id not in raised, f"alert raised twice: {record}"
            raised[out.alert_id] = out
            assert out.message.strip() and out.message.rstrip().endswith((".", ")")), record
            assert out.evidence, f"no evidence: {record}"
            for ev in out.evidence:
                assert ev.source_event_id in by_id, f"evidence from an unknown event: {ev}"
                assert ev.text.strip(), f"empty evidence text: {ev}"
            assert out.triggered_by in by_id
            assert out.raised_at == by_id[out.triggered_by]["occurred_at"]
        else:
            alert = raised.get(out.alert_id)
            assert alert is not None, f"resolution of an alert never raised: {record}"
            assert (alert.rule_id, alert.subject_type, alert.subject_id) == (
                out.rule_id,
                out.subject_type,
                out.subject_id,
            )
            assert out.alert_id not in resolved, f"resolved twice: {record}"
            resolved.add(out.alert_id)
            assert out.resolved_by in by_id
            assert _when(out.resolved_at) >= _when(alert.raised_at), record  # never a negative time to resolve
            if out.resolved_at != by_id[out.resolved_by]["occurred_at"] and out.resolved_at != alert.raised_at:
                # corrected by a later visit before late data re-evaluated this one (engine.evaluate); else
                # the resolving event's own time was earlier than the alert's (engine._not_before)
                assert by_id[out.resolved_by]["event_type"] == "encounter.signed", record
                assert out.resolved_at in {e["occurred_at"] for e in events}, record


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


# --- tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "name", "case"), CASES)
def test_rule_case(rule: str, name: str, case: dict[str, Any]) -> None:
    assert set(case) <= CASE_KEYS, f"unknown keys {set(case) - CASE_KEYS}"
    assert "fires" in case or "not_fires" in case, "a case says what fires or what must not"
    events = [e for compact in case["events"] for e in expand(compact)]
    outputs = run(events)
    check_contract(events, outputs)

    mine = [o for o in outputs if isinstance(o, Alert) and o.rule_id == rule]
    summary = [(a.subject_id, a.codes, a.suggested_codes) for a in mine]
    if "fires" in case:
        expected = case["fires"] or []
        assert sorted(a.subject_id for a in mine) == sorted(f["subject_id"] for f in expected), summary
        for want in expected:
            assert set(want) <= FIRES_KEYS, f"unknown keys {set(want) - FIRES_KEYS}"
            got = [a for a in mine if a.subject_id == want["subject_id"]]
            if "patient_id" in want:
                got = [a for a in got if a.patient_id == want["patient_id"]]
            assert len(got) == 1, summary
            alert = got[0]
            for key in ("codes", "suggested_codes"):
                if key in want:
                    assert list(getattr(alert, key)) == want[key], (key, alert.to_json())
            for key in ("severity", "triggered_by"):
                if key in want:
                    assert getattr(alert, key) == want[key], (key, alert.to_json())
            if "message_contains" in want:
                assert want["message_contains"] in alert.message, alert.message
    for subject in case.get("not_fires") or []:
        assert not [a for a in mine if a.subject_id == subject], summary

    resolutions = [o for o in outputs if isinstance(o, Resolution) and o.rule_id == rule]
    wanted = [r if isinstance(r, dict) else {"subject_id": r} for r in case.get("resolves") or []]
    resolved = [o.subject_id for o in resolutions]
    assert sorted(resolved) == sorted(w["subject_id"] for w in wanted), resolved
    for want in wanted:
        if "resolved_by" in want:
            by = [o.resolved_by for o in resolutions if o.subject_id == want["subject_id"]]
            assert by == [want["resolved_by"]], by


def test_one_case_file_per_rule() -> None:
    """cases/ covers exactly the registered rules, and (when the spec is at hand) the ids of rules.md."""
    files = {p.stem for p in CASES_DIR.glob("*.yaml")}
    assert files == set(BY_ID)
    if RULES_MD.exists():
        spec_ids = set(re.findall(r"^\| ((?:CLM|PA|COD|OPS)-[A-Z0-9-]+) \|", RULES_MD.read_text(), re.M))
        assert files == spec_ids


@pytest.mark.parametrize("rule", sorted(BY_ID))
def test_each_rule_has_firing_and_quiet_cases(rule: str) -> None:
    cases = [p.values[2] for p in CASES if p.values[0] == rule]
    assert any(c.get("fires") for c in cases), f"{rule}: no case where it fires"
    assert any(c.get("not_fires") or c.get("fires") == [] for c in cases), f"{rule}: no case where it must not"
