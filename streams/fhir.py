"""FHIR R4 resources -> the project's input events (plain dicts that `streams.core.events.from_dict` accepts).

Why an adapter and not a second decoder: the engine understands one contract (schemas/*.schema.json); EHRs and
payers speak FHIR. Everything FHIR-specific (references, code systems, narrative, Bundles) stays here, and every
event this module returns has already passed `from_dict`, so a FHIR problem surfaces as a `FhirError` that names
the FHIR element, never as a dead-lettered event later.

Mapping rules that are choices, not FHIR facts (the tests hold them):
- Diagnoses are ICD-10-CM codings (system http://hl7.org/fhir/sid/icd-10-cm); a coding in the WHO ICD-10 system
  (http://hl7.org/fhir/sid/icd-10) is accepted too and passed on as sent, so a code that is not ICD-10-CM reaches
  the engine and is flagged there (CLM-INVALID-CODE) rather than hidden here. A coding without a system, or in
  SNOMED CT or any other system, is never treated as ICD-10-CM: no code is invented or cross-walked.
- Encounter: a Condition without an ICD-10-CM coding is skipped (problem lists are often SNOMED-only); if none is
  left the encounter is an error. Claim: a diagnosis without an ICD-10-CM coding is an error, because the line
  pointers (diagnosisSequence) depend on every diagnosis being there.
- A prior-auth request carries one service per event: a Claim with use=preauthorization gives one
  `priorauth.requested` per item (request_id = Claim.id, or "<id>-<item.sequence>" when there are several items).
  `service_code` is the item's CPT or HCPCS code when it has one, else its first code as sent (Da Vinci PAS uses
  X12 service type codes); `service_code_system` (an extra field the contract allows) says which.
- Ids are the logical ids of the referenced resources (Patient/x -> x), resolved inside a Bundle or `contained`.
- A date-only FHIR dateTime becomes midnight UTC where the contract needs a timestamp (occurred_at).
- event_id = "fhir-<type>-<id>-<12 hex of SHA-256 of the canonical JSON of what went in>": replaying the same FHIR
  gives the same ids (the engine dedupes), a corrected resource gives a new one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from streams.core.events import SCHEMA_VERSION, BadInput, from_dict

Resource = dict[str, Any]

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
DIAGNOSIS_SYSTEMS = (ICD10CM, ICD10)  # in order of preference
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = (
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
)
SERVICE_SYSTEMS = (CPT, *HCPCS)  # preferred over whatever else an item carries
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"  # diagnostic service section
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier type (ACSN = accession)

# DICOM modality / v2-0074 section codes -> the contract's modality
_MODALITY_CODES = {"MR": "MRI", "MRI": "MRI", "NMR": "MRI", "CT": "CT", "XR": "XR", "DX": "XR", "CR": "XR", "RG": "XR"}
_MODALITY_WORDS = (
    ("MRI", re.compile(r"\b(mri|mr|magnetic resonance)\b", re.I)),
    ("CT", re.compile(r"\b(ct|cat scan|computed tomography)\b", re.I)),
    ("XR", re.compile(r"\b(xr|x-ray|x ray|xray|radiograph\w*|plain film\w*)\b", re.I)),
)
_IMAGING_SECTIONS = {"RAD", "CT", "NMR", "RUS", "XRC", "NMS", "CUS", "VUS", "OUS", "394914008", "LP29684-5"}
_SPINE_SITES = (
    ("lumbar spine", re.compile(r"\b(lumbar|lumbosacral|l-?spine|l[1-5](-s1)?)\b", re.I)),
    ("thoracic spine", re.compile(r"\b(thoracic|t-?spine|dorsal spine)\b", re.I)),
    ("cervical spine", re.compile(r"\b(cervical|c-?spine)\b", re.I)),
    ("sacrum", re.compile(r"\b(sacrum|sacral|sacroiliac|coccyx)\b", re.I)),
)
_SAFE_DX = re.compile(r"[A-Za-z0-9. -]{1,20}")  # the contract's diagnosis code shape
_SAFE_SERVICE = re.compile(r"[A-Za-z0-9]{1,20}")  # the contract's service_code shape
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REF = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")

# statuses that say the thing did not happen (or was recorded in error): not an event
_ENCOUNTER_NOT_HAPPENED = {"planned", "cancelled", "entered-in-error"}
_REPORT_NOT_RESULTED = {"registered", "cancelled", "entered-in-error"}
_CLAIM_NOT_SUBMITTED = {"draft", "cancelled", "entered-in-error"}
_CONDITION_NOT_TRUE = {"refuted", "entered-in-error"}


class FhirError(ValueError):
    """A FHIR resource that cannot become an input event; the message names the element and what was expected."""


class _Refs:
    """Finds what a reference points at: Bundle entries (by fullUrl or Type/id) and a resource's `contained`."""

    def __init__(self, entries: Iterable[tuple[str | None, Resource]] = ()) -> None:
        self._by_key: dict[str, Resource] = {}
        for full_url, resource in entries:
            if full_url:
                self._by_key[full_url] = resource
            rtype, rid = resource.get("resourceType"), resource.get("id")
            if isinstance(rtype, str) and isinstance(rid, str):
                self._by_key.setdefault(f"{rtype}/{rid}", resource)

    def get(self, ref: str, container: Resource | None = None) -> Resource | None:
        if ref.startswith("#"):
            for inner in (container or {}).get("contained") or []:
                if isinstance(inner, dict) and inner.get("id") == ref[1:]:
                    return inner
            return None
        if ref in self._by_key:
            return self._by_key[ref]
        match = _REF.search(ref)
        return self._by_key.get(f"{match.group(1)}/{match.group(2)}") if match else None


