"""CLM-RETIRED-CODE: a claim diagnosis existed but is not billable on the claim's date of service.

Fires for a header (M54.5 on/after 2021-10-01, M51.36 on/after 2024-10-01) or a deleted code, judged by the
ICD-10-CM fiscal year in force on the date of service: the claim's, or, for a code that claim lines with
dates of their own point to, each of those lines' dates (a claim spanning October 1 has lines in two code
sets). Suggests the valid children of that code: the billed visit's own code first when it is one of them,
then the one the patient's documentation supports, and none that an Excludes1 note forbids beside the
claim's other codes first. When every child is forbidden so
(M54.5 beside M51.26: lumbago due to disc displacement is M51.26 alone), the advice is to remove the
retired code. For a code billed on lines of both code sets, the advice names the lines it is for.
Resolved when the claim is resubmitted with valid codes.
"""

from __future__ import annotations

from datetime import date

from streams.core import codes
from streams.core.alerts import Evidence, Verdict
from streams.core.chart import UNSPECIFIED_LBP, Chart
from streams.core.rules._common import coded_by, excluded_beside, not_billable, removal, replacements
from streams.core.state import ClaimRecord

RULE_ID = "CLM-RETIRED-CODE"
SUBJECT = "claim"


def check(chart: Chart, claim: ClaimRecord) -> Verdict | None:
    found = [(i, s) for i, c in enumerate(claim.codes) if (s := _first_not_billable(c, claim, i)) is not None]
    if not found:
        return None
    retired = [s for _, s in found]
    index_of = {s.code: i for i, s in found}  # where on the claim, for its lines' dates
    suggested: list[str] = []
    coded_in: dict[str, str] = {}  # retired code -> the claim's code that codes its condition already
    visit = chart.encounter_billed(claim.encounter_id, claim.date_of_service)
    for s in retired:
        others = [c for c in claim.codes if c != s.code]
        children = _visit_first(replacements(chart, s, others), visit.codes if visit else [], others)
        if (coded := coded_by(children, others)) is not None:
            coded_in[s.code] = coded
        else:
            suggested += [c for c in children if c not in suggested]

    def advice(s: codes.CodeStatus) -> str:
        if s.code in coded_in:  # on every line: the Excludes1 note holds whatever the code set
            return f"{s.code} is not billable on {s.on.isoformat()}; {removal(s, coded_in[s.code], 'claim')}"
        return s.describe(suggested) + _which_lines(s, claim, index_of[s.code])

    return Verdict(
        rule_id=RULE_ID,
        severity="error",
        subject_type=SUBJECT,
        subject_id=claim.claim_id,
        codes=tuple(s.code for s in retired),
        suggested_codes=tuple(suggested),
        evidence=tuple(Evidence(claim.event_id, "claim", advice(s)) for s in retired),
        # every retired code's advice: fixing the first alone would be rejected again for the next
        message=f"Claim {claim.claim_id} will be rejected: {'; and '.join(map(advice, retired))}.",
    )


def _visit_first(children: tuple[str, ...], visit_codes: list[str], others: list[str]) -> tuple[str, ...]:
    """The billed visit's own code first, when it is one of the children and no other code on the claim
    excludes it: a claim billing M54.5 for a visit coded M54.59 is fixed with M54.59, whatever an older
    visit of another episode documented (a billing review: M54.51 came first, and following it raised
    CLM-STALE-CODE against the visit's M54.59). Not for M54.50 (`_unspecified`)."""
    own = [c for c in visit_codes if c in children and not _unspecified(c) and excluded_beside(c, others) is None]
    return (*own, *(c for c in children if c not in own)) if own else children


def _unspecified(code: str) -> bool:
    """M54.50 on the visit is no reason to put it first: where the documentation supports M54.51, the visit
    is the under-coded one (its coding alert asks for the update)."""
    return code == UNSPECIFIED_LBP


def _first_not_billable(code: str, claim: ClaimRecord, index: int) -> codes.CodeStatus | None:
    """The code's status on the first of its lines' dates it is not billable on, if any."""
    for on in claim.dates_of(index):
        if (status := not_billable(code, _judged_on(on, claim))) is not None:
            return status
    return None


def _judged_on(on: date, claim: ClaimRecord) -> date:
    """A line dated in a fiscal year whose code set is not on file yet (October 1 came, the CMS order file
    did not) is judged on the claim's date, as every line was before lines' dates were read: unchecked, it
    would pass unseen."""
    return claim.date_of_service if codes.uncovered_year(on) is not None else on


def _which_lines(s: codes.CodeStatus, claim: ClaimRecord, index: int) -> str:
    """For a code billed on lines of two code sets (2024-09-27 and 2024-10-04 both pointing to M51.36), which
    lines the advice is for: following it on every line would make the other code set's lines invalid."""
    valid = next(  # a line in a year without its code set says nothing here
        (on for on in claim.dates_of(index) if codes.uncovered_year(on) is None and not_billable(s.code, on) is None),
        None,
    )
    if valid is None:
        return ""
    if s.on > valid:
        start = date(s.fiscal_year - 1, 10, 1).isoformat()
        return f"; this is for the lines dated {start} or later: those before keep {s.code} (billable on {valid})"
    end = date(s.fiscal_year, 10, 1).isoformat()
    return f"; this is for the lines dated before {end}: those from {end} on keep {s.code} (billable on {valid})"
