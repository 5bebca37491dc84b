"""The FHIR adapter on the official HL7 R4 and Da Vinci PAS examples: every event passes the contract's decoder,
fields come from the resource (expected values are read from the JSON here, not retyped), and what cannot be
mapped (SNOMED-only Conditions, system-less claim codes, ultrasound, ClaimResponse) fails with a FhirError that
names the element. Where a happy path needs an ICD-10-CM code the examples do not carry, the test adds one to a
copy and says so; the adapter itself never invents a code.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from streams.cli import main
from streams.core.events import Claim, Encounter, Imaging, PriorAuth, from_dict
from streams.fhir import (
    ICD10,
    ICD10CM,
    FhirError,
    claim_event,
    encounter_event,
    imaging_event,
    pas_bundle_events,
    to_events,
)
from streams.settings import REPO_ROOT

FHIR_DIR = REPO_ROOT.parent / "shared" / "data" / "fhir"
if not FHIR_DIR.is_dir():
    pytest.skip(f"FHIR examples not found at {FHIR_DIR} (shared reference data absent)", allow_module_level=True)

TEST_ICD = {"system": ICD10CM, "code": "M54.50", "display": "Low back pain, unspecified (added by the test)"}

# every example file -> what it yields: an event type, or the FhirError element the message must name
OUTCOMES: dict[str, tuple[str, str]] = {
    "r4/Claim-100150.json": ("error", "Claim.diagnosis[0]"),  # code 123456 without a system
    "r4/Claim-100153.json": ("events", "priorauth.requested"),  # ICD-10 system, passed on as sent
    "r4/Claim-860150.json": ("error", "Claim.diagnosis[0]"),  # code 654456 without a system
    "r4/ClaimResponse-R3500.json": ("error", "ClaimResponse"),
    "r4/ClaimResponse-UR3503.json": ("error", "ClaimResponse"),
    "r4/Condition-example.json": ("error", "Condition"),
    "r4/Condition-f201.json": ("error", "Condition"),
    "r4/DiagnosticReport-f201.json": ("events", "imaging.resulted"),
    "r4/DiagnosticReport-ultrasound.json": ("error", "DiagnosticReport.code"),
    "r4/Encounter-example.json": ("error", "Encounter.participant"),
    "r4/Encounter-f201.json": ("error", "Encounter.period.start"),
    "inferno_conformant_pas_bundle_v110.json": ("events", "priorauth.requested"),
    "inferno_pas_claim.json": ("events", "priorauth.requested"),
    "inferno_valid_pa_response_bundle.json": ("error", "nothing to convert"),
    "inferno_valid_pa_response_bundle_denial.json": ("error", "nothing to convert"),
}
TYPED = {
    "encounter.signed": Encounter,
    "imaging.resulted": Imaging,
    "priorauth.requested": PriorAuth,
    "claim.submitted": Claim,
}


def load(name: str) -> dict[str, Any]:
    return json.loads((FHIR_DIR / name).read_text())


def ref_id(reference: dict[str, Any]) -> str:
    return reference["reference"].rsplit("/", 1)[1]


def valid(event: dict[str, Any]) -> Any:
    """The contract's own decoder is the judge."""
    decoded = from_dict(event)
    assert isinstance(decoded, TYPED[event["event_type"]])
    assert event["schema_version"] == 1
    return decoded


# --- every example -----------------------------------------------------------------------------------------------


