"""COD-DURATION-UNDOCUMENTED: an LBP code is assigned and the assessment states no duration (acute,
subacute, chronic, or a time span the reader maps to one). A CDI query; severity info.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import DURATIONS, Chart
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-DURATION-UNDOCUMENTED"
SUBJECT = "encounter"


def _has_duration(enc: EncounterRecord) -> bool:
    return any(n.key in DURATIONS for n in enc.noted)  # = any(enc.documents(k) for k in DURATIONS), one pass


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code is None or _has_duration(enc):
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="info",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(enc.lbp_code,),
        evidence=(
            Evidence(
                enc.event_id,
                "assessment",
                "no duration (acute, subacute, chronic, or a time span) stated in the assessment",
            ),
        ),
        message=f"The assessment of {enc.date_of_service} ({enc.lbp_code}) states no duration of the pain; "
        "send a CDI query asking whether it is acute, subacute or chronic (payers' criteria for therapy and "
        "imaging turn on it).",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code is not None and _has_duration(later)
