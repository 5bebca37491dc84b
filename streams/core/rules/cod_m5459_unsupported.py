"""COD-M5459-UNSUPPORTED: coded M54.59 (other low back pain) without a documented distinct cause.

M54.59 needs a stated mechanism other than vertebrogenic: myofascial pain, sacroiliac joint dysfunction.
Suggests M54.50 or a query.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import OTHER_LBP, OTHER_LBP_CAUSES, UNSPECIFIED_LBP, Chart
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-M5459-UNSUPPORTED"
SUBJECT = "encounter"


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if OTHER_LBP not in enc.codes or any(enc.documents(k) for k in OTHER_LBP_CAUSES):
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(OTHER_LBP,),
        suggested_codes=(UNSPECIFIED_LBP,),
        evidence=(Evidence(enc.event_id, "code", f"{OTHER_LBP} on the encounter of {enc.date_of_service}"),),
        message=f"The visit of {enc.date_of_service} is coded {OTHER_LBP} but the assessment states no distinct "
        f"cause (e.g. myofascial pain, sacroiliac joint dysfunction); query the provider or code {UNSPECIFIED_LBP}.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code == UNSPECIFIED_LBP or any(later.documents(k) for k in OTHER_LBP_CAUSES)
