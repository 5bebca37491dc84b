"""PA-UNSPECIFIED-CODE: a prior-auth request carries an unspecified code.

Fires for M54.50 or M54.40 anywhere on the request, or a primary (sequence 1) diagnosis whose official
ICD-10-CM description says "unspecified". Payers deny unspecified codes; the request should carry what the
documentation on file supports: M54.51 if an assessment links the pain to vertebral changes, M54.41/M54.42
for documented sciatica by side (sciatica without a side: a query for the side, never M54.40 back: a coder's
review); otherwise a provider query naming the imaging on file, unless the provider's latest word on that
imaging rules the link out (then the query has been answered: a query for a more specific diagnosis
instead). Only codes billable on the request's date are suggested: M54.51 did not
exist before 2021-10-01, so a request of September 2021 with a documented link gets the query instead.
No suggestion that an Excludes1 note forbids beside the request's other codes; with none left, a code the
request's other codes exclude (M54.50 beside M51.26, M54.40 beside M51.16) is to be removed, the condition
being coded there. A code not billable on the date is PA-RETIRED-CODE's (a billing review).
"""

from __future__ import annotations

from datetime import date

from streams.core import codes
from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart, normalized, sciatica_side, shown
from streams.core.rules import cod_excludes1_conflict
from streams.core.rules._common import finding_evidence, in_force
from streams.core.state import PriorAuthRecord

RULE_ID = "PA-UNSPECIFIED-CODE"
SUBJECT = "prior_auth"
ALWAYS_UNSPECIFIED = ("M54.50", "M54.40")


def _unspecified_primary(code: str, pa: PriorAuthRecord) -> bool:
    try:
        return codes.index().is_unspecified(code, pa.on)
    except codes.NotCovered:
        return False


def _excluded(code: str, others: list[str], on: date) -> bool:
    """A suggestion an Excludes1 note forbids beside one of the request's other codes that is to stay
    (M54.51 beside M51.26; not M54.41 beside M54.5, which is what goes)."""
    return any((o := normalized(raw)) and cod_excludes1_conflict.kept(code, o, on) == o for raw in others)


def check(chart: Chart, pa: PriorAuthRecord) -> Verdict | None:
    # a code not billable on the date (M54.50 before 2021-10-01) is PA-RETIRED-CODE's, as on claims
    found = [c for c in map(normalized, pa.codes) if c in ALWAYS_UNSPECIFIED and in_force(c, pa.on) == c]
    primary = normalized(pa.primary) if pa.primary else None
    if primary and primary not in found and _unspecified_primary(primary, pa):
        found.append(primary)
    if not found:
        return None
    evidence = [
        Evidence(pa.event_id, "prior_auth", f"{c} on request {pa.request_id} for {pa.service_code}") for c in found
    ]
    others = [c for c in pa.codes if normalized(c) not in found]
    supported = tuple(
        c
        for c in chart.supported_lbp_codes(pa.on)
        if c not in ALWAYS_UNSPECIFIED
        and c not in found
        and in_force(c, pa.on) == c
        and not _excluded(c, others, pa.on)
    )
    # the other code is the one to keep (the note classifies the condition there): M54.50 beside M51.26 goes,
    # M54.40 beside M54.5 stays (lumbago with sciatica is M54.4-: the M54.5 is what is wrong)
    coded = {c: o for c in found for o in others if cod_excludes1_conflict.kept(c, o, pa.on) == normalized(o)}
    imaging = chart.imaging_on_file(pa.on)
    sciatica = chart.documented("sciatica", pa.on)
    if supported:
        for key in ("vertebral_link", "sciatica"):
            doc = chart.documented(key, pa.on)
            if doc:
                evidence.append(finding_evidence(*doc))
                break
        advice = f"the documentation on file supports {', '.join(supported)}"
    elif len(coded) == len(found):  # nothing to put in its place: the condition is coded there
        advice = "; ".join(f"{o} on the request excludes {c} (Excludes1): remove {c}" for c, o in coded.items())
    elif sciatica is not None and sciatica_side(sciatica[0]) is None and any(c in ALWAYS_UNSPECIFIED for c in found):
        evidence.append(finding_evidence(*sciatica))
        advice = (
            f"the assessment of {sciatica[0].date_of_service} documents sciatica without a side; "
            "query the provider for the side (M54.41 right, M54.42 left)"
        )
    elif imaging and (denied := chart.link_ruled_out(pa.on)) is not None:
        evidence.append(
            Evidence(
                denied.event_id,
                "assessment",
                f"the assessment of {denied.date_of_service} rules out a vertebral source of the pain",
            )
        )
        advice = (
            f"the assessment of {denied.date_of_service} rules out a vertebral source for the imaging on file; "
            "query the provider for a more specific diagnosis"
        )
    elif imaging:
        img, n = imaging[-1]
        evidence.append(Evidence(img.event_id, "imaging", n.sentence))
        advice = (
            f"query the provider: {img.modality} {img.body_site} of {img.performed_on} "
            f"(accession {img.accession}) shows {shown(n)} but no assessment links it"
        )
    else:
        advice = "query the provider for a more specific diagnosis"
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=pa.request_id,
        codes=tuple(found),
        suggested_codes=supported,
        evidence=tuple(evidence),
        message=f"Prior-auth request {pa.request_id} carries unspecified {', '.join(found)}; {advice}.",
    )