def test_every_example_has_an_expected_outcome() -> None:
    found = {str(p.relative_to(FHIR_DIR)) for p in FHIR_DIR.rglob("*.json") if "resourceType" in load(str(p))}
    assert found == set(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_example_converts_or_names_what_is_missing(name: str) -> None:
    kind, expected = OUTCOMES[name]
    resource = load(name)
    if kind == "error":
        with pytest.raises(FhirError, match=expected.replace("[", r"\[").replace("]", r"\]")):
            to_events(resource)
        return
    events = to_events(resource)
    assert events
    for event in events:
        assert event["event_type"] == expected
        valid(event)
        assert event["event_id"].startswith("fhir-")


def test_event_ids_are_deterministic_and_change_with_the_resource() -> None:
    claim = load("inferno_pas_claim.json")
    first = to_events(claim)[0]["event_id"]
    assert to_events(copy.deepcopy(claim))[0]["event_id"] == first
    changed = copy.deepcopy(claim)
    changed["created"] = "2005-05-03T09:00:00+05:00"
    assert to_events(changed)[0]["event_id"] != first
    assert first.startswith(f"fhir-Claim-{claim['id']}-")


# --- Claims ------------------------------------------------------------------------------------------------------


def test_pas_claim_maps_to_a_prior_auth_request() -> None:
    claim = load("inferno_pas_claim.json")
    event = claim_event(claim)
    valid(event)
    item = claim["item"][0]["productOrService"]["coding"][0]
    dx = claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]
    assert dx["system"] == ICD10CM
    assert event["event_type"] == "priorauth.requested"
    assert event["request_id"] == claim["id"]
    assert event["patient_id"] == ref_id(claim["patient"])
    assert event["provider_id"] == ref_id(claim["provider"])
    assert event["payer_id"] == ref_id(claim["insurer"])
    assert event["occurred_at"] == claim["created"]
    assert event["diagnoses"] == [{"code": dx["code"], "sequence": claim["diagnosis"][0]["sequence"]}]
    # PAS codes the service with an X12 service type, not CPT: passed on as sent, with its system
    assert (event["service_code"], event["service_code_system"]) == (item["code"], item["system"])
    assert event["service_description"] == item["display"]
    assert event["date_of_service"] is None  # the request item has no servicedDate


def test_pas_bundle_resolves_its_references() -> None:
    bundle = load("inferno_conformant_pas_bundle_v110.json")
    events = pas_bundle_events(bundle)
    assert events == to_events(bundle)
    (event,) = events
    valid(event)
    claim = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim")
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    base = next(u for u in by_url if u.endswith(f"Claim/{claim['id']}")).rsplit("Claim/", 1)[0]
    assert by_url[base + claim["patient"]["reference"]]["id"] == event["patient_id"]
    assert by_url[base + claim["insurer"]["reference"]]["id"] == event["payer_id"]
    assert by_url[base + claim["provider"]["reference"]]["id"] == event["provider_id"]
    standalone = claim_event(load("inferno_pas_claim.json"))
    assert {k: v for k, v in event.items() if k != "event_id"} == {
        k: v for k, v in standalone.items() if k != "event_id"
    }


def test_pas_bundle_with_urn_uuid_references() -> None:
    """Transaction-style bundles point at entries by urn:uuid fullUrl; ids come from the resolved resources."""
    bundle = load("inferno_conformant_pas_bundle_v110.json")
    urns = {}
    for n, entry in enumerate(bundle["entry"]):
        resource = entry["resource"]
        urns[f"{resource['resourceType']}/{resource['id']}"] = entry["fullUrl"] = f"urn:uuid:0000-{n}"
    claim = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim")
    for field in ("patient", "insurer", "provider"):
        claim[field]["reference"] = urns[claim[field]["reference"]]
    (event,) = pas_bundle_events(bundle)
    assert (event["patient_id"], event["payer_id"], event["provider_id"]) == (
        "SubscriberExample",
        "InsurerExample",
        "UMOExample",
    )


def test_preauthorization_with_several_items_gives_one_request_per_item() -> None:
    claim = load("r4/Claim-100153.json")
    events = to_events(claim)
    assert len(events) == len(claim["item"])
    dx = claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]
    assert dx["system"] == ICD10  # WHO ICD-10: accepted and passed on; the engine judges the code
    for event, item in zip(events, claim["item"], strict=True):
        valid(event)
        assert event["request_id"] == f"{claim['id']}-{item['sequence']}"
        assert event["service_code"] == item["productOrService"]["coding"][0]["code"]
        assert event["date_of_service"] == item["servicedDate"]
        assert event["diagnoses"] == [{"code": dx["code"], "sequence": 1}]
    assert len({e["event_id"] for e in events}) == len(events)
    assert claim_event(claim) == events[0]


