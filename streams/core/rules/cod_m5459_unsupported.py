"""COD-M5459-UNSUPPORTED: coded M54.59 (other low back pain) without a documented distinct cause.

M54.59 needs a stated mechanism other than vertebrogenic: myofascial pain, sacroiliac joint dysfunction.
Suggests a query, or what the assessment supports: M54.50 unless it documents sciatica (M54.4-) or a
vertebral link (M54.51).
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import OTHER_LBP, OTHER_LBP_CAUSES, UNSPECIFIED_LBP, Chart, visit_supported_codes
from streams.core.rules._common import all_in_force
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-M5459-UNSUPPORTED"
SUBJECT = "encounter"


def _instead(enc: EncounterRecord) -> tuple[str, ...]:
    """What the visit's assessment supports in place of M54.59: M54.4- for documented sciatica, M54.51 for a
    vertebral link, else M54.50 (a re-signed visit moved from M54.50 to M54.59 with "vertebrogenic" on it
    gets M54.51, not M54.50)."""
    wanted = tuple(c for c in visit_supported_codes(enc) if c != OTHER_LBP) or (UNSPECIFIED_LBP,)
    return all_in_force(wanted, enc.date_of_service)  # M54.50 before 2021-10-01 is M54.5


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if OTHER_LBP not in enc.codes or any(enc.documents(k) for k in OTHER_LBP_CAUSES):
        return None
    suggested = _instead(enc)
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(OTHER_LBP,),
        suggested_codes=suggested,
        evidence=(Evidence(enc.event_id, "code", f"{OTHER_LBP} on the encounter of {enc.date_of_service}"),),
        message=f"The visit of {enc.date_of_service} is coded {OTHER_LBP} but the assessment states no distinct "
        "cause (e.g. myofascial pain, sacroiliac joint dysfunction); query the provider or code "
        f"{' or '.join(suggested)}.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code == UNSPECIFIED_LBP or any(later.documents(k) for k in OTHER_LBP_CAUSES)
