"""Alerts and their resolution records, with the deterministic ids that make redelivery and replay safe.

A rule returns a `Verdict` (what is wrong, about which subject, with which evidence); the engine turns it
into an `Alert` stamped with the patient, the event that fired it and that event's own time: the core never
reads a clock. The `alert_id` depends only on (rule, patient, subject), so the same rule about the same
subject is the same alert however often, and in whatever order, the events are processed.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

# rule id prefix -> output topic name (events.md "Output topics"); the shells map names to settings
TOPIC_OF_PREFIX = {
    "COD": "alerts-coding",
    "PA": "alerts-prior-auth",
    "CLM": "alerts-claims",
    "OPS": "alerts-operations",
}


@functools.lru_cache(maxsize=65536)  # the same subjects are re-evaluated event after event
def alert_id(rule_id: str, patient_id: str | None, subject_type: str, subject_id: str) -> str:
    key = f"{rule_id}\x1f{patient_id or ''}\x1f{subject_type}\x1f{subject_id}".encode()
    return hashlib.sha256(key).hexdigest()[:24]


def topic_of(rule_id: str) -> str:
    return TOPIC_OF_PREFIX[rule_id.split("-", 1)[0]]


# Evidence, verdicts, alerts and resolutions are plain slotted records, not frozen: a frozen dataclass's
# __init__ sets each field through object.__setattr__ (~0.1 us a field), and rules make a verdict, with its
# evidence, for every condition that holds on every evaluation. Nothing changes one once made.


@dataclass(slots=True)
class Evidence:
    source_event_id: str
    kind: str  # "assessment", "imaging", "code", "claim", "prior_auth", "episode", ...
    text: str

    def to_json(self) -> dict[str, str]:
        return {"source_event_id": self.source_event_id, "kind": self.kind, "text": self.text}


@dataclass(slots=True)
class Verdict:
    """What a rule found; the engine makes it an Alert."""

    rule_id: str
    severity: str  # info | warning | error
    subject_type: str  # encounter | claim | prior_auth | provider
    subject_id: str
    codes: tuple[str, ...]
    message: str
    suggested_codes: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)


@dataclass(slots=True)
class Alert:
    alert_id: str
    rule_id: str
    severity: str
    patient_id: str | None
    subject_type: str
    subject_id: str
    codes: tuple[str, ...]
    suggested_codes: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    message: str
    triggered_by: str
    raised_at: str

    @property
    def topic(self) -> str:
        return topic_of(self.rule_id)

    @classmethod
    def from_verdict(cls, v: Verdict, patient_id: str | None, triggered_by: str, raised_at: str) -> Alert:
        return cls(
            alert_id=alert_id(v.rule_id, patient_id, v.subject_type, v.subject_id),
            rule_id=v.rule_id,
            severity=v.severity,
            patient_id=patient_id,
            subject_type=v.subject_type,
            subject_id=v.subject_id,
            codes=v.codes,
            suggested_codes=v.suggested_codes,
            evidence=v.evidence,
            message=v.message,
            triggered_by=triggered_by,
            raised_at=raised_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "record_type": "alert",
            "alert_id": self.alert_id,
            "rule_id": self.rule_id,
            "severity": self.severity,
            "patient_id": self.patient_id,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "codes": list(self.codes),
            "suggested_codes": list(self.suggested_codes),
            "evidence": [e.to_json() for e in self.evidence],
            "message": self.message,
            "triggered_by": self.triggered_by,
            "raised_at": self.raised_at,
        }


@dataclass(slots=True)
class Resolution:
    """`alert.resolved`: what an alert was about has been corrected."""

    alert_id: str
    rule_id: str
    patient_id: str | None
    subject_type: str
    subject_id: str
    resolved_by: str
    resolved_at: str

    @property
    def topic(self) -> str:
        return topic_of(self.rule_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "record_type": "alert.resolved",
            "alert_id": self.alert_id,
            "rule_id": self.rule_id,
            "patient_id": self.patient_id,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "resolved_by": self.resolved_by,
            "resolved_at": self.resolved_at,
        }


Output = Alert | Resolution
