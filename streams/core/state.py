"""Per-patient state: what is on file for one patient, small and bounded whatever the history length.

One `PatientState` per patient lives in a Faust table (changelog-backed) keyed by `patient_id`, and in a
dict in `replay`. It keeps only what the rules read:

- the last `MAX_ENCOUNTERS` signed encounters, with or without a low-back-pain code (their codes and the
  findings the provider documented in the assessment: enough for any 90-day episode rule),
- the last `MAX_IMAGING` imaging results with their affirmed findings,
- the last `MAX_CLAIMS` claims and `MAX_PRIOR_AUTHS` prior-auth requests,
- the alerts raised (open or resolved; `MAX_RAISED`), so no alert id is raised twice,
- the last `MAX_APPLIED` event ids, so a redelivered event changes nothing.

Bound: with the caps below and sentences cut to `MAX_SENTENCE` characters, a state encodes to at most
~`MAX_STATE_BYTES` (600 KB) in the worst case, typically 1-5 KB; tests/test_state.py checks it with
10,000 events for one patient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

MAX_ENCOUNTERS = 24
MAX_IMAGING = 12
MAX_CLAIMS = 24
MAX_PRIOR_AUTHS = 24
MAX_RAISED = 512
MAX_APPLIED = 512
MAX_SENTENCE = 300
# every diagnosis an event may carry (the schemas' maxItems): a claim's 13th code is checked like its first
MAX_CODES = 50
MAX_NOTED = 16
# 24 encounters x (16 findings x ~400 B + 50 codes x ~10 B) + 12 imaging x 16 x 400 + 48 claims/PAs x
# (50 x 10 + ~300) + raised 512 x ~175 + applied 512 x ~60 (ids up to 200 chars are rare) ~= 166 KB + 77 KB
# + 38 KB + 90 KB + 31 KB; claims whose lines have their own dates add at most 50 codes x 11 fiscal years x
# 15 B each (24 x 8 KB = 198 KB)
MAX_STATE_BYTES = 600_000


@dataclass(slots=True)
class Noted:
    """A finding as documented (affirmed, about the patient) in an assessment or an imaging report."""

    key: str
    sentence: str
    side: str | None = None
    level: str | None = None
    modic_type: int | None = None


@dataclass(slots=True)
class EncounterRecord:
    encounter_id: str
    event_id: str
    occurred_at: str
    provider_id: str
    date_of_service: date
    codes: list[str]  # normalized where the shape allows, in sequence order
    lbp_code: str | None  # the first low-back-pain-family code, by sequence
    noted: list[Noted]  # documented findings in the assessment
    # the assessment says the pain does not come from the vertebrae ("Modic changes are incidental and not
    # the source of her pain"): the provider has answered the question COD-IMAGING-UNLINKED would ask
    link_denied: bool = False

    def documents(self, key: str) -> Noted | None:
        for n in self.noted:
            if n.key == key:
                return n
        return None


@dataclass(slots=True)
class ImagingRecord:
    accession: str
    event_id: str
    performed_on: date
    modality: str
    body_site: str
    lumbar: bool
    noted: list[Noted]  # affirmed findings in the report (and the normalized `findings` keys)


@dataclass(slots=True)
class ClaimRecord:
    claim_id: str
    event_id: str
    occurred_at: str
    provider_id: str
    encounter_id: str | None
    date_of_service: date
    codes: list[str]  # as sent, trimmed; the rules normalize (an invalid code is itself a finding)
    # each code's dates of service by the claim lines that point to it (the first in each fiscal year), when
    # a line has a date of its own other than the claim's; empty for the usual claim, all on its date
    billed_on: list[list[date]] = field(default_factory=list)

    def dates_of(self, index: int) -> list[date]:
        """The dates of service the code at `index` is billed on, which its validity is judged by."""
        return self.billed_on[index] if self.billed_on else [self.date_of_service]


@dataclass(slots=True)
class PriorAuthRecord:
    request_id: str
    event_id: str
    occurred_at: str
    provider_id: str
    service_code: str
    on: date  # date of service, else the request date
    codes: list[str]  # as sent, trimmed
    primary: str | None  # the sequence-1 code


@dataclass(slots=True)
class Raised:
    """An alert already raised: never raised again; resolved at most once."""

    rule_id: str
    subject_type: str
    subject_id: str
    codes: list[str]
    suggested: list[str]
    open: bool = True
    raised_at: str | None = None  # the alert's raised_at: a resolution is never dated before it (None: older states)


def _encounter_order(e: EncounterRecord) -> tuple[date, str]:
    return e.date_of_service, e.encounter_id


def _imaging_order(i: ImagingRecord) -> tuple[date, str]:
    return i.performed_on, i.accession


def _claim_order(c: ClaimRecord) -> tuple[date, str]:
    return c.date_of_service, c.claim_id


def _prior_auth_order(p: PriorAuthRecord) -> tuple[date, str]:
    return p.on, p.request_id


_Key = Callable[[Any], tuple[date, str]]


def _placed(kept: list[Any], rec: Any, order: _Key, cap: int) -> list[Any]:
    """`kept` (sorted by `order`, ids unique) with `rec` added in order, the oldest beyond `cap` dropped. Records
    mostly arrive in order: then it is appended, no sort (the same list: the keys are unique)."""
    kept.append(rec)
    if len(kept) > 1 and order(kept[-2]) > order(rec):
        kept.sort(key=order)
    del kept[: max(0, len(kept) - cap)]
    return kept


@dataclass(slots=True)
class PatientState:
    patient_id: str
    encounters: list[EncounterRecord] = field(default_factory=list)
    imaging: list[ImagingRecord] = field(default_factory=list)
    claims: list[ClaimRecord] = field(default_factory=list)
    prior_auths: list[PriorAuthRecord] = field(default_factory=list)
    raised: dict[str, Raised] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)

    # --- recording (replace a record with the same id: amended encounters, resubmitted claims) -----------

    def record_encounter(self, rec: EncounterRecord) -> None:
        kept = [e for e in self.encounters if e.encounter_id != rec.encounter_id]
        self.encounters = _placed(kept, rec, _encounter_order, MAX_ENCOUNTERS)

    def record_imaging(self, rec: ImagingRecord) -> None:
        kept = [i for i in self.imaging if i.accession != rec.accession]
        self.imaging = _placed(kept, rec, _imaging_order, MAX_IMAGING)

    def record_claim(self, rec: ClaimRecord) -> None:
        kept = [c for c in self.claims if c.claim_id != rec.claim_id]
        self.claims = _placed(kept, rec, _claim_order, MAX_CLAIMS)

    def record_prior_auth(self, rec: PriorAuthRecord) -> None:
        kept = [p for p in self.prior_auths if p.request_id != rec.request_id]
        self.prior_auths = _placed(kept, rec, _prior_auth_order, MAX_PRIOR_AUTHS)

    def mark_applied(self, event_id: str) -> None:
        self.applied.append(event_id)
        del self.applied[: max(0, len(self.applied) - MAX_APPLIED)]

    def remember(self, alert_id: str, raised: Raised) -> None:
        self.raised[alert_id] = raised
        excess = len(self.raised) - MAX_RAISED
        if excess > 0:
            # forget first the alerts whose subject is no longer on file (never evaluated again), then the
            # oldest resolved, then the oldest: an alert about a subject on file (at most 24 x 11 + 24 x 4
            # + 24 x 2 = 408 of them) is never forgotten, so it is never raised twice
            on_file = {("encounter", e.encounter_id) for e in self.encounters}
            on_file |= {("claim", c.claim_id) for c in self.claims}
            on_file |= {("prior_auth", p.request_id) for p in self.prior_auths}
            gone = [k for k, r in self.raised.items() if (r.subject_type, r.subject_id) not in on_file]
            closed = [k for k, r in self.raised.items() if not r.open and (r.subject_type, r.subject_id) in on_file]
            rest = [k for k, r in self.raised.items() if r.open and (r.subject_type, r.subject_id) in on_file]
            for k in (gone + closed + rest)[:excess]:
                del self.raised[k]

    def subject_on_file(self, subject_type: str, subject_id: str) -> bool:
        if subject_type == "encounter":
            return any(e.encounter_id == subject_id for e in self.encounters)
        if subject_type == "claim":
            return any(c.claim_id == subject_id for c in self.claims)
        if subject_type == "prior_auth":
            return any(p.request_id == subject_id for p in self.prior_auths)
        return False

    # --- encoding --------------------------------------------------------------------------------------

    def encode(self) -> bytes:
        """orjson's form of the dataclasses (fields in order, dates as ISO strings), built as dicts: orjson
        serializes slotted dataclasses field by field through getattr, about 1.4x slower. The same bytes as
        `orjson.dumps(self)` (tests/test_state.py checks it)."""
        return orjson.dumps(
            {
                "patient_id": self.patient_id,
                "encounters": [
                    {
                        "encounter_id": e.encounter_id,
                        "event_id": e.event_id,
                        "occurred_at": e.occurred_at,
                        "provider_id": e.provider_id,
                        "date_of_service": e.date_of_service,
                        "codes": e.codes,
                        "lbp_code": e.lbp_code,
                        "noted": _noted_json(e.noted),
                        "link_denied": e.link_denied,
                    }
                    for e in self.encounters
                ],
                "imaging": [
                    {
                        "accession": i.accession,
                        "event_id": i.event_id,
                        "performed_on": i.performed_on,
                        "modality": i.modality,
                        "body_site": i.body_site,
                        "lumbar": i.lumbar,
                        "noted": _noted_json(i.noted),
                    }
                    for i in self.imaging
                ],
                "claims": [
                    {
                        "claim_id": c.claim_id,
                        "event_id": c.event_id,
                        "occurred_at": c.occurred_at,
                        "provider_id": c.provider_id,
                        "encounter_id": c.encounter_id,
                        "date_of_service": c.date_of_service,
                        "codes": c.codes,
                        "billed_on": c.billed_on,
                    }
                    for c in self.claims
                ],
                "prior_auths": [
                    {
                        "request_id": p.request_id,
                        "event_id": p.event_id,
                        "occurred_at": p.occurred_at,
                        "provider_id": p.provider_id,
                        "service_code": p.service_code,
                        "on": p.on,
                        "codes": p.codes,
                        "primary": p.primary,
                    }
                    for p in self.prior_auths
                ],
                "raised": {
                    k: {
                        "rule_id": r.rule_id,
                        "subject_type": r.subject_type,
                        "subject_id": r.subject_id,
                        "codes": r.codes,
                        "suggested": r.suggested,
                        "open": r.open,
                        "raised_at": r.raised_at,
                    }
                    for k, r in self.raised.items()
                },
                "applied": self.applied,
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> PatientState:
        return cls.from_json(orjson.loads(raw))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PatientState:
        """Fields by name, positionally (no merged dicts and keyword calls per record: ~2x faster); a
        Noted's optional fields may be absent."""
        d2 = date.fromisoformat
        return cls(
            d["patient_id"],
            [
                EncounterRecord(
                    e["encounter_id"],
                    e["event_id"],
                    e["occurred_at"],
                    e["provider_id"],
                    d2(e["date_of_service"]),
                    e["codes"],
                    e["lbp_code"],
                    _noted_from(e["noted"]),
                    e.get("link_denied", False),  # absent in states written before it existed
                )
                for e in d["encounters"]
            ],
            [
                ImagingRecord(
                    i["accession"],
                    i["event_id"],
                    d2(i["performed_on"]),
                    i["modality"],
                    i["body_site"],
                    i["lumbar"],
                    _noted_from(i["noted"]),
                )
                for i in d["imaging"]
            ],
            [
                ClaimRecord(
                    c["claim_id"],
                    c["event_id"],
                    c["occurred_at"],
                    c["provider_id"],
                    c["encounter_id"],
                    d2(c["date_of_service"]),
                    c["codes"],
                    # absent in states written before it existed
                    [[d2(on) for on in dates] for dates in c.get("billed_on", ())],
                )
                for c in d["claims"]
            ],
            [
                PriorAuthRecord(
                    p["request_id"],
                    p["event_id"],
                    p["occurred_at"],
                    p["provider_id"],
                    p["service_code"],
                    d2(p["on"]),
                    p["codes"],
                    p["primary"],
                )
                for p in d["prior_auths"]
            ],
            {k: _raised_from(r) for k, r in d["raised"].items()},
            list(d["applied"]),
        )


