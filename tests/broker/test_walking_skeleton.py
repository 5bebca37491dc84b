"""End to end on the real broker: claims in, one alert and one dead letter out (the ground issue's check)."""

from __future__ import annotations

import base64

import orjson

from tests.broker.harness import Deployment, Worker


def claim(event_id: str, patient: str, claim_id: str, dos: str, code: str) -> bytes:
    return orjson.dumps({
        "event_id": event_id, "event_type": "claim.submitted", "patient_id": patient,
        "occurred_at": f"{dos}T12:00:00Z", "schema_version": 1, "claim_id": claim_id, "provider_id": "prov-1",
        "payer_id": "payer-1", "date_of_service": dos, "diagnoses": [{"code": code, "sequence": 1}],
        "lines": [{"procedure_code": "99213", "diagnosis_pointers": [1]}],
    })  # fmt: skip


def test_retired_m545_claim_alerts_and_invalid_line_is_dead_lettered(deployment: Deployment) -> None:
    invalid = b'{"event_id": "c3", "event_type": "claim.submitted", "patient_id": "p3"'
    worker = Worker(deployment).start()
    try:
        deployment.produce([
            claim("c1", "p1", "CLM-1", "2022-03-01", "M54.5"),
            claim("c2", "p2", "CLM-2", "2021-09-15", "M54.5"),
            invalid,
        ])  # fmt: skip
        records = deployment.read(["alerts-claims", "dead-letter"], until=2, idle=4)
    finally:
        worker.stop()
    alerts = [r for t, _, r in records if t == "alerts-claims"]
    dead = [r for t, _, r in records if t == "dead-letter"]
    assert [(a["rule_id"], a["subject_id"], a["patient_id"]) for a in alerts] == [
        ("CLM-RETIRED-CODE", "CLM-1", "p1")
    ], worker.log_tail()
    assert "M54.50" in alerts[0]["suggested_codes"]
    assert len(dead) == 1
    assert base64.b64decode(dead[0]["original"]) == invalid
    assert dead[0]["error_class"] == "invalid_json"
    assert dead[0]["topic"] == deployment.topic("claim-submitted")
    assert dead[0]["offset"] is not None


def test_schema_failure_names_the_field(deployment: Deployment) -> None:
    bad = orjson.loads(claim("c9", "p9", "CLM-9", "2022-03-01", "M54.50"))
    bad["date_of_service"] = "2021-02-30"
    worker = Worker(deployment).start()
    try:
        deployment.produce([orjson.dumps(bad)])
        records = deployment.read(["dead-letter"], until=1, idle=3)
    finally:
        worker.stop()
    [(_, key, dead)] = records
    assert key == b"p9"
    assert dead["error_class"] == "schema"
    assert "date_of_service" in dead["error"]
