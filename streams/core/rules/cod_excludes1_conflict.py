"""COD-EXCLUDES1-CONFLICT: the encounter carries two codes that an ICD-10-CM Excludes1 note forbids
together (e.g. M54.5x with M54.4-, M54.5x with M51.2-), from CMS's tabular (simple-icd-10-cm), notes on a
parent applying to its children. Suggests keeping the more specific, which is first the code the note points
to: an Excludes1 note names the code the condition is classified to, so "radiculopathy with lumbar disc
disorder (M51.1-)" under M54.1 means keep M51.16, not M54.16, and "pickwickian syndrome (E66.2)" under G47.3
means keep E66.2, not the longer G47.34. Where that does not decide, the code whose official description is
not "unspecified", else the longer (deeper) code.

Judged on visits with an LBP-family code and on visits coded in its spinal neighbours (M54-, M51-, M47-,
M48-) without one; the other coding rules need an LBP code.
"""

from __future__ import annotations

import functools

from streams.core import codes
from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-EXCLUDES1-CONFLICT"
SUBJECT = "encounter"
# Besides LBP-coded visits, visits coded in the LBP family's spinal neighbours (the other dorsopathies and
# disc, spondylosis and stenosis codes) are judged: M54.16 with M51.16 is the same error without an LBP code.
SPINE_PREFIXES = ("M54", "M51", "M47", "M48")


def _specificity(code: str, enc: EncounterRecord, note_of: str) -> tuple[int, int, int]:
    """The code the note sends the condition to (not the code whose note it is), then not "unspecified",
    then deeper."""
    try:
        unspecified = codes.index().is_unspecified(code, enc.date_of_service)
    except codes.NotCovered:
        unspecified = False
    return (0 if code.replace(".", "").upper() == note_of.replace(".", "") else 1, 0 if unspecified else 1, len(code))


def conflicts(enc: EncounterRecord) -> list[tuple[str, str, str]]:
    return list(_conflicts(codes.index(), tuple(enc.codes)))


def _is_code(idx: codes.CodeIndex, code: str) -> bool:
    """An ICD-10-CM code of some year; a malformed one (kept as sent on the record) is not."""
    try:
        return idx.ever_existed(code)
    except codes.CodeShapeError:
        return False


@functools.lru_cache(maxsize=16384)
def _conflicts(idx: codes.CodeIndex, coded: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """The Excludes1 pairs among an encounter's codes: a function of the codes alone (and the index), so
    remembered per codes tuple (visits repeat the same few combinations)."""
    valid = [c for c in coded if _is_code(idx, c)]
    out = []
    for i, a in enumerate(valid):
        for b in valid[i + 1 :]:
            reason = idx.excludes1_conflict(a, b)
            if reason:
                out.append((a, b, reason))
    return tuple(out)


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code is None and not any(c.startswith(SPINE_PREFIXES) for c in enc.codes):
        return None
    found = conflicts(enc)
    if not found:
        return None
    a, b, reason = found[0]
    note_of = reason.split(" ", 1)[0]  # the code whose Excludes1 note it is (codes.excludes1_conflict)
    keep = max((a, b), key=lambda c: _specificity(c, enc, note_of))
    return Verdict(
        rule_id=RULE_ID,
        severity="error",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=tuple(dict.fromkeys(c for a, b, _ in found for c in (a, b))),
        suggested_codes=(keep,),
        evidence=tuple(Evidence(enc.event_id, "code", reason) for _, _, reason in found),
        message=f"{a} and {b} may not be coded together on the visit of {enc.date_of_service} ({reason}); "
        f"keep {keep}, the code the note classifies the condition to.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return not conflicts(later)
