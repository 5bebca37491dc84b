"""COD-LINKED-BUT-UNSPECIFIED: coded M54.50 although the assessment documents a vertebral source.

"Vertebrogenic low back pain", "low back pain secondary to vertebral endplate degeneration / Modic
changes": the provider made the link, so the specific code M54.51 is supported. Suggests M54.51.
Not when the assessment also documents sciatica: ICD-10-CM codes lumbago with sciatica as M54.4- (M54.5
Excludes1 M54.4-), whatever its source, and COD-SCIATICA-SPECIFICITY says so; "update to M54.51" beside
"use M54.42" would be two fixes that cannot both be coded.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import UNSPECIFIED_LBP, VERTEBROGENIC_LBP, Chart
from streams.core.rules._common import finding_evidence
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-LINKED-BUT-UNSPECIFIED"
SUBJECT = "encounter"


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code != UNSPECIFIED_LBP or enc.documents("sciatica") is not None:
        return None
    link = enc.documents("vertebral_link")
    if link is None:
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(UNSPECIFIED_LBP,),
        suggested_codes=(VERTEBROGENIC_LBP,),
        evidence=(Evidence(enc.event_id, "code", f"{UNSPECIFIED_LBP} on the encounter"), finding_evidence(enc, link)),
        message=f"The assessment of {enc.date_of_service} documents vertebrogenic low back pain but the visit is "
        f"coded {UNSPECIFIED_LBP}; update it to {VERTEBROGENIC_LBP}.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code == VERTEBROGENIC_LBP