@pytest.mark.parametrize("name", ["r4/Claim-100150.json", "r4/Claim-860150.json"])
def test_claim_code_without_a_system_is_an_error_not_a_guess(name: str) -> None:
    claim = load(name)
    code = claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"]
    with pytest.raises(FhirError) as info:
        claim_event(claim)
    message = str(info.value)
    assert message.startswith("Claim.diagnosis[0]: expected a diagnosisCodeableConcept with an ICD-10-CM coding")
    assert f"(no system) {code}" in message


def test_claim_submitted_from_a_claim_given_an_icd10cm_code() -> None:
    claim = load("r4/Claim-860150.json")
    claim["diagnosis"][0]["diagnosisCodeableConcept"] = {"coding": [TEST_ICD]}  # the test's code, not the example's
    claim["item"][0]["diagnosisSequence"] = [1]
    event = claim_event(claim)
    decoded = valid(event)
    item = claim["item"][0]
    assert event["event_type"] == "claim.submitted"
    assert event["claim_id"] == claim["id"]
    assert event["patient_id"] == ref_id(claim["patient"])
    assert event["payer_id"] == ref_id(claim["insurer"])
    assert event["provider_id"] == ref_id(claim["provider"])
    assert event["date_of_service"] == item["servicedDate"]  # no billablePeriod in the example
    assert event["occurred_at"] == claim["created"] + "T00:00:00Z"
    assert event["diagnoses"] == [{"code": TEST_ICD["code"], "sequence": 1}]
    assert event["lines"] == [
        {
            "procedure_code": item["productOrService"]["coding"][0]["code"],
            "date_of_service": item["servicedDate"],
            "diagnosis_pointers": [1],
        }
    ]
    assert decoded.lines[0].diagnosis_pointers == (1,)


def test_claim_billable_period_and_unknown_use() -> None:
    claim = load("r4/Claim-100150.json")
    claim["diagnosis"][0]["diagnosisCodeableConcept"] = {"coding": [TEST_ICD]}
    claim["billablePeriod"] = {"start": "2014-08-15", "end": "2014-08-16"}
    assert claim_event(claim)["date_of_service"] == "2014-08-15"
    claim["use"] = "predetermination"
    with pytest.raises(FhirError, match=r"Claim\.use: expected 'claim' or 'preauthorization'"):
        claim_event(claim)


def test_claim_response_is_not_an_input_event() -> None:
    for name in ("r4/ClaimResponse-R3500.json", "inferno_valid_pa_response_bundle.json"):
        with pytest.raises(FhirError):
            to_events(load(name))


# --- DiagnosticReport --------------------------------------------------------------------------------------------


def test_ct_report_maps_to_imaging() -> None:
    report = load("r4/DiagnosticReport-f201.json")
    event = imaging_event(report)
    decoded = valid(event)
    assert event["modality"] == "CT"
    assert event["accession"] == report["id"]  # the example has no identifier
    assert event["patient_id"] == ref_id(report["subject"])
    assert event["performed_at"] == report["effectiveDateTime"]
    assert event["occurred_at"] == report["issued"]
    assert event["body_site"] == "head-neck"  # code.text "CT of head-neck" without the modality
    assert report["conclusion"] in event["report_text"]
    assert str(decoded.performed_on) == report["effectiveDateTime"][:10]


def test_ultrasound_is_not_a_modality_of_the_contract() -> None:
    report = load("r4/DiagnosticReport-ultrasound.json")
    with pytest.raises(FhirError) as info:
        imaging_event(report)
    assert str(info.value).startswith("DiagnosticReport.code: expected an MRI, CT or X-ray study")
    assert report["code"]["text"] in str(info.value)


