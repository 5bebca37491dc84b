"""COD-INCONSISTENT-CHANGE: the LBP code changes between consecutive encounters of an episode (e.g.
M54.51 -> M54.50) with no new finding or documentation to explain it. Suggests a review.

Only findings that bear on the LBP code explain a change (chart.LBP_RELEVANT: a link, Modic or endplate
changes, sciatica, a distinct cause): "acute" becoming "subacute" does not explain M54.51 -> M54.50, and
neither does imaging of another region. A change forced by the code set (the earlier code is not
billable on the later visit's date: M54.5 after 2021-10-01) is not inconsistent, nor is a correction: the
later visit's code is the one its own assessment supports and the earlier visit's was not (M54.50 -> M54.42
with the sciatica documented on both, the fix COD-SCIATICA-SPECIFICITY asked for). Nor is a change of the
sciatica's documented side (right-sided, then left-sided: M54.41 -> M54.42).

Re-evaluated as imaging arrives: if imaging resulted between the two visits arrives late and explains the
change, the alert is resolved.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import LBP_RELEVANT, Chart, lbp_code_supported, new_findings, sciatica_side
from streams.core.rules._common import not_billable
from streams.core.state import EncounterRecord

RULE_ID = "COD-INCONSISTENT-CHANGE"
SUBJECT = "encounter"


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    episode = chart.episode_of(enc)
    prev = episode.previous(enc) if episode else None
    if prev is None or prev.lbp_code == enc.lbp_code:
        return None
    if prev.lbp_code is not None and not_billable(prev.lbp_code, enc.date_of_service) is not None:
        return None  # the code set changed (M54.5 -> M54.50 on 2021-10-01): the old code could not be kept
    if lbp_code_supported(enc) and not lbp_code_supported(prev):
        return None  # a correction: the new code is what the documentation supports, the old one was not
    if enc.documents("sciatica") and prev.documents("sciatica") and sciatica_side(enc) != sciatica_side(prev):
        return None  # the side documented changed, and the code with it
    kept = {m.key for m in enc.noted}
    lost = [n for n in prev.noted if n.key in LBP_RELEVANT and n.key not in kept]
    if new_findings(chart, prev, enc) or lost:
        return None  # the documentation bearing on the code changed: the change is explained
    return Verdict(
        rule_id=RULE_ID,
        severity="info",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(prev.lbp_code or "", enc.lbp_code or ""),
        evidence=(
            Evidence(prev.event_id, "code", f"{prev.lbp_code} on the visit of {prev.date_of_service}"),
            Evidence(enc.event_id, "code", f"{enc.lbp_code} on the visit of {enc.date_of_service}"),
        ),
        message=f"The LBP code changed from {prev.lbp_code} ({prev.date_of_service}) to {enc.lbp_code} "
        f"({enc.date_of_service}) with no new finding or documentation to explain it; review.",
    )
