"""COD-SCIATICA-SPECIFICITY: low back pain with sciatica is documented but the visit is coded M54.5x.

ICD-10-CM sends "lumbago with sciatica" to M54.4- (M54.5 Excludes1 M54.4-). Suggests M54.41 (right),
M54.42 (left), both for bilateral or for left and right documented apart, M54.40 when no side is stated —
picked from the official descriptions (chart.sciatica_side, which every rule suggesting M54.4- shares).
When a code on the visit excludes every one of them (M51.16: M54.4 Excludes1 "lumbago with sciatica due to
intervertebral disc disorder (M51.1-)"), the condition is coded there: the advice is to remove the M54.5x
code, not to add an M54.4- that COD-EXCLUDES1-CONFLICT would then flag (a coder's review). Sciatica its
sentence ties to a disc disorder ("due to L5-S1 disc herniation") is M51.1-, which COD-CONTRIBUTING-DX-MISSING
suggests: not raised here.
"""

from __future__ import annotations

from streams.core import codes
from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart, sciatica_codes, sciatica_side
from streams.core.rules._common import coded_by, finding_evidence, sciatica_from_disc
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-SCIATICA-SPECIFICITY"
SUBJECT = "encounter"


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code is None or not enc.lbp_code.startswith("M54.5"):
        return None
    notes = [n for n in enc.noted if n.key == "sciatica"]
    if not notes:
        return None
    side = sciatica_side(enc)
    suggested = sciatica_codes(side, enc.date_of_service)
    said = f" ({side})" if side else ""
    coded = coded_by(suggested, [c for c in enc.codes if c != enc.lbp_code])
    if coded is None and sciatica_from_disc(enc) is not None:
        return None  # "sciatica due to L5-S1 disc herniation" is M51.1-: COD-CONTRIBUTING-DX-MISSING says so
    if coded is not None:  # M51.16 on the visit: "lumbago with sciatica due to a disc disorder" is coded there
        note = codes.excludes1_conflict(suggested[0], coded)
        suggested = (coded,)
        advice = f"{coded} on the visit codes it already ({note}): remove {enc.lbp_code}"
    else:
        advice = f"use {', '.join(suggested)}"
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(enc.lbp_code,),
        suggested_codes=suggested,
        evidence=(
            Evidence(enc.event_id, "code", f"{enc.lbp_code} on the encounter"),
            *(finding_evidence(enc, n) for n in ([n for n in notes if n.side] or notes[:1])),
        ),
        message=f"The assessment of {enc.date_of_service} documents sciatica{said} with the low back pain, which "
        f"ICD-10-CM codes as lumbago with sciatica (M54.4-), not {enc.lbp_code}; {advice}.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code is not None and later.lbp_code.startswith("M54.4")