def test_lumbar_mri_with_dicom_modality_accession_and_presented_form() -> None:
    report = load("r4/DiagnosticReport-ultrasound.json")
    findings = "FINDINGS: Modic type 1 endplate changes at L4-L5."
    report["code"] = {"coding": [{"system": "http://loinc.org", "code": "24590-2"}], "text": "MR Lumbar spine"}
    report["category"].append({"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"}]})
    report["identifier"] = [
        {
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN"}]},
            "value": "A1",
        }
    ]
    report["presentedForm"] = [{"contentType": "text/plain", "data": base64.b64encode(findings.encode()).decode()}]
    del report["effectiveDateTime"]
    report["effectivePeriod"] = {"start": "2023-02-01"}
    event = imaging_event(report)
    valid(event)
    assert (event["modality"], event["body_site"], event["accession"]) == ("MRI", "lumbar spine", "A1")
    assert event["performed_at"] == "2023-02-01"
    assert event["report_text"] == f"{report['conclusion']}\n\n{findings}"


def test_entered_in_error_report_is_refused() -> None:
    report = load("r4/DiagnosticReport-f201.json")
    report["status"] = "entered-in-error"
    with pytest.raises(FhirError, match=r"DiagnosticReport\.status"):
        imaging_event(report)


# --- Encounter + Conditions --------------------------------------------------------------------------------------


def test_encounter_f201_names_each_missing_piece() -> None:
    encounter, condition = load("r4/Encounter-f201.json"), load("r4/Condition-f201.json")
    with pytest.raises(FhirError, match=r"Encounter\.period\.start: expected the date of service"):
        encounter_event(encounter, [condition])
    encounter["period"] = {"start": "2013-04-04T10:00:00+01:00"}  # the example has none
    snomed = condition["code"]["coding"][0]
    with pytest.raises(FhirError) as info:
        encounter_event(encounter, [condition])
    assert f"Condition/f201 has {snomed['system']} {snomed['code']}" in str(info.value)  # SNOMED is not ICD-10-CM


def test_encounter_maps_given_an_icd10cm_condition() -> None:
    encounter, condition = load("r4/Encounter-f201.json"), load("r4/Condition-f201.json")
    encounter["period"] = {"start": "2013-04-04T10:00:00+01:00", "end": "2013-04-04T10:30:00+01:00"}
    condition["code"]["coding"].append(TEST_ICD)  # the test's code beside the example's SNOMED one
    event = encounter_event(encounter, [condition])
    valid(event)
    assert event["encounter_id"] == encounter["id"]
    assert event["patient_id"] == ref_id(encounter["subject"])
    assert event["provider_id"] == ref_id(encounter["participant"][0]["individual"])
    assert event["practice_id"] == ref_id(encounter["serviceProvider"])
    assert event["date_of_service"] == encounter["period"]["start"][:10]
    assert event["occurred_at"] == encounter["period"]["end"]
    assert event["diagnoses"] == [{"code": TEST_ICD["code"], "sequence": 1}]
    assert event["note_sections"] == {"reason": encounter["reasonCode"][0]["text"]}
    # no assessment given and no Condition.note: the narrative, without its tags
    assert "<" not in event["assessment"] and "Practitioner/f201" in event["assessment"]

    given = encounter_event(encounter, [condition], assessment="Low back pain, no radicular signs.", event_id="e-1")
    assert (given["assessment"], given["event_id"]) == ("Low back pain, no radicular signs.", "e-1")
    condition["note"] = [{"text": "Mechanical low back pain."}]
    assert encounter_event(encounter, [condition])["assessment"] == "Mechanical low back pain."