_NO_REFS = _Refs()


# --- small helpers -------------------------------------------------------------------------------------------


def _expect_type(resource: Any, rtype: str) -> Resource:
    if not isinstance(resource, dict) or resource.get("resourceType") != rtype:
        got = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        raise FhirError(f"resourceType: expected {rtype}, got {got!r}")
    return resource


def _label(resource: Resource) -> str:
    return f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"


def _ref_id(value: Any, where: str, types: tuple[str, ...], refs: _Refs, container: Resource | None) -> str:
    """The logical id a Reference points at (resolved when the target is at hand), else FhirError."""
    wanted = " or ".join(types)
    if not isinstance(value, dict):
        raise FhirError(f"{where}: expected a reference to a {wanted}")
    ref = value.get("reference")
    if isinstance(ref, str) and ref:
        target = refs.get(ref, container)
        if target is not None and isinstance(target.get("id"), str):
            if target.get("resourceType") not in types:
                raise FhirError(
                    f"{where}: expected a reference to a {wanted}, {ref!r} is a {target.get('resourceType')}"
                )
            return target["id"]
        if ref.startswith("#"):
            raise FhirError(f"{where}: {ref!r} names no contained resource")
        match = _REF.search(ref)
        if match:
            if match.group(1) not in types:
                raise FhirError(f"{where}: expected a reference to a {wanted}, got {ref!r}")
            return match.group(2)
        if ref.startswith(("urn:uuid:", "urn:oid:")):
            return ref.rsplit(":", 1)[1]
        raise FhirError(f"{where}: expected a reference like '{types[0]}/id', got {ref!r}")
    ident = value.get("identifier")
    if isinstance(ident, dict) and isinstance(ident.get("value"), str) and ident["value"]:
        return ident["value"]
    raise FhirError(f"{where}: expected a reference to a {wanted} (reference or identifier.value)")


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict) and isinstance(c.get("code"), str)]


def _describe(concept: Any) -> str:
    """What a CodeableConcept carries, for error messages."""
    found = [f"{c.get('system') or '(no system)'} {c['code']}" for c in _codings(concept)]
    if isinstance(concept, dict) and isinstance(concept.get("text"), str):
        found.append(f"text {concept['text']!r}")
    return ", ".join(found) or "no coding"


def _icd_code(concept: Any, where: str) -> str | None:
    """The ICD-10-CM (else WHO ICD-10) code of a CodeableConcept, as sent; None when it has neither."""
    codings = _codings(concept)
    for system in DIAGNOSIS_SYSTEMS:
        for coding in codings:
            if coding.get("system") == system:
                code = coding["code"].strip()
                if not _SAFE_DX.fullmatch(code):
                    raise FhirError(
                        f"{where}: ICD-10-CM code {code[:40]!r} is not of a safe shape "
                        "(letters, digits, '.', '-', space; at most 20)"
                    )
                return code
    return None


def _date(value: Any, where: str) -> str:
    """The calendar date (YYYY-MM-DD) of a FHIR date or dateTime, as recorded (no time-zone shift)."""
    if not isinstance(value, str) or not _FULL_DATE.match(value):
        raise FhirError(f"{where}: expected a full date (YYYY-MM-DD), got {value!r}")
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        raise FhirError(f"{where}: {value!r} is not a calendar date") from None
    return value[:10]


