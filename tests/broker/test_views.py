"""The worker's HTTP views and metrics, on a running worker: what a coder, a prior-auth system and an SRE
call."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import orjson

from streams import settings
from tests.broker.harness import Deployment, Worker
from tests.broker.test_walking_skeleton import claim
from tests.broker.test_worker_recovery import encounter, imaging

TOKEN = "test-token-4711"
PAS_BUNDLE = settings.REPO_ROOT.parent / "shared" / "data" / "fhir" / "inferno_conformant_pas_bundle_v110.json"


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post(url: str, body: bytes, token: str | None = TOKEN) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def prior_auth(patient: str, code: str) -> bytes:
    return orjson.dumps({
        "event_id": "pa-check-1", "event_type": "priorauth.requested", "patient_id": patient,
        "occurred_at": "2024-03-01T10:00:00Z", "schema_version": 1, "request_id": "PA-1", "provider_id": "prov-9",
        "payer_id": "payer-1", "service_code": "72148", "diagnoses": [{"code": code, "sequence": 1}],
        "date_of_service": "2024-03-05",
    })  # fmt: skip


def test_views_and_metrics(deployment: Deployment, tmp_path: Path) -> None:
    worker = Worker(deployment, STREAMS_API_TOKEN=TOKEN, STREAMS_FAUST_METRICS="1").start()
    try:
        assert get(f"{worker.url}/healthz")[0] == 200
        assert get(f"{worker.url}/readyz")[0] == 200
        deployment.produce([
            encounter("e-v1", "pv1", "E-V1", "2024-02-05", "M54.50", "Low back pain. Continue PT."),
            imaging("i-v1", "pv1", "A-V1", "2024-02-01"),
            claim("c-v0", "pv1", "CLM-V0", "2026-11-16", "M54.5"),  # FY2027: no code set on file, counted
            claim("c-v1", "pv1", "CLM-V1", "2024-02-05", "M54.5"),
            b"not json at all",
        ])  # fmt: skip
        deployment.read(["alerts-coding", "alerts-claims", "dead-letter"], until=4, idle=2)

        # the patient view: refused without the token, the state with it
        assert get(f"{worker.url}/patients/pv1")[0] == 401
        assert get(f"{worker.url}/patients/pv1", "wrong")[0] == 401
        status, body = get(f"{worker.url}/patients/pv1", TOKEN)
        assert status == 200
        state = orjson.loads(body)
        assert [e["encounter_id"] for e in state["encounters"]] == ["E-V1"]
        assert get(f"{worker.url}/patients/nobody", TOKEN)[0] == 404
        # faust's own table views (no token) are off
        assert get(f"{worker.url}/table/patient-state/")[0] == 404

        # the prior-auth check: refused without the token (its answer quotes the documentation); with it,
        # the alerts it would raise, with what the documentation on file supports
        assert post(f"{worker.url}/prior-auth/check", prior_auth("pv1", "M54.50"), token=None)[0] == 401
        assert post(f"{worker.url}/prior-auth/check", prior_auth("pv1", "M54.50"), token="wrong")[0] == 401
        status, answer = post(f"{worker.url}/prior-auth/check", prior_auth("pv1", "M54.50"))
        assert status == 200, answer
        [alert] = answer["alerts"]
        assert alert["rule_id"] == "PA-UNSPECIFIED-CODE"
        assert any(e["kind"] == "imaging" for e in alert["evidence"]), "the imaging on file is named"
        status, answer = post(f"{worker.url}/prior-auth/check", prior_auth("pv1", "M54.51"))
        assert status == 200 and answer["alerts"] == []
        status, answer = post(f"{worker.url}/prior-auth/check", b'{"event_type": "priorauth.requested"}')
        assert status == 400 and "event_id" in answer["error"]
        if PAS_BUNDLE.exists():
            status, answer = post(f"{worker.url}/prior-auth/check", PAS_BUNDLE.read_bytes())
            assert status == 200, answer
        # nothing was produced by the checks
        assert deployment.records_in("alerts-prior-auth") == 0

        # metrics: names present, counts moved
        status, text = get(f"{worker.url}/metrics")
        assert status == 200
        metrics = text.decode()

        def value(pattern: str) -> float:
            m = re.search(pattern + r" ([0-9.e+]+)$", metrics, re.M)
            assert m, f"{pattern} not in /metrics"
            return float(m.group(1))

        topic = deployment.topic("encounter-signed")
        assert value(rf'lbp_events_consumed_total\{{topic="{topic}"\}}') >= 1
        assert value(r'lbp_alerts_raised_total\{rule_id="CLM-RETIRED-CODE",topic="alerts-claims"\}') == 1
        assert value(r'lbp_dead_letters_total\{error_class="invalid_json"\}') == 1
        claims = deployment.topic("claim-submitted")
        assert value(rf'lbp_events_outside_code_sets_total\{{fiscal_year="2027",topic="{claims}"\}}') == 1
        assert value(r"lbp_processing_latency_seconds_count") >= 4
        assert "lbp_build_info" in metrics and "faust_" in metrics  # faust's sensor, turned on for this worker
        assert "pv1" not in metrics and "CLM-V1" not in metrics  # no patient or claim ids in labels
    finally:
        worker.stop()
    log = worker.log_path.read_text()
    assert TOKEN not in log
    assert log.count("cms_2027_dx.zip") == 1  # what to do, said once