def test_encounter_diagnosis_rank_orders_and_snomed_only_conditions_are_skipped() -> None:
    encounter = load("r4/Encounter-example.json")
    encounter["period"] = {"start": "2024-03-01"}
    encounter["participant"] = [{"individual": {"reference": "Practitioner/p1"}}]
    snomed_only = load("r4/Condition-example.json")  # SNOMED 39065001, same patient
    lbp = {**copy.deepcopy(snomed_only), "id": "lbp", "code": {"coding": [TEST_ICD]}}
    radic = {**copy.deepcopy(snomed_only), "id": "radic", "code": {"coding": [{"system": ICD10CM, "code": "M54.16"}]}}
    encounter["diagnosis"] = [
        {"condition": {"reference": "Condition/radic"}, "rank": 2},
        {"condition": {"reference": "Condition/example"}, "rank": 3},
        {"condition": {"reference": "Condition/lbp"}, "rank": 1},
    ]
    event = encounter_event(encounter, [snomed_only, lbp, radic])
    valid(event)
    assert event["diagnoses"] == [{"code": "M54.50", "sequence": 1}, {"code": "M54.16", "sequence": 2}]
    assert event["occurred_at"] == "2024-03-01T00:00:00Z" and event["practice_id"] is None

    del encounter["diagnosis"]  # no Encounter.diagnosis: the Conditions in the order given
    assert [d["code"] for d in encounter_event(encounter, [snomed_only, radic, lbp])["diagnoses"]] == [
        "M54.16",
        "M54.50",
    ]
    other = {**copy.deepcopy(lbp), "subject": {"reference": "Patient/someone-else"}}
    with pytest.raises(FhirError, match=r"Condition\.subject"):
        encounter_event(encounter, [other])


def test_bundle_pairs_encounters_with_conditions_and_collects_errors() -> None:
    encounter, condition = load("r4/Encounter-f201.json"), load("r4/Condition-f201.json")
    encounter["period"] = {"start": "2013-04-04T10:00:00+01:00"}
    condition["code"]["coding"].append(TEST_ICD)
    bundle = {
        "resourceType": "Bundle",
        "id": "chart",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:enc", "resource": encounter},
            {"fullUrl": "urn:uuid:cond", "resource": condition},  # points back at Encounter/f201
            {"fullUrl": "urn:uuid:ct", "resource": load("r4/DiagnosticReport-f201.json")},
            {"fullUrl": "urn:uuid:us", "resource": load("r4/DiagnosticReport-ultrasound.json")},
            {"fullUrl": "urn:uuid:claim", "resource": load("r4/Claim-100150.json")},
        ],
    }
    with pytest.raises(FhirError, match=r"Bundle\.entry\[3\] \(DiagnosticReport/ultrasound\)"):
        to_events(bundle)
    errors: list[FhirError] = []
    events = to_events(bundle, errors=errors)
    assert [e["event_type"] for e in events] == ["encounter.signed", "imaging.resulted"]
    for event in events:
        valid(event)
    assert events[0]["diagnoses"] == [{"code": TEST_ICD["code"], "sequence": 1}]
    assert [str(e).split(":")[0] for e in errors] == [
        "Bundle.entry[3] (DiagnosticReport/ultrasound)",
        "Bundle.entry[4] (Claim/100150)",
    ]


# --- command -----------------------------------------------------------------------------------------------------


def test_command_prints_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fhir", str(FHIR_DIR / "r4" / "Claim-100153.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(load("r4/Claim-100153.json")["item"])
    for line in lines:
        valid(json.loads(line))


def test_command_reports_what_it_could_not_convert(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["fhir", str(FHIR_DIR / "r4" / "Claim-100150.json")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Claim.diagnosis[0]" in err
    ndjson = tmp_path / "export.ndjson"
    ndjson.write_text(
        "\n".join(json.dumps(load(n)) for n in ("inferno_pas_claim.json", "r4/DiagnosticReport-f201.json")) + "\n"
    )
    assert main(["fhir", str(ndjson)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["fhir", str(broken)]) == 2
