"""CLM-INVALID-CODE: a claim diagnosis is not an ICD-10-CM code in any fiscal year (malformed, typo).

Severity error; nothing to suggest (a typo's intent is not ours to guess). Resolved when the claim is
resubmitted without it.
"""

from __future__ import annotations

import functools

from streams.core import codes
from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart
from streams.core.state import ClaimRecord

RULE_ID = "CLM-INVALID-CODE"
SUBJECT = "claim"


@functools.lru_cache(maxsize=16384)  # a function of the spelling alone: claims repeat the same few hundred
def invalid_reason(raw: str) -> str | None:
    """Why a code is not ICD-10-CM, or None if it is one (in some fiscal year)."""
    try:
        code = codes.normalize(raw)
    except codes.CodeShapeError as exc:
        return str(exc)
    if codes.index().ever_existed(code):
        return None
    return f"{code} is not an ICD-10-CM code in any fiscal year FY{codes.FIRST_FY}-FY{codes.LAST_FY}"


def check(chart: Chart, claim: ClaimRecord) -> Verdict | None:
    bad = [(c, r) for c in claim.codes if (r := invalid_reason(c)) is not None]
    if not bad:
        return None
    return Verdict(
        rule_id=RULE_ID,
        severity="error",
        subject_type=SUBJECT,
        subject_id=claim.claim_id,
        codes=tuple(c for c, _ in bad),
        evidence=tuple(Evidence(claim.event_id, "claim", r) for _, r in bad),
        message=f"Claim {claim.claim_id} carries {', '.join(c for c, _ in bad)}, which is not an ICD-10-CM code; "
        "correct the diagnosis before submitting.",
    )