def _timestamp(value: Any, where: str) -> str:
    """An RFC 3339 timestamp from a FHIR dateTime; a bare date becomes midnight UTC."""
    day = _date(value, where)
    if len(value) == 10:
        return f"{day}T00:00:00Z"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(f"{where}: {value!r} is not a FHIR dateTime") from None
    if parsed.tzinfo is None or "T" not in value:
        raise FhirError(f"{where}: {value!r} has a time but no time-zone offset (FHIR requires one)")
    return value


def _period_start(item: dict[str, Any], where: str) -> str | None:
    if item.get("servicedDate") is not None:
        return _date(item["servicedDate"], f"{where}.servicedDate")
    period = item.get("servicedPeriod")
    if isinstance(period, dict) and period.get("start") is not None:
        return _date(period["start"], f"{where}.servicedPeriod.start")
    return None


def _strip_tags(markup: str) -> str:
    """Narrative XHTML -> plain text, one line per block element."""
    text = re.sub(r"<(?:br|p|div|li|tr|h[1-6]|table)\b[^>]*>", "\n", markup, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _narrative(resource: Resource) -> str:
    text = resource.get("text")
    div = text.get("div") if isinstance(text, dict) else None
    return _strip_tags(div) if isinstance(div, str) else ""


def _digest(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _event_id(rtype: str, rid: str, *parts: Any) -> str:
    return f"fhir-{rtype}-{rid[:100]}-{_digest(*parts)}"


def _checked(event: dict[str, Any], where: str) -> dict[str, Any]:
    """The contract is the decoder's: an event that would be dead-lettered is our error, named here."""
    try:
        from_dict(event)
    except BadInput as exc:
        raise FhirError(f"{where}: the event would not pass the contract: {exc.message}") from None
    return event


def _required_id(resource: Resource) -> str:
    rid = resource.get("id")
    if not isinstance(rid, str) or not rid:
        raise FhirError(f"{resource.get('resourceType')}.id: expected the resource's logical id")
    return rid


# --- Encounter + Conditions -> encounter.signed ----------------------------------------------------------------


def encounter_event(
    encounter: Resource,
    conditions: list[Resource],
    *,
    assessment: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A signed Encounter with its Conditions -> `encounter.signed`.

    Diagnoses follow Encounter.diagnosis (condition + rank) when present, else `conditions` in order; Conditions
    without an ICD-10-CM coding are skipped. The assessment is the argument, else the Conditions' notes, else the
    Encounter's narrative: FHIR has no assessment element, so the caller should pass the note's text when it has it.
    """
    return _encounter_event(encounter, conditions, assessment, event_id, _NO_REFS)


def _pick_provider(encounter: Resource, refs: _Refs) -> str:
    participants = [p for p in encounter.get("participant") or [] if isinstance(p, dict) and p.get("individual")]

    def role(p: dict[str, Any]) -> int:
        codes = {c["code"] for t in p.get("type") or [] for c in _codings(t)}
        return 0 if "PPRF" in codes else 1 if "ATND" in codes else 2

    if participants:
        index, chosen = min(enumerate(participants), key=lambda ip: (role(ip[1]), ip[0]))
        return _ref_id(
            chosen["individual"],
            f"Encounter.participant[{index}].individual",
            ("Practitioner", "PractitionerRole", "RelatedPerson"),
            refs,
            encounter,
        )
    if encounter.get("serviceProvider"):
        return _ref_id(encounter["serviceProvider"], "Encounter.serviceProvider", ("Organization",), refs, encounter)
    raise FhirError("Encounter.participant: expected a participant.individual (the provider) or a serviceProvider")


def _find_condition(ref: str, given: list[Resource], refs: _Refs, encounter: Resource) -> Resource | None:
    target = refs.get(ref, encounter)
    if target is not None:
        return target
    match = _REF.search(ref)
    wanted = match.group(2) if match else ref.removeprefix("#")
    return next((c for c in given if c.get("id") == wanted), None)


def _encounter_event(
    encounter: Resource,
    conditions: list[Resource],
    assessment: str | None,
    event_id: str | None,
    refs: _Refs,
) -> dict[str, Any]:
    _expect_type(encounter, "Encounter")
    for i, cond in enumerate(conditions):
        if not isinstance(cond, dict) or cond.get("resourceType") != "Condition":
            got = cond.get("resourceType") if isinstance(cond, dict) else type(cond).__name__
            raise FhirError(f"conditions[{i}]: expected a Condition, got {got!r}")
    if encounter.get("status") in _ENCOUNTER_NOT_HAPPENED:
        raise FhirError(f"Encounter.status: {encounter['status']!r} is not an encounter that took place")
    encounter_id = _required_id(encounter)
    patient = _ref_id(encounter.get("subject"), "Encounter.subject", ("Patient",), refs, encounter)
    provider = _pick_provider(encounter, refs)
    practice = (
        _ref_id(encounter["serviceProvider"], "Encounter.serviceProvider", ("Organization",), refs, encounter)
        if encounter.get("serviceProvider")
        else None
    )
    period = encounter.get("period") if isinstance(encounter.get("period"), dict) else {}
    if not period.get("start"):
        raise FhirError("Encounter.period.start: expected the date of service")
    date_of_service = _date(period["start"], "Encounter.period.start")
    occurred_at = (
        _timestamp(period["end"], "Encounter.period.end")
        if period.get("end")
        else _timestamp(period["start"], "Encounter.period.start")
    )

    # (condition, rank or None) in the encounter's order
    listed: list[tuple[Resource, int | None]] = []
    if encounter.get("diagnosis"):
        for i, dx in enumerate(encounter["diagnosis"]):
            ref = (dx.get("condition") or {}).get("reference") if isinstance(dx, dict) else None
            if not isinstance(ref, str):
                raise FhirError(f"Encounter.diagnosis[{i}].condition: expected a reference to a Condition")
            cond = _find_condition(ref, conditions, refs, encounter)
            if cond is None:
                raise FhirError(f"Encounter.diagnosis[{i}].condition: {ref!r} is not among the given Conditions")
            rank = dx.get("rank")
            listed.append((cond, rank if isinstance(rank, int) and 1 <= rank <= 99 else None))
    else:
        listed = [(cond, None) for cond in conditions]

    kept: list[tuple[str, int | None]] = []
    skipped: list[str] = []
    notes: list[str] = []
    for cond, rank in listed:
        label = _label(cond)
        if cond.get("subject"):
            subject = _ref_id(cond["subject"], f"{label} Condition.subject", ("Patient",), refs, cond)
            if subject != patient:
                raise FhirError(f"{label} Condition.subject: patient {subject!r} is not the encounter's {patient!r}")
        status = {c["code"] for c in _codings(cond.get("verificationStatus"))}
        if status & _CONDITION_NOT_TRUE:
            skipped.append(f"{label} is {'/'.join(sorted(status))}")
            continue
        notes += [n["text"] for n in cond.get("note") or [] if isinstance(n, dict) and isinstance(n.get("text"), str)]
        code = _icd_code(cond.get("code"), f"{label} Condition.code")
        if code is None:
            skipped.append(f"{label} has {_describe(cond.get('code'))}")
            continue
        kept.append((code, rank))
    if not kept:
        raise FhirError(
            f"Encounter/{encounter_id} diagnoses: expected at least one Condition with an ICD-10-CM coding "
            f"(system {ICD10CM} or {ICD10}); found {'; '.join(skipped) or 'no Conditions'}"
        )
    ranks = [rank for _, rank in kept]
    if None in ranks or len(set(ranks)) != len(ranks):
        diagnoses = [{"code": code, "sequence": n} for n, (code, _) in enumerate(kept, start=1)]
    else:
        diagnoses = sorted(({"code": code, "sequence": rank} for code, rank in kept), key=lambda d: d["sequence"])

    if assessment is None:
        assessment = "\n".join(notes) if notes else _narrative(encounter)
    sections: dict[str, str] = {}
    reasons = [
        rc.get("text") or ", ".join(c.get("display", c["code"]) for c in _codings(rc))
        for rc in encounter.get("reasonCode") or []
        if isinstance(rc, dict)
    ]
    if any(reasons):
        sections["reason"] = "\n".join(r for r in reasons if r)

    event: dict[str, Any] = {
        "event_id": event_id or _event_id("Encounter", encounter_id, encounter, conditions, assessment),
        "event_type": "encounter.signed",
        "patient_id": patient,
        "occurred_at": occurred_at,
        "schema_version": SCHEMA_VERSION,
        "encounter_id": encounter_id,
        "provider_id": provider,
        "practice_id": practice,
        "date_of_service": date_of_service,
        "diagnoses": diagnoses,
        "assessment": assessment,
    }
    if sections:
        event["note_sections"] = sections
    return _checked(event, f"Encounter/{encounter_id}")


# --- DiagnosticReport -> imaging.resulted ----------------------------------------------------------------------


def _modality(report: Resource) -> str | None:
    concepts = [report.get("code"), *(report.get("category") or [])]
    for concept in concepts:  # coded first: DICOM modality or v2-0074 section
        for coding in _codings(concept):
            if coding.get("system") in (DICOM, V2_0074, None) and coding["code"].upper() in _MODALITY_CODES:
                return _MODALITY_CODES[coding["code"].upper()]
    for concept in concepts:  # then words in the text and displays
        if not isinstance(concept, dict):
            continue
        texts = [concept.get("text"), *(c.get("display") for c in _codings(concept))]
        for text in (t for t in texts if isinstance(t, str)):
            for modality, pattern in _MODALITY_WORDS:
                if pattern.search(text):
                    return modality
    return None


def _body_site(report: Resource) -> str | None:
    code = report.get("code") if isinstance(report.get("code"), dict) else {}
    texts = [t for t in [code.get("text"), *(c.get("display") for c in _codings(code))] if isinstance(t, str)]
    for text in texts:
        for site, pattern in _SPINE_SITES:
            if pattern.search(text):
                return site
    for text in texts:  # "CT of head-neck" -> "head-neck"
        rest = text
        for _, pattern in _MODALITY_WORDS:
            rest = pattern.sub(" ", rest)
        rest = re.sub(r"[()]", " ", rest)
        rest = re.sub(r"^\W*(?:(?:of|the|study|scan|imaging)\b\W*)*", "", " ".join(rest.split()), flags=re.I)
        rest = rest.strip(" ,;:-").lower()
        if rest:
            return rest
    conclusion = report.get("conclusion")
    if isinstance(conclusion, str):
        for site, pattern in _SPINE_SITES:
            if pattern.search(conclusion):
                return site
    return None


def _attachment_text(attachment: Any) -> str:
    """Inline text of a presentedForm (text/* with data); a url-only attachment is not fetched."""
    if not isinstance(attachment, dict) or not isinstance(attachment.get("data"), str):
        return ""
    content_type = str(attachment.get("contentType") or "")
    if not content_type.startswith("text/"):
        return ""
    try:
        text = base64.b64decode(attachment["data"], validate=False).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""
    return _strip_tags(text) if "html" in content_type else text.strip()


def imaging_event(report: Resource) -> dict[str, Any]:
    """An imaging DiagnosticReport -> `imaging.resulted`; a study that is not MRI, CT or X-ray is a FhirError."""
    _expect_type(report, "DiagnosticReport")
    rid = _required_id(report)
    if report.get("status") in _REPORT_NOT_RESULTED:
        raise FhirError(f"DiagnosticReport.status: {report['status']!r} is not a resulted report")
    patient = _ref_id(report.get("subject"), "DiagnosticReport.subject", ("Patient",), _NO_REFS, report)
    modality = _modality(report)
    if modality is None:
        category = "; ".join(_describe(c) for c in report.get("category") or []) or "none"
        raise FhirError(
            "DiagnosticReport.code: expected an MRI, CT or X-ray study (a DICOM modality MR/CT/XR/DX/CR in code or "
            f"category, or those words in code.text/display); found code {_describe(report.get('code'))}, "
            f"category {category}"
        )
    body_site = _body_site(report)
    if body_site is None:
        raise FhirError(
            "DiagnosticReport.code.text: expected the body site imaged (in code text/display or conclusion)"
        )

    accession = None
    for ident in report.get("identifier") or []:
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
            continue
        if any(c.get("code") == "ACSN" for c in _codings(ident.get("type"))):
            accession = ident["value"]
            break
        accession = accession or ident["value"]
    accession = accession or rid

    period = report.get("effectivePeriod") if isinstance(report.get("effectivePeriod"), dict) else {}
    if report.get("effectiveDateTime"):
        performed, where = report["effectiveDateTime"], "DiagnosticReport.effectiveDateTime"
    elif period.get("start"):
        performed, where = period["start"], "DiagnosticReport.effectivePeriod.start"
    elif report.get("issued"):
        performed, where = report["issued"], "DiagnosticReport.issued"
    else:
        raise FhirError("DiagnosticReport.effective[x]: expected when the study was performed (or issued)")
    performed_at = _date(performed, where) if len(str(performed)) == 10 else _timestamp(performed, where)
    occurred_at = (
        _timestamp(report["issued"], "DiagnosticReport.issued")
        if report.get("issued")
        else _timestamp(performed, where)
    )

    parts = [report["conclusion"].strip()] if isinstance(report.get("conclusion"), str) else []
    parts += [t for t in (_attachment_text(a) for a in report.get("presentedForm") or []) if t]
    report_text = "\n\n".join(p for p in parts if p) or _narrative(report)

    event = {
        "event_id": _event_id("DiagnosticReport", rid, report),
        "event_type": "imaging.resulted",
        "patient_id": patient,
        "occurred_at": occurred_at,
        "schema_version": SCHEMA_VERSION,
        "accession": accession,
        "modality": modality,
        "body_site": body_site,
        "performed_at": performed_at,
        "report_text": report_text,
    }
    return _checked(event, f"DiagnosticReport/{rid}")


# --- Claim -> claim.submitted / priorauth.requested ------------------------------------------------------------


def _claim_common(claim: Resource, refs: _Refs) -> dict[str, Any]:
    if claim.get("status") in _CLAIM_NOT_SUBMITTED:
        raise FhirError(f"Claim.status: {claim['status']!r} is not a submitted claim")
    rid = claim.get("id")
    if not isinstance(rid, str) or not rid:
        idents = [i.get("value") for i in claim.get("identifier") or [] if isinstance(i, dict)]
        rid = next((v for v in idents if isinstance(v, str) and v), None)
        if rid is None:
            raise FhirError("Claim.id: expected the claim's logical id (or an identifier)")
    if not claim.get("created"):
        raise FhirError("Claim.created: expected when the claim was created")
    return {
        "id": rid,
        "patient_id": _ref_id(claim.get("patient"), "Claim.patient", ("Patient",), refs, claim),
        "occurred_at": _timestamp(claim["created"], "Claim.created"),
        "provider_id": _ref_id(
            claim.get("provider"), "Claim.provider", ("Practitioner", "PractitionerRole", "Organization"), refs, claim
        ),
        "payer_id": _ref_id(claim.get("insurer"), "Claim.insurer", ("Organization",), refs, claim),
        "diagnoses": _claim_diagnoses(claim, refs),
    }


def _claim_diagnoses(claim: Resource, refs: _Refs) -> list[dict[str, Any]]:
    if not claim.get("diagnosis"):
        raise FhirError("Claim.diagnosis: expected at least one diagnosis with an ICD-10-CM coding")
    out = []
    for i, dx in enumerate(claim["diagnosis"]):
        where = f"Claim.diagnosis[{i}]"
        if not isinstance(dx, dict):
            raise FhirError(f"{where}: expected a diagnosis")
        seq = dx.get("sequence")
        if not isinstance(seq, int) or not 1 <= seq <= 99:
            raise FhirError(f"{where}.sequence: expected an integer 1-99, got {seq!r}")
        concept = dx.get("diagnosisCodeableConcept")
        if concept is None and isinstance(dx.get("diagnosisReference"), dict):
            target = refs.get(str(dx["diagnosisReference"].get("reference")), claim)
            if target is None or target.get("resourceType") != "Condition":
                raise FhirError(f"{where}.diagnosisReference: expected a Condition in the Bundle or contained")
            concept = target.get("code")
        code = _icd_code(concept, where)
        if code is None:
            raise FhirError(
                f"{where}: expected a diagnosisCodeableConcept with an ICD-10-CM coding "
                f"(system {ICD10CM} or {ICD10}); found {_describe(concept)}"
            )
        out.append({"code": code, "sequence": seq})
    return out


def _service(item: dict[str, Any], where: str) -> tuple[str, str | None, str | None]:
    """(code, system, description) of an item's productOrService: CPT/HCPCS first, else the first code."""
    concept = item.get("productOrService")
    codings = _codings(concept)
    if not codings:
        raise FhirError(f"{where}.productOrService: expected a coded service (CPT/HCPCS), found {_describe(concept)}")
    chosen = next((c for s in SERVICE_SYSTEMS for c in codings if c.get("system") == s), codings[0])
    text = concept.get("text") if isinstance(concept, dict) else None
    description = text if isinstance(text, str) and text else chosen.get("display")
    return chosen["code"].strip(), chosen.get("system"), description


def _claim_submitted(claim: Resource, refs: _Refs, extra: tuple[Any, ...] = ()) -> dict[str, Any]:
    common = _claim_common(claim, refs)
    lines = []
    item_dates = []
    encounter_id = None
    items = claim.get("item") or []
    if len(items) > 200:
        raise FhirError(f"Claim.item: {len(items)} items, the contract takes at most 200")
    for i, item in enumerate(items):
        where = f"Claim.item[{i}]"
        code, _, _ = _service(item, where)
        if len(code) > 20:
            raise FhirError(f"{where}.productOrService: code {code[:40]!r} is longer than 20 characters")
        pointers = item.get("diagnosisSequence") or []
        if len(pointers) > 12 or not all(isinstance(p, int) and 1 <= p <= 99 for p in pointers):
            raise FhirError(f"{where}.diagnosisSequence: expected at most 12 integers 1-99, got {pointers!r}")
        line_date = _period_start(item, where)
        if line_date:
            item_dates.append(line_date)
        lines.append({"procedure_code": code, "date_of_service": line_date, "diagnosis_pointers": list(pointers)})
        for j, enc in enumerate(item.get("encounter") or []):
            encounter_id = encounter_id or _ref_id(enc, f"{where}.encounter[{j}]", ("Encounter",), refs, claim)
    billable = claim.get("billablePeriod") if isinstance(claim.get("billablePeriod"), dict) else {}
    if billable.get("start"):
        date_of_service = _date(billable["start"], "Claim.billablePeriod.start")
    elif item_dates:
        date_of_service = min(item_dates)
    else:
        raise FhirError("Claim.billablePeriod.start: expected the date of service (or Claim.item.servicedDate)")
    event = {
        "event_id": _event_id("Claim", common["id"], claim, *extra),
        "event_type": "claim.submitted",
        "patient_id": common["patient_id"],
        "occurred_at": common["occurred_at"],
        "schema_version": SCHEMA_VERSION,
        "claim_id": common["id"],
        "provider_id": common["provider_id"],
        "payer_id": common["payer_id"],
        "encounter_id": encounter_id,
        "date_of_service": date_of_service,
        "diagnoses": common["diagnoses"],
        "lines": lines,
    }
    return _checked(event, f"Claim/{common['id']}")


def _priorauth_events(claim: Resource, refs: _Refs, extra: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    common = _claim_common(claim, refs)
    items = claim.get("item") or []
    if not items:
        raise FhirError("Claim.item: expected at least one item (the service to authorize)")
    events = []
    for i, item in enumerate(items):
        where = f"Claim.item[{i}]"
        code, system, description = _service(item, where)
        if not _SAFE_SERVICE.fullmatch(code):
            raise FhirError(
                f"{where}.productOrService: code {code[:40]!r} is not CPT/HCPCS-shaped (letters and digits, at most 20)"
            )
        seq = item.get("sequence", i + 1)
        request_id = common["id"] if len(items) == 1 else f"{common['id']}-{seq}"
        event = {
            "event_id": _event_id("Claim", request_id, claim, *extra),
            "event_type": "priorauth.requested",
            "patient_id": common["patient_id"],
            "occurred_at": common["occurred_at"],
            "schema_version": SCHEMA_VERSION,
            "request_id": request_id,
            "provider_id": common["provider_id"],
            "payer_id": common["payer_id"],
            "service_code": code,
            "service_code_system": system,
            "service_description": description[:1000] if isinstance(description, str) else None,
            "diagnoses": common["diagnoses"],
            "date_of_service": _period_start(item, where),
        }
        events.append(_checked(event, f"Claim/{common['id']}"))
    return events


def _claim_events(claim: Resource, refs: _Refs, extra: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    _expect_type(claim, "Claim")
    use = claim.get("use")
    if use == "claim":
        return [_claim_submitted(claim, refs, extra)]
    if use == "preauthorization":
        return _priorauth_events(claim, refs, extra)
    raise FhirError(f"Claim.use: expected 'claim' or 'preauthorization', got {use!r}")


def claim_event(claim: Resource) -> dict[str, Any]:
    """A Claim -> `claim.submitted` (use=claim) or `priorauth.requested` (use=preauthorization, its first item;
    `to_events` gives one event per item)."""
    return _claim_events(claim, _NO_REFS)[0]


# --- Bundles ---------------------------------------------------------------------------------------------------


def _entries(bundle: Resource) -> list[tuple[str | None, Resource]]:
    out = []
    for entry in bundle.get("entry") or []:
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
            if request.get("method") == "DELETE":
                continue
            out.append((entry.get("fullUrl"), entry["resource"]))
    return out


def _used_refs(resource: Resource, refs: _Refs) -> list[Resource]:
    """The Bundle entries a resource points at, so that its event id changes when they do."""
    found: list[Resource] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str):
                target = refs.get(ref, resource)
                if target is not None and target is not resource and all(target is not f for f in found):
                    found.append(target)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in resource.items() if k != "contained"})
    return found


def pas_bundle_events(bundle: Resource) -> list[dict[str, Any]]:
    """A Da Vinci PAS request Bundle -> its `priorauth.requested` events (one per Claim item)."""
    _expect_type(bundle, "Bundle")
    refs = _Refs(_entries(bundle))
    claims = [r for _, r in _entries(bundle) if r.get("resourceType") == "Claim" and r.get("use") == "preauthorization"]
    if not claims:
        found = ", ".join(sorted({str(r.get("resourceType")) for _, r in _entries(bundle)})) or "no entries"
        raise FhirError(f"Bundle.entry: expected a Claim with use=preauthorization (a PAS request); found {found}")
    events = []
    for claim in claims:
        events += _priorauth_events(claim, refs, tuple(_used_refs(claim, refs)))
    return events


def _is_imaging(report: Resource) -> bool:
    codes = {c["code"] for cat in report.get("category") or [] for c in _codings(cat)}
    return bool(codes & _IMAGING_SECTIONS) or _modality(report) is not None


def _encounter_conditions(encounter: Resource, resources: list[Resource], refs: _Refs) -> list[Resource]:
    """The Conditions of one Encounter in a Bundle: those it lists, then those that point back at it."""
    out: list[Resource] = []
    for dx in encounter.get("diagnosis") or []:
        ref = (dx.get("condition") or {}).get("reference") if isinstance(dx, dict) else None
        target = refs.get(ref, encounter) if isinstance(ref, str) else None
        if target is not None and target.get("resourceType") == "Condition":
            out.append(target)
    for cond in resources:
        if cond.get("resourceType") != "Condition" or any(cond is c for c in out):
            continue
        ref = (cond.get("encounter") or {}).get("reference")
        if not isinstance(ref, str):
            continue
        target = refs.get(ref, cond)
        match = _REF.search(ref)
        if target is encounter or (target is None and match and match.group(2) == encounter.get("id")):
            out.append(cond)
    return out


def _bundle_events(bundle: Resource, errors: list[FhirError] | None) -> list[dict[str, Any]]:
    entries = _entries(bundle)
    refs = _Refs(entries)
    resources = [r for _, r in entries]
    events: list[dict[str, Any]] = []
    failed = 0
    for i, resource in enumerate(resources):
        rtype = resource.get("resourceType")
        try:
            if rtype == "Encounter":
                conds = _encounter_conditions(resource, resources, refs)
                events.append(_encounter_event(resource, conds, None, None, refs))
            elif rtype == "DiagnosticReport" and _is_imaging(resource):
                events.append(imaging_event(resource))
            elif rtype == "Claim":
                events += _claim_events(resource, refs, tuple(_used_refs(resource, refs)))
            elif rtype == "Bundle":
                events += _bundle_events(resource, errors)
        except FhirError as exc:
            error = FhirError(f"Bundle.entry[{i}] ({_label(resource)}): {exc}")
            if errors is None:
                raise error from None
            errors.append(error)
            failed += 1
    if not events and not failed:
        found = ", ".join(sorted({str(r.get("resourceType")) for r in resources})) or "no entries"
        raise FhirError(
            f"Bundle/{bundle.get('id', '?')}: nothing to convert (expected an Encounter, an imaging DiagnosticReport "
            f"or a Claim); found {found}"
        )
    return events


def to_events(resource: Resource, *, errors: list[FhirError] | None = None) -> list[dict[str, Any]]:
    """Any supported FHIR resource or Bundle -> its input events.

    In a Bundle, an entry that cannot be converted raises, unless `errors` is given: then its FhirError is
    appended there and the other entries still convert (a chart export should not fail on one SNOMED-only visit).
    """
    if not isinstance(resource, dict):
        raise FhirError(f"expected a FHIR resource (a JSON object), got {type(resource).__name__}")
    rtype = resource.get("resourceType")
    if rtype == "Bundle":
        return _bundle_events(resource, errors)
    if rtype == "Encounter":
        contained = [c for c in resource.get("contained") or [] if c.get("resourceType") == "Condition"]
        return [encounter_event(resource, contained)]
    if rtype == "DiagnosticReport":
        return [imaging_event(resource)]
    if rtype == "Claim":
        return _claim_events(resource, _NO_REFS)
    if rtype == "Condition":
        raise FhirError("Condition: a Condition alone is not an event; give it with its Encounter (or in a Bundle)")
    if rtype == "ClaimResponse":
        raise FhirError("ClaimResponse: a payer's response is not an input event (the request Claim is)")
    raise FhirError(f"resourceType: {rtype!r} is not converted (expected Encounter, DiagnosticReport, Claim or Bundle)")