def _noted_json(noted: list[Noted]) -> list[dict[str, Any]]:
    return [
        {"key": n.key, "sentence": n.sentence, "side": n.side, "level": n.level, "modic_type": n.modic_type}
        for n in noted
    ]


def _raised_from(r: dict[str, Any]) -> Raised:
    return Raised(
        r["rule_id"],
        r["subject_type"],
        r["subject_id"],
        r["codes"],
        r["suggested"],
        r.get("open", True),
        r.get("raised_at"),
    )


def _noted_from(items: list[dict[str, Any]]) -> list[Noted]:
    return [Noted(n["key"], n["sentence"], n.get("side"), n.get("level"), n.get("modic_type")) for n in items]


def cut(sentence: str) -> str:
    """Evidence sentences are kept short in state and in alerts, their whitespace collapsed."""
    s = sentence if _single_spaced(sentence) else " ".join(sentence.split())
    return s if len(s) <= MAX_SENTENCE else s[: MAX_SENTENCE - 1] + "…"


def _single_spaced(s: str) -> bool:
    """True only if `" ".join(s.split()) == s` (cheaper than building the words): every whitespace
    character but the space is unprintable, so a printable text has only spaces, single and inside."""
    return s.isprintable() and "  " not in s and not s.startswith(" ") and not s.endswith(" ")
