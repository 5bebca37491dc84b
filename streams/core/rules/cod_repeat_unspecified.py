"""COD-REPEAT-UNSPECIFIED: M54.50 on the 3rd or later encounter of the same LBP episode.

By the third visit of an episode the cause has usually been worked up; an unspecified code that persists is
worth a chart review. Positions come from the dates of service, so a visit signed late still counts right.
A later visit of the episode coded more specifically ends it only when its own assessment supports that
code: M54.51 without a documented link is the coding-from-imaging error, not a correction.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import UNSPECIFIED_LBP, Chart, specific_code_supported
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-REPEAT-UNSPECIFIED"
SUBJECT = "encounter"
FROM_POSITION = 3


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code != UNSPECIFIED_LBP:
        return None
    episode = chart.episode_of(enc)
    if episode is None or (pos := episode.position(enc)) < FROM_POSITION:
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="info",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=(UNSPECIFIED_LBP,),
        evidence=(
            Evidence(
                enc.event_id,
                "episode",
                f"visit {pos} of the episode that began {episode.first_date}, coded {UNSPECIFIED_LBP}",
            ),
        ),
        message=f"Visit {pos} of a low-back-pain episode (since {episode.first_date}) is still coded "
        f"{UNSPECIFIED_LBP}; review the chart for a more specific diagnosis.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code is not None and later.lbp_code != UNSPECIFIED_LBP and specific_code_supported(later)
