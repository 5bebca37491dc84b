"""COD-M5451-UNSUPPORTED: coded M54.51 (vertebrogenic low back pain) without a documented vertebral link.

Imaging findings alone never make M54.51 supportable: the provider's assessment must tie the pain to
vertebral endplate/Modic changes or call it vertebrogenic. Suggests a query, or what the assessment
supports: M54.50 unless it documents sciatica (M54.4-) or a distinct cause (M54.59).
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import UNSPECIFIED_LBP, VERTEBROGENIC_LBP, Chart, visit_supported_codes
from streams.core.rules._common import all_in_force
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-M5451-UNSUPPORTED"
SUBJECT = "encounter"


def _instead(enc: EncounterRecord) -> tuple[str, ...]:
    """What the visit's assessment supports in place of M54.51: M54.4- for documented sciatica, M54.59 for a
    distinct cause, else M54.50."""
    wanted = tuple(c for c in visit_supported_codes(enc) if c != VERTEBROGENIC_LBP) or (UNSPECIFIED_LBP,)
    return all_in_force(wanted, enc.date_of_service)  # M54.50 before 2021-10-01 is M54.5


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if VERTEBROGENIC_LBP not in enc.codes or enc.documents("vertebral_link") is not None:
        return None
    imaging = chart.imaging_on_file(enc.date_of_service)
    evidence = [Evidence(enc.event_id, "code", f"{VERTEBROGENIC_LBP} on the encounter of {enc.date_of_service}")]
    if imaging:
        evidence.append(Evidence(imaging[-1][0].event_id, "imaging", imaging[-1][1].sentence))
    suggested = _instead(enc)
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(VERTEBROGENIC_LBP,),
        suggested_codes=suggested,
        evidence=tuple(evidence),
        message=f"The visit of {enc.date_of_service} is coded {VERTEBROGENIC_LBP} but the assessment does not link "
        f"the pain to vertebral endplate changes; query the provider or code {' or '.join(suggested)}.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.documents("vertebral_link") is not None or later.lbp_code == UNSPECIFIED_LBP
