"""CLM-RETIRED-CODE: a claim diagnosis existed but is not billable on the claim's date of service.

Fires for a header (M54.5 on/after 2021-10-01, M51.36 on/after 2024-10-01) or a deleted code, judged by the
ICD-10-CM fiscal year in force on the date of service. Suggests the valid children of that code, the one
the patient's documentation supports first. Resolved when the claim is resubmitted with valid codes.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart
from streams.core.rules._common import not_billable, replacements
from streams.core.state import ClaimRecord

RULE_ID = "CLM-RETIRED-CODE"
SUBJECT = "claim"


def check(chart: Chart, claim: ClaimRecord) -> Verdict | None:
    retired = [s for s in (not_billable(c, claim.date_of_service) for c in claim.codes) if s is not None]
    if not retired:
        return None
    suggested: list[str] = []
    for s in retired:
        suggested += [c for c in replacements(chart, s) if c not in suggested]
    first = retired[0]
    return Verdict(
        rule_id=RULE_ID,
        severity="error",
        subject_type=SUBJECT,
        subject_id=claim.claim_id,
        codes=tuple(s.code for s in retired),
        suggested_codes=tuple(suggested),
        evidence=tuple(Evidence(claim.event_id, "claim", s.describe(suggested)) for s in retired),
        message=f"Claim {claim.claim_id} will be rejected: {first.describe(suggested)}.",
    )
