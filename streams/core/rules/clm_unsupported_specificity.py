"""CLM-UNSUPPORTED-SPECIFICITY: the claim carries M54.51 or M54.59 that the documentation on file does not
support (the same test as COD-M5451-UNSUPPORTED and COD-M5459-UNSUPPORTED, over every encounter on file up
to the date of service; an assessment that rules the link out after the last one documenting it takes the
support for M54.51 back: the provider's latest word). Suggests M54.50, or a provider query. A claim that
names its encounter waits until that encounter is on file: claims often arrive before the visit is signed,
and are not judged on partial documentation. A code not billable on the date of service (M54.59 before
2021-10-01) is CLM-RETIRED-CODE's: judged here too, it got "bill M54.50" beside that rule's "use M54.5",
and M54.50 did not exist yet.
"""

from __future__ import annotations

from datetime import date

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import OTHER_LBP, OTHER_LBP_CAUSES, UNSPECIFIED_LBP, VERTEBROGENIC_LBP, Chart, normalized
from streams.core.rules._common import not_billable
from streams.core.state import ClaimRecord, EncounterRecord

RULE_ID = "CLM-UNSUPPORTED-SPECIFICITY"
SUBJECT = "claim"


def supported(chart: Chart, code: str, on: date) -> bool:
    """Whether the documentation on file up to `on` supports M54.51 (a documented vertebral link) or M54.59
    (a documented distinct cause); any other code is not this rule's to judge (True)."""
    if code == VERTEBROGENIC_LBP:
        return chart.documented("vertebral_link", on) is not None
    if code == OTHER_LBP:
        return any(chart.documented(k, on) for k in OTHER_LBP_CAUSES)
    return True


def documented_up_to(claim: ClaimRecord, billed: EncounterRecord | None) -> date:
    """How far the documentation a claim is judged on reaches: its date of service, and the visit it bills
    whatever that visit's date (a claim whose lines start the day before the visit it names was judged
    without that visit's assessment: a billing review). `billed`: the visit it names, or None."""
    return max(claim.date_of_service, billed.date_of_service) if billed is not None else claim.date_of_service


def check(chart: Chart, claim: ClaimRecord) -> Verdict | None:
    named = chart.encounter(claim.encounter_id) if claim.encounter_id else None
    if claim.encounter_id and named is None:
        return None  # the visit it bills is not on file yet: judged when it arrives
    carried = [
        c
        for c in map(normalized, claim.codes)
        if c in (VERTEBROGENIC_LBP, OTHER_LBP) and not_billable(c, claim.date_of_service) is None  # (docstring)
    ]
    on = documented_up_to(claim, named)
    unsupported = [c for c in carried if not supported(chart, c, on)]
    if not unsupported:
        return None
    code = unsupported[0]
    need = "a vertebral source (vertebrogenic pain)" if code == VERTEBROGENIC_LBP else "a distinct cause"
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=claim.claim_id,
        codes=tuple(unsupported),
        suggested_codes=(UNSPECIFIED_LBP,),
        evidence=(
            Evidence(
                claim.event_id,
                "claim",
                f"{code} on claim {claim.claim_id}; no assessment on file up to {on} documents {need}",
            ),
        ),
        message=f"Claim {claim.claim_id} bills {code} but no provider assessment on file documents {need}; "
        f"bill {UNSPECIFIED_LBP} or query the provider.",
    )
