"""A worker stopped and restarted recovers its tables from the changelog and goes on: the imaging that
arrives after the restart is matched to the encounter processed before it, and nothing is raised twice."""

from __future__ import annotations

import signal

import orjson
import pytest

from tests.broker.harness import ALERT_TOPICS, Deployment, Worker


def encounter(eid: str, patient: str, enc: str, dos: str, code: str, assessment: str) -> bytes:
    return orjson.dumps({
        "event_id": eid, "event_type": "encounter.signed", "patient_id": patient, "occurred_at": f"{dos}T17:00:00Z",
        "schema_version": 1, "encounter_id": enc, "provider_id": "prov-9", "date_of_service": dos,
        "diagnoses": [{"code": code, "sequence": 1}], "assessment": assessment,
    })  # fmt: skip


def imaging(eid: str, patient: str, acc: str, performed: str) -> bytes:
    return orjson.dumps({
        "event_id": eid, "event_type": "imaging.resulted", "patient_id": patient,
        "occurred_at": f"{performed}T20:00:00Z",
        "schema_version": 1, "accession": acc, "modality": "MRI", "body_site": "lumbar spine",
        "performed_at": f"{performed}T09:00:00Z",
        "report_text": "IMPRESSION: Modic type 1 endplate changes at L4-L5. No canal stenosis.",
    })  # fmt: skip


# no duration stated: each encounter raises COD-DURATION-UNDOCUMENTED, which shows it was processed
ASSESSMENT = "Low back pain. Continue home exercise program and physical therapy."


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_restart_recovers_state_and_raises_nothing_twice(deployment: Deployment, stop_signal: int) -> None:
    patients = [f"p{i}" for i in range(12)]
    first = Worker(deployment, "w1").start()
    try:
        deployment.produce(encounter(f"e-{p}", p, f"E-{p}", "2024-02-05", "M54.50", ASSESSMENT) for p in patients)
        before = deployment.read(["alerts-coding"], until=len(patients), idle=2)
    finally:
        first.stop(stop_signal)
    assert sorted(r["rule_id"] for _, _, r in before) == ["COD-DURATION-UNDOCUMENTED"] * len(patients)

    second = Worker(deployment, "w2").start()
    try:
        deployment.produce(imaging(f"i-{p}", p, f"A-{p}", "2024-02-20") for p in patients)
        # redeliver the encounters too: the restored state knows their event ids
        deployment.produce(encounter(f"e-{p}", p, f"E-{p}", "2024-02-05", "M54.50", ASSESSMENT) for p in patients)
        records = deployment.read(ALERT_TOPICS, until=2 * len(patients), idle=4)
        restored = second.metric("lbp_table_restored_records_total", table="patient-state") or 0
    finally:
        second.stop()
    # the states came back through the store's bulk restore (streams/tablestore.py), not faust's own loop
    assert restored >= len(patients), second.log_tail()
    unlinked = [r for _, _, r in records if r.get("rule_id") == "COD-IMAGING-UNLINKED" and r["record_type"] == "alert"]
    assert sorted(r["subject_id"] for r in unlinked) == sorted(f"E-{p}" for p in patients), second.log_tail()
    ids = [r["alert_id"] for _, _, r in records if r["record_type"] == "alert"]
    if stop_signal == signal.SIGTERM:
        assert len(ids) == len(set(ids)), "an alert was raised twice after a clean restart"
    else:
        # after SIGKILL a batch may be redelivered: copies are allowed on the topic, with the same ids
        assert set(ids) == {r["alert_id"] for r in unlinked} | {r["alert_id"] for _, _, r in before}
