"""CLM-STALE-CODE: the claim's LBP code differs from the LBP code on the signed encounter it bills.

The encounter is the claim's `encounter_id`, else the latest signed encounter on or before the date of
service. Re-evaluated when that encounter arrives after the claim. Suggests the encounter's code.

A claim whose LBP code is a retired header of the encounter's code (M54.5 billed for a visit coded M54.50,
M54.51 or M54.59) differs only by the retirement: CLM-RETIRED-CODE owns that claim, with the children in
the order the documentation supports, and a second alert here would give the same claim a second, possibly
contrary, suggestion. A retired code the encounter's code is not a child of (M54.5 for a visit coded
M54.41) still fires here: the retired-code alert cannot say that.

What it suggests is the encounter's code as the payer accepts it on the claim's date of service: M54.51 on
a visit of 2021-09-28 (before the code existed) is M54.5, the code in force then, which a claim billing
M54.5 already matches; an encounter code billable on no date (M54.5 after its retirement, a typo such as
M54.5O) gives the claim nothing to copy, and nothing fires (the encounter is what needs fixing).
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart, is_lbp, normalized
from streams.core.rules._common import in_force, not_billable
from streams.core.state import ClaimRecord

RULE_ID = "CLM-STALE-CODE"
SUBJECT = "claim"


def check(chart: Chart, claim: ClaimRecord) -> Verdict | None:
    claim_lbp = next((c for c in map(normalized, claim.codes) if c and is_lbp(c)), None)
    if claim_lbp is None:
        return None
    enc = chart.encounter_billed(claim.encounter_id, claim.date_of_service)
    if enc is None or enc.lbp_code is None or enc.lbp_code == claim_lbp:
        return None
    retired = not_billable(claim_lbp, claim.date_of_service)
    if retired is not None and enc.lbp_code in retired.billable_descendants:
        return None  # CLM-RETIRED-CODE's (module docstring)
    suggested = in_force(enc.lbp_code, claim.date_of_service)
    if suggested is None or suggested == claim_lbp:
        return None  # nothing valid to copy, or the claim bills what the encounter's code was then
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=claim.claim_id,
        codes=(claim_lbp,),
        suggested_codes=(suggested,),
        evidence=(
            Evidence(claim.event_id, "claim", f"{claim_lbp} on claim {claim.claim_id}"),
            Evidence(enc.event_id, "code", f"{enc.lbp_code} on the signed encounter of {enc.date_of_service}"),
        ),
        message=f"Claim {claim.claim_id} bills {claim_lbp} but the signed encounter of {enc.date_of_service} "
        f"is coded {enc.lbp_code}; update the claim to match the encounter.",
    )
