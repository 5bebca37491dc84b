"""COD-CARRIED-FORWARD: the encounter repeats the previous encounter's LBP code although new findings
arrived between the two (imaging resulted, a new documented diagnosis bearing on the LBP code).

A code copied from the last note is the classic way specificity is lost. Suggests a review.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart, new_findings
from streams.core.state import EncounterRecord

RULE_ID = "COD-CARRIED-FORWARD"
SUBJECT = "encounter"


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    episode = chart.episode_of(enc)
    prev = episode.previous(enc) if episode else None
    if prev is None or prev.lbp_code != enc.lbp_code:
        return None
    news = new_findings(chart, prev, enc)
    if not news:
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="info",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(enc.lbp_code or "",),
        evidence=(
            Evidence(prev.event_id, "code", f"{prev.lbp_code} on the previous visit of {prev.date_of_service}"),
            *(Evidence(eid, "finding", text) for eid, text in news),
        ),
        message=f"The visit of {enc.date_of_service} repeats {enc.lbp_code} from {prev.date_of_service} although "
        "there is something new since (imaging resulted in between, or a finding this assessment documents and "
        "the earlier one did not; see the evidence); review whether the code still fits.",
    )
