"""COD-IMAGING-UNLINKED: coded M54.50; lumbar imaging on file shows Modic type 1/2 changes or endplate
degeneration; the assessment does not link it.

Imaging counts when performed before the encounter's date, or later while the encounter's episode is still
open (imaging often results after the visit it explains: the rule is re-evaluated when it arrives). Coders
may not infer the link from the report: the suggestion is a provider query, not a code change. An
assessment that rules the link out ("the Modic changes are incidental, not the source of her pain") has
answered that query: nothing fires. Only an answer resolves it: a later visit of the episode that documents
the link or rules it out. A later visit coded M54.51 without a documented link has not answered it (it is
the coding-from-imaging error COD-M5451-UNSUPPORTED flags).
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import UNSPECIFIED_LBP, Chart, shown
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-IMAGING-UNLINKED"
SUBJECT = "encounter"


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code != UNSPECIFIED_LBP or enc.documents("vertebral_link") is not None or enc.link_denied:
        return None
    episode = chart.episode_of(enc)
    found = chart.imaging_explaining(enc, episode) if episode else None
    if found is None:
        return None
    img, finding = found
    what = f"{img.modality} {img.body_site} of {img.performed_on} (accession {img.accession})"
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(UNSPECIFIED_LBP,),
        suggested_codes=(),
        evidence=(
            Evidence(enc.event_id, "code", f"{UNSPECIFIED_LBP} on the encounter of {enc.date_of_service}"),
            Evidence(img.event_id, "imaging", finding.sentence),
        ),
        message=f"Query the provider: {what} shows {shown(finding)}, but the assessment of "
        f"{enc.date_of_service} does not say whether it causes the pain (coded {UNSPECIFIED_LBP}).",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.documents("vertebral_link") is not None or later.link_denied
