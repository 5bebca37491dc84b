"""COD-EXCLUDES1-CONFLICT: the encounter carries two codes that an ICD-10-CM Excludes1 note forbids
together (e.g. M54.5x with M54.4-, M54.5x with M51.2-), from CMS's tabular (simple-icd-10-cm), notes on a
parent applying to its children. Suggests keeping the more specific, which is first the code the note points
to: an Excludes1 note names the code the condition is classified to, so "radiculopathy with lumbar disc
disorder (M51.1-)" under M54.1 means keep M51.16, not M54.16, and "pickwickian syndrome (E66.2)" under G47.3
means keep E66.2, not the longer G47.34. Where the two codes exclude each other, the note naming a
classification decides over the one excluding the NOS form (M54.16's "radiculopathy with ... disc disorder
(M51.1-)" over M51.16's "lumbar radiculitis NOS (M54.16)": keep M51.16), whichever code is listed first.
Where no note decides (each names the other's classification, or each excludes the other's NOS form), the
code whose official description is not "unspecified"; where that does not decide either, no code is
suggested: the provider's documentation says which diagnosis it is.

Judged on visits with an LBP-family code and on visits coded in its spinal neighbours (M54-, M51-, M47-,
M48-) without one; the other coding rules need an LBP code.
"""

from __future__ import annotations

import functools
from datetime import date

from streams.core import codes
from streams.core.alerts import Evidence, Verdict
from streams.core.chart import Chart
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-EXCLUDES1-CONFLICT"
SUBJECT = "encounter"
# Besides LBP-coded visits, visits coded in the LBP family's spinal neighbours (the other dorsopathies and
# disc, spondylosis and stenosis codes) are judged: M54.16 with M51.16 is the same error without an LBP code.
SPINE_PREFIXES = ("M54", "M51", "M47", "M48")


def _deciding_note(a: str, b: str, reason: str) -> tuple[str, str | None]:
    """The note that decides which code to keep, and that code (None: the notes do not decide).

    Both codes' notes are read. Where each code excludes the other, a note naming where the condition is
    classified ("M54.16 Excludes1 M51.1- (Radiculopathy with ... disc disorder)") decides over one that
    excludes the NOS form ("M51.16 Excludes1 M54.16 (Lumbar radiculitis NOS)"), which says the same: keep
    M51.16. Listing the disc code first once found the NOS note first and kept M54.16 (a coder's review).
    Two notes of the same kind cancel out, so the answer never depends on the order the codes are listed."""
    other_way = codes.excludes1_conflict(b, a)  # the other code's note first, if it has one
    if other_way is not None and _owner(other_way) != _owner(reason):
        if _excludes_nos(reason) == _excludes_nos(other_way):
            return reason, None
        if _excludes_nos(reason):
            reason = other_way
    return reason, (b if _same(_owner(reason), a) else a)


def _owner(note: str) -> str:
    """The code whose Excludes1 note it is (codes.excludes1_conflict)."""
    return note.split(" ", 1)[0]


def _excludes_nos(note: str) -> bool:
    """The note excludes the NOS form of a condition ("M51.17 Excludes1 M54.3 (Sciatica NOS)")."""
    return " NOS" in note.partition(" (")[2]


def _same(a: str, b: str) -> bool:
    return a.replace(".", "").upper() == b.replace(".", "").upper()


def _to_keep(a: str, b: str, on: date, kept_by_note: str | None) -> str | None:
    """The code the deciding note says to keep, else the one whose description is not "unspecified"; None
    when neither decides (M62.211 and M79.A11 each name the other: two diagnoses, the documentation says
    which)."""
    if kept_by_note is not None:
        return a if _same(a, kept_by_note) else b
    unspecified = [_unspecified(c, on) for c in (a, b)]
    if unspecified[0] == unspecified[1]:
        return None
    return b if unspecified[0] else a


def _unspecified(code: str, on: date) -> bool:
    try:
        return codes.index().is_unspecified(code, on)
    except codes.NotCovered:
        return False


def kept(a: str, b: str, on: date) -> str | None:
    """Of two codes an Excludes1 note forbids together, the one to keep (as this rule decides it), or None
    when neither is to be kept on the codes alone, or when they may stand together. PA-UNSPECIFIED-CODE
    asks it too: M54.50 beside M51.26 is to be removed, M54.40 beside M54.5 is not."""
    try:
        reason = codes.excludes1_conflict(a, b)
    except codes.CodeShapeError:  # a malformed code as sent (a request keeps its codes as sent) forbids nothing
        return None
    if reason is None:
        return None
    reason, kept_by_note = _deciding_note(a, b, reason)
    return _to_keep(a, b, on, kept_by_note)


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
    decided = [_decide(a, b, reason, enc) for a, b, reason in found]
    # every pair's answer (M54.50 with M54.41 and with S39.012A: keep both others), less a code another
    # pair says to drop; one pair's answer alone left the second conflict on the visit (a coder's review)
    dropped = {
        c for (a, b, _), (keep, _r, _adv) in zip(found, decided, strict=True) if keep for c in (a, b) if c != keep
    }
    suggested = tuple(dict.fromkeys(keep for keep, _r, _adv in decided if keep and keep not in dropped))
    pairs = "; and ".join(
        f"{a} and {b} ({reason}): {advice}" for (a, b, _), (_k, reason, advice) in zip(found, decided, strict=True)
    )
    return Verdict(
        rule_id=RULE_ID,
        severity="error",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=tuple(dict.fromkeys(c for a, b, _ in found for c in (a, b))),
        suggested_codes=suggested,
        evidence=tuple(Evidence(enc.event_id, "code", reason) for _, _, reason in found),
        message=f"Codes on the visit of {enc.date_of_service} that may not be coded together: {pairs}.",
    )


def _decide(a: str, b: str, reason: str, enc: EncounterRecord) -> tuple[str | None, str, str]:
    """(the code to keep or None, the deciding note, the advice) for one pair."""
    reason, kept_by_note = _deciding_note(a, b, reason)
    keep = _to_keep(a, b, enc.date_of_service, kept_by_note)
    if keep is None:
        return None, reason, "neither note says which to keep, keep the one the provider's documentation supports"
    if kept_by_note is None:
        return keep, reason, f"keep {keep}, the one whose description is not unspecified"
    return keep, reason, f"keep {keep}, the code the note classifies the condition to"


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return not conflicts(later)
