"""CLM-STALE-CODE: the claim's LBP code differs from the LBP code on the signed encounter it bills.

The encounter is the claim's `encounter_id`, else the latest signed encounter on or before the date of
service. Re-evaluated when that encounter arrives after the claim. Suggests the encounter's code; when the
encounter the claim names carries no LBP code at all, nothing to copy: the advice is to remove the claim's.

A claim whose LBP code is a retired header of the encounter's code (M54.5 billed for a visit coded M54.50,
M54.51 or M54.59) differs only by the retirement: CLM-RETIRED-CODE owns that claim, with the visit's own
code first among the children, and a second alert here would give the same claim a second, possibly
contrary, suggestion. A retired code the encounter's code is not a child of (M54.5 for a visit coded
M54.41) still fires here: the retired-code alert cannot say that.

What it suggests is the encounter's code as the payer accepts it on the claim's date of service: M54.51 on
a visit of 2021-09-28 (before the code existed) is M54.5, the code in force then, which a claim billing
M54.5 already matches; an encounter code billable on no date (M54.5 after its retirement, a typo such as
M54.5O) gives the claim nothing to copy, and nothing fires (the encounter is what needs fixing).

A claim for a visit coded M54.51 or M54.59 that the documentation does not support, billing what the
rules ask for instead (what the visit's own COD-M5451-UNSUPPORTED / COD-M5459-UNSUPPORTED alert suggests,
or M54.50 where CLM-UNSUPPORTED-SPECIFICITY would ask for it), gets nothing here: "update to the
encounter's M54.51" would send it back to the code the other rules reject, and the claim would go back
and forth (found by a billing review). The visit's alert asks for the visit to be fixed. Left: alerts fire
once per subject, so a claim alert resolved this way stays resolved if the visit later documents the
link after all (a visit re-signed twice; README "Not done").
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import UNSPECIFIED_LBP, Chart, is_lbp, normalized
from streams.core.rules import cod_m5451_unsupported, cod_m5459_unsupported
from streams.core.rules._common import in_force, not_billable
from streams.core.rules.clm_unsupported_specificity import documented_up_to, supported
from streams.core.state import ClaimRecord, EncounterRecord

RULE_ID = "CLM-STALE-CODE"
SUBJECT = "claim"


def check(chart: Chart, claim: ClaimRecord) -> Verdict | None:
    claim_lbp = next((c for c in map(normalized, claim.codes) if c and is_lbp(c)), None)
    if claim_lbp is None:
        return None
    enc = chart.encounter_billed(claim.encounter_id, claim.date_of_service)
    if enc is None or enc.lbp_code == claim_lbp:
        return None
    if enc.lbp_code is None:
        if not _no_lbp_code_on_the_visit(claim, claim_lbp, enc):
            return None
        coded = ", ".join(enc.codes)
        advice = (
            f"carries no low-back-pain code (coded {coded}); remove {claim_lbp} from the claim, or have the "
            "encounter's coding corrected first"
        )
        return _verdict(claim, claim_lbp, enc, coded, (), advice)
    retired = not_billable(claim_lbp, claim.date_of_service)
    if retired is not None and enc.lbp_code in retired.billable_descendants:
        return None  # CLM-RETIRED-CODE's (module docstring)
    suggested = in_force(enc.lbp_code, claim.date_of_service)
    if suggested is None or suggested == claim_lbp:
        return None  # nothing valid to copy, or the claim bills what the encounter's code was then
    if _bills_what_the_documentation_supports(chart, claim, claim_lbp, enc, suggested):
        return None  # (module docstring)
    advice = f"is coded {enc.lbp_code}; update the claim to match the encounter"
    return _verdict(claim, claim_lbp, enc, enc.lbp_code, (suggested,), advice)


def _bills_what_the_documentation_supports(
    chart: Chart, claim: ClaimRecord, claim_lbp: str, enc: EncounterRecord, suggested: str
) -> bool:
    """The visit's M54.51 or M54.59 is not supported, and the claim bills what the rules ask for instead:
    what the visit's own coding alert suggests (COD-M5451-UNSUPPORTED / COD-M5459-UNSUPPORTED: M54.50, or
    M54.4- or M54.59 as its assessment documents), or M54.50 where no assessment on file up to the claim
    supports it (CLM-UNSUPPORTED-SPECIFICITY). `enc` is the visit the claim names, or without a name the
    latest on or before its date of service, whose date then adds nothing to `documented_up_to`."""
    for rule in (cod_m5451_unsupported, cod_m5459_unsupported):
        visit = rule.check(chart, enc)
        if visit is not None and claim_lbp in visit.suggested_codes:
            return True
    return claim_lbp == UNSPECIFIED_LBP and not supported(chart, suggested, documented_up_to(claim, enc))


def _no_lbp_code_on_the_visit(claim: ClaimRecord, claim_lbp: str, enc: EncounterRecord) -> bool:
    """The claim bills an LBP code the encounter it names does not carry at all (M54.50 billed for a visit
    coded M51.26 alone): the claim differs, with no code to copy (found by a billing review: nothing fired,
    and a visit re-signed from M54.51 to M51.26 resolved the alert while the claim still billed M54.50).
    Only for the encounter the claim names: the latest visit before the date of service may be another
    visit altogether (a diabetes check the day before); and not for a retired or invalid code
    (CLM-RETIRED-CODE's, CLM-INVALID-CODE's)."""
    return claim.encounter_id == enc.encounter_id and in_force(claim_lbp, claim.date_of_service) == claim_lbp


def _verdict(
    claim: ClaimRecord, claim_lbp: str, enc: EncounterRecord, on_visit: str, suggested: tuple[str, ...], advice: str
) -> Verdict:
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=claim.claim_id,
        codes=(claim_lbp,),
        suggested_codes=suggested,
        evidence=(
            Evidence(claim.event_id, "claim", f"{claim_lbp} on claim {claim.claim_id}"),
            Evidence(enc.event_id, "code", f"{on_visit} on the signed encounter of {enc.date_of_service}"),
        ),
        message=f"Claim {claim.claim_id} bills {claim_lbp} but the signed encounter of {enc.date_of_service} {advice}.",
    )
