"""COD-CARRIED-FORWARD: the encounter repeats the previous encounter's LBP code although new findings
arrived between the two (imaging resulted, a new documented diagnosis bearing on the LBP code).

A code copied from the last note is the classic way specificity is lost. Suggests a review, only where the
new findings could change the code on that date: sciatica to M54.4-, a link or Modic/endplate changes to
M54.51, a distinct cause to M54.59, when that code is in the code set then (M54.51 is not before
2021-10-01: M54.5 was all there was) and the visit is not already coded as lumbago with sciatica with the
sciatica documented (nothing else changes M54.4-: M54.5 Excludes1 M54.4-).
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import OTHER_LBP, VERTEBROGENIC_LBP, Chart, family_codes, new_findings
from streams.core.state import EncounterRecord

RULE_ID = "COD-CARRIED-FORWARD"
SUBJECT = "encounter"
# the code a new finding could move the LBP code to
LEADS_TO = {
    "vertebral_link": VERTEBROGENIC_LBP,
    "modic_change": VERTEBROGENIC_LBP,
    "endplate_degeneration": VERTEBROGENIC_LBP,
    "myofascial": OTHER_LBP,
    "sacroiliac_dysfunction": OTHER_LBP,
    "sciatica": "M54.4",
}


def could_change(enc: EncounterRecord, keys: set[str]) -> bool:
    """Whether findings of these kinds could move this visit's LBP code to another code in force that day."""
    code = enc.lbp_code or ""
    if code.startswith("M54.4") and enc.documents("sciatica") is not None:
        return False
    targets = {LEADS_TO[k] for k in keys if k in LEADS_TO}
    return any(not code.startswith(t) and family_codes(t, enc.date_of_service) for t in targets)


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    episode = chart.episode_of(enc)
    prev = episode.previous(enc) if episode else None
    if prev is None or prev.lbp_code != enc.lbp_code:
        return None
    news = new_findings(chart, prev, enc)
    if not news or not could_change(enc, {key for _, key, _ in news}):
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="info",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(enc.lbp_code or "",),
        evidence=(
            Evidence(prev.event_id, "code", f"{prev.lbp_code} on the previous visit of {prev.date_of_service}"),
            *(Evidence(eid, "finding", text) for eid, _, text in news),
        ),
        message=f"The visit of {enc.date_of_service} repeats {enc.lbp_code} from {prev.date_of_service} although "
        "there is something new since (imaging resulted in between, or a finding this assessment documents and "
        "the earlier one did not; see the evidence); review whether the code still fits.",
    )
