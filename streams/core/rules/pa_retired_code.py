"""PA-RETIRED-CODE: a prior-auth request carries a code not billable on its date of service (or, without
one, the request date): a header, a deleted code, or no ICD-10-CM code at all. Suggests as
CLM-RETIRED-CODE: the valid children, the one the documentation supports first, none forbidden beside the
request's other codes first; removal when every child is.
"""

from __future__ import annotations

from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart
from streams.core.rules._common import coded_by, not_billable, removal, replacements
from streams.core.rules.clm_invalid_code import invalid_reason
from streams.core.state import PriorAuthRecord

RULE_ID = "PA-RETIRED-CODE"
SUBJECT = "prior_auth"


def check(chart: Chart, pa: PriorAuthRecord) -> Verdict | None:
    found: list[str] = []
    suggested: list[str] = []
    evidence: list[Evidence] = []
    removals: list[str] = []
    uses: list[tuple[str, tuple[str, ...]]] = []  # retired code -> its children, in the order suggested
    for raw in pa.codes:
        status = not_billable(raw, pa.on)
        if status is not None:
            found.append(status.code)
            others = [c for c in pa.codes if c != raw]
            children = replacements(chart, status, others)
            if (coded := coded_by(children, others)) is not None:
                removals.append(removal(status, coded, "request"))
                evidence.append(Evidence(pa.event_id, "prior_auth", removals[-1]))
                continue
            suggested += [c for c in children if c not in suggested]
            uses.append((status.code, children))
            evidence.append(Evidence(pa.event_id, "prior_auth", status.describe(suggested)))
        elif (reason := invalid_reason(raw)) is not None:
            found.append(raw)
            evidence.append(Evidence(pa.event_id, "prior_auth", reason))
    if not found:
        return None
    advice = removals + _uses(uses)
    return Verdict(
        rule_id=RULE_ID,
        severity="error",
        subject_type=SUBJECT,
        subject_id=pa.request_id,
        codes=tuple(found),
        suggested_codes=tuple(suggested),
        evidence=tuple(evidence),
        message=f"Prior-auth request {pa.request_id} carries {', '.join(found)}, not billable on {pa.on}; "
        f"{'; '.join(advice) if advice else 'correct the diagnosis before submitting'}.",
    )


def _uses(uses: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """What to use instead, for each retired code (the first three children each): a request carrying M54.5
    and M51.36 was told only M54.5's children (a billing review)."""
    if len(uses) == 1:
        return [f"use {', '.join(uses[0][1][:3])}"] if uses[0][1] else []
    return [f"for {code} use {', '.join(children[:3])}" for code, children in uses if children]
