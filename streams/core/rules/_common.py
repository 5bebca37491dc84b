"""Small pieces several rules share: code validity on a date, evidence records, message fragments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from streams.core import codes
from streams.core.alerts import Evidence
from streams.core.chart import Chart, is_lbp, normalized
from streams.core.reading import context
from streams.core.state import EncounterRecord, Noted

# (code as sent, fiscal year) pairs whose answer is None: that answer reads the date's fiscal year only
_NOTHING_TO_SAY: set[tuple[str, int]] = set()
_NOTHING_MAX = 65536


def not_billable(raw: str, on: date) -> codes.CodeStatus | None:
    """The code's status if it existed in some fiscal year but is not billable on `on`; None if it is
    billable, malformed, never existed, or the date is outside the reference data (no guess)."""
    key = (raw, codes.year_in_force(on))
    if key in _NOTHING_TO_SAY:
        return None
    status = _not_billable(raw, on)
    if status is None and type(raw) is str:
        if len(_NOTHING_TO_SAY) >= _NOTHING_MAX:
            _NOTHING_TO_SAY.clear()
        _NOTHING_TO_SAY.add(key)
    return status


def _not_billable(raw: str, on: date) -> codes.CodeStatus | None:
    code = normalized(raw)
    if code is None:
        return None
    idx = codes.index()
    try:
        # the usual answer (billable, or never a code) without building the full status
        if idx.is_billable(code, on) or not idx.ever_existed(code):
            return None
        return idx.status(code, on)
    except codes.NotCovered:
        return None


def replacements(chart: Chart, status: codes.CodeStatus, others: Sequence[str] = ()) -> tuple[str, ...]:
    """The valid children of a retired code, the one the documentation supports first: for the LBP family
    what the assessments document (Chart.supported_lbp_groups), for other codes (M51.36-) the child the
    patient's signed encounters are coded with, latest first, else for disc degeneration (M51.36-) the child
    the latest assessment documenting it supports (disc_pain_wording). Children that an Excludes1 note forbids beside
    the claim's or request's other codes (`others`: M54.5's children beside M51.26) go last. For a code not
    yet in the code set on that date (M54.50 before 2021-10-01), the code in force then: its nearest
    billable parent (M54.5)."""
    children = list(status.billable_descendants)
    if not children and not status.exists and any(fy > status.fiscal_year for fy in status.present_years):
        return _parent_in_force(status.code, status.on)
    if any(is_lbp(c) for c in children):
        supported = [c for group in chart.supported_lbp_groups(status.on) for c in group if c in children]
    else:
        on_file = (c for e in reversed(chart.state.encounters) if e.date_of_service <= status.on for c in e.codes)
        supported = list(dict.fromkeys(c for c in on_file if c in children)) or _disc_children(chart, status)
    children = supported + [c for c in children if c not in supported]
    if others:
        children.sort(key=lambda c: excluded_beside(c, others) is not None)  # stable: the order above stays
    return tuple(children)


def affirmed(word: re.Pattern[str], sentence: str) -> bool:
    """The sentence affirms the word of the patient, read by the reader's own ConText triggers: "without
    neurogenic claudication", "possibly discogenic", "her mother's claudication" are not affirmed."""
    low = sentence.lower()
    said = word.search(low)
    if said is None:
        return False
    status, experiencer = context.status_at(low, context.triggers(low), said.start(), said.end())
    return status == "affirmed" and experiencer == "patient"


# "discogenic pain" as the provider's own diagnosis: the adjective on the pain, not "non-discogenic",
# "discogenic or facetogenic pain", "appears discogenic"
_DISCOGENIC_PAIN = re.compile(
    r"(?<!non-)(?<!non )\bdiscogenic\s+(?:(?:chronic|acute|axial|mechanical)\s+)?(?:(?:low(?:er)?\s+)?back|lumbar"
    r"|lumbosacral)?\s*pain\b"
)
# what the reader reads as affirmed but a causal diagnosis cannot rest on: "consistent with", "c/w" and
# "compatible with" (uncertain in outpatient coding, guideline IV.H), a test "to confirm" it, the patient's
# own words ("she describes as")
_DISCOGENIC_HEDGE = re.compile(
    r"\b(?:consistent\s+with|compatible\s+with|c/w|confirm|describes?\s+(?:it\s+)?as|called|calls\s+it)\s+(?:an?\s+)?$"
)
_DISCOGENIC_DENIED = re.compile(r"\s+(?:is|was|are)\s+not\b")
_NECK = re.compile(r"\b(?:cervical|thoracic|neck|c\d)\b")
# the official descriptions of disc degeneration's children since FY2025 (M51.36-, M51.37-), by what the
# assessment documents: (the provider calls the back pain discogenic, sciatica) -> words of the description
_DISC_PAIN = {
    (True, True): "with discogenic back pain and lower extremity pain",
    (True, False): "with discogenic back pain only",
    (False, True): "with lower extremity pain only",
    (False, False): "without mention of",
}


def disc_pain_wording(enc: EncounterRecord) -> str:
    """Which child of lumbar disc degeneration the visit's assessment supports, as words of its description.

    "With discogenic back pain" is a causal link the provider must state: "discogenic pain" (or "discogenic
    low back pain"), affirmed, in the very sentence that documents the disc degeneration, and naming no neck
    or upper back ("Discogenic low back pain from L4-5 DDD"). Not "possibly discogenic", "non-discogenic",
    "consistent with discogenic pain", "discogenic pain is not the generator", "discogenic or facetogenic",
    nor "discogenic low back pain from the annular tear. Mild DDD at L2-3": coders may not infer the link.
    Leg pain is documented sciatica."""
    discogenic = any(n.key == "disc_degeneration" and _discogenic_pain(n.sentence.lower()) for n in enc.noted)
    return _DISC_PAIN[(discogenic, enc.documents("sciatica") is not None)]


def _discogenic_pain(low: str) -> bool:
    said = _DISCOGENIC_PAIN.search(low)
    if said is None or _NECK.search(low) is not None:
        return False
    if _DISCOGENIC_HEDGE.search(low, max(0, said.start() - 30), said.start()):
        return False
    if _DISCOGENIC_DENIED.match(low, said.end()):
        return False
    return affirmed(_DISCOGENIC_PAIN, low)


def _disc_children(chart: Chart, status: codes.CodeStatus) -> list[str]:
    """The children of a retired disc degeneration code (M51.36 from FY2025) that the latest assessment on or
    before the date documenting disc degeneration supports; none for other codes."""
    if not status.code.startswith("M51.3"):
        return []
    enc = next(
        (
            e
            for e in reversed(chart.state.encounters)
            if e.date_of_service <= status.on and e.documents("disc_degeneration")
        ),
        None,
    )
    if enc is None:
        return []
    want, idx = disc_pain_wording(enc), codes.index()
    return [c for c in status.billable_descendants if want in (idx.description(c, status.on) or "").lower()]


def excludes(a: str, b: str) -> bool:
    """An Excludes1 note forbids a with b; a code sent malformed (kept as sent on the record) forbids nothing."""
    try:
        return codes.excludes1_conflict(a, b) is not None
    except codes.CodeShapeError:
        return False


def excluded_beside(code: str, others: Sequence[str]) -> str | None:
    """The first of `others` that an Excludes1 note forbids beside `code`; None if none does."""
    return next((other for other in others if excludes(code, other)), None)


def coded_by(replacing: Sequence[str], others: Sequence[str]) -> str | None:
    """A code among `others` that forbids every replacement: the condition is coded there already (M54.5
    beside M51.26 is 'lumbago due to disc displacement', M51.26 alone), so the retired code is removed."""
    found = [excluded_beside(c, others) for c in replacing]
    return found[0] if found and all(found) else None


def removal(status: codes.CodeStatus, coded: str, where: str) -> str:
    """The advice for a retired code whose condition another code on the claim or request already codes."""
    return f"every code under {status.code} is excluded beside {coded} on the {where} (Excludes1): remove {status.code}"


def in_force(code: str, on: date) -> str | None:
    """The code itself if billable on `on`, else the code in force then in its place (its nearest billable
    parent: M54.51 before 2021-10-01 is M54.5), else None (a header, a typo such as M54.5O, or a date
    outside the reference data). A suggestion must be a code the payer accepts on the date of service."""
    idx = codes.index()
    try:
        if idx.is_billable(code, on):
            return code
        found = _parent_in_force(code, on)
    except (codes.NotCovered, codes.CodeShapeError):
        return None
    return found[0] if found else None


def all_in_force(wanted: Sequence[str], on: date) -> tuple[str, ...]:
    """`wanted` as the code set of `on` has them (in_force, each once, in order); `wanted` itself when none
    is (a date outside the reference data: nothing to judge by)."""
    valid = (in_force(c, on) for c in wanted)
    return tuple(dict.fromkeys(c for c in valid if c is not None)) or tuple(wanted)


def _parent_in_force(code: str, on: date) -> tuple[str, ...]:
    idx = codes.index()
    parent = code
    while len(parent) > 3:
        parent = parent[:-1].removesuffix(".")
        if idx.is_billable(parent, on):
            return (parent,)
    return ()


def code_evidence(event_id: str, code: str, where: str) -> Evidence:
    return Evidence(event_id, "code", f"{code} on the {where}")


def finding_evidence(enc: EncounterRecord, n: Noted) -> Evidence:
    return Evidence(enc.event_id, "assessment", n.sentence)


# A radiculopathy or sciatica and the disc or spondylosis its sentence says causes it: "L5 radiculopathy
# due to L4-5 disc herniation", "L4-5 disc herniation with left L5 radiculopathy", "left sciatica due to
# L5-S1 disc herniation". Where a radiculopathy is coded apart, or sciatica is documented on its own, only
# a sentence that says so makes them one code (M51.1-, M47.2-): presuming the link from "with" alone was
# wrong for 38 of 90 changed visits in a coder's review (a radiculopathy from stenosis, spondylolisthesis
# or a tumour; an incidental disc); and never against the sentence's own word that they are not (`tied`).
_LINK = r"(?:due\s+to|secondary\s+to|from|caused\s+by|attribut\w+\s+to|related\s+to|because\s+of)"
_DISC_WORDS = r"(?:dis[ck]s?\b|discogenic|hnp|herniat\w*|protru\w*|extru\w*|ddd)"
_SPONDYLOSIS_WORDS = r"(?:spondylo(?:sis|tic)|facet\s+arthropath\w*|degenerative\s+joint\s+disease|djd)"


def _cause(root: str, words: str) -> re.Pattern[str]:
    return re.compile(
        rf"\b{root}[^.;:]{{0,40}}?\b{_LINK}\b(?:[^.;:](?!\band\b)){{0,50}}?\b{words}"
        rf"|\b{words}[^.;:]{{0,40}}?\bwith\s+(?:[a-z0-9-]+\s+){{0,3}}?{root}"
    )


RADICULOPATHY_FROM_DISC = _cause(r"radicul\w*", _DISC_WORDS)
RADICULOPATHY_FROM_SPONDYLOSIS = _cause(r"radicul\w*", _SPONDYLOSIS_WORDS)
# Sciatica from a displaced disc, stated plainly: the herniation is the link word's direct object ("left
# sciatica due to a large L5-S1 disc herniation", "her sciatica is secondary to the HNP", "right sciatica
# related to the L5-S1 HNP", problem-list style "Sciatica, right, due to L5-S1 HNP"), or the herniation "with"
# the sciatica ("L4-5 HNP with right sciatica"). A degenerated disc with leg pain has codes of its own since
# FY2025 (M51.362; M54.4 Excludes1 M51.362 too), and a bulge is not a herniation. Narrowed after a coder's
# review of a first version (133 encounters: 37 of its 74 changes wrong): a hedged or denied link, another
# cause, "from sitting", a past herniation, the level of another disc.
_HERNIATED = r"(?:herniat\w*|hnp|protrusion|extrusion|extruded\s+dis[ck]|protruding\s+dis[ck])"
_DISC_PHRASE = (
    r"(?:(?:the|a|an|his|her|known|left|right|large|small|mild|moderate|central|paracentral|foraminal|far"
    r"|lateral|posterior|posterolateral|broad-based|recurrent|lumbar|lumbosacral|l\d(?:\s*[-/]\s*[ls]?\d)?"
    r"|s1|at|dis[ck])\s+){0,6}"
)
SCIATICA_FROM_DISC = re.compile(
    r"\bsciatica(?:,\s*(?:(?:left|right|bilateral)(?:-sided|\s+side|\s+leg|\s+lower\s+extremity)?|lle|rle|ble),)?"
    r"(?:\s+is)?\s+(?:(?:due|secondary|related)\s+to|from|caused\s+by|attribut\w+\s+to|because\s+of)\s+"
    + _DISC_PHRASE
    + _HERNIATED
    + r"|\b"
    + _HERNIATED
    + r"(?:\s+(?:at\s+)?l\d(?:\s*-\s*[ls]?\d)?)?(?:\s+(?:on\s+the\s+)?(?:left|right))?"
    r"\s+with\s+(?:(?:left|right|bilateral|left-sided|right-sided|associated)\s+)?sciatica\b"
)
# a link in doubt or denied, another cause, or a past herniation, anywhere in the sentence ("maybe", "ddx
# piriformis", "cannot exclude piriformis syndrome", "working diagnosis": from a review of "related to"; "I
# think her sciatica is due to", "it appears", "patient thinks": from a review of "is due to")
_NOT_THIS_HERNIATION = re.compile(
    r"\b(?:not|doubt\w*|unlikely|rather|than|probabl\w*|likely|possibl\w*|may|might|could|suspect\w*"
    r"|presum\w*|r/o|rule\s+out|vs|versus|or|surgery|\w*discectomy|s/p|status\s+post|history|prior|ago"
    r"|recovered|since|previous\w*|incidental\w*|unrelated|resolved|maybe|working\s+diagnosis|consistent"
    r"|differential|ddx|can(?:no|')t\s+exclude|i\s+(?:believe|think)|thinks|appears|it\s+seems)\b|\?"
)
# a doubt that is the whole of what follows the link, up to the clause's end: "..., unclear.", "..., pending
# MRI to confirm." ("I believe" and "consistent" are doubts anywhere, above; a second review: the same words
# elsewhere were about something else, "pending PT evaluation", "patient reports 50% improvement", "inciting
# event unclear")
_DOUBT_AFTER = re.compile(
    r"\s*,?\s*(?:unclear|uncertain|questionable|apparently|is\s+my\s+suspicion|patient\s+reports"
    r"|per\s+(?:the\s+)?patient|(?:pending|awaiting)\s+(?:an?\s+)?(?:mri|imaging|ct|emg)(?:\s+to\s+confirm)?"
    r"|(?:mri|imaging|ct|emg)\s+ordered(?:\s+to\s+(?:evaluate|confirm))?)\s*(?:[.;]|$)"
)
_NOT_ONE = re.compile(
    r"\b(?:incidental\w*|unrelated|not\s+(?:contributing|related|the\s+cause|felt|thought|clinically)"
    r"|non-?contributory|asymptomatic|non-?compressive|resolved|non-?radicular|stenosis|spondylolisthesis"
    r"|post-?(?:op|operative|laminectomy|surgical))\b"
)


def tied(sentence: str, cause: re.Pattern[str]) -> bool:
    """The sentence says the root's trouble comes from the disc or spondylosis (`cause`), and nothing in it
    says otherwise (a stenosis named in it may be the cause instead)."""
    low = sentence.lower()
    return cause.search(low) is not None and _NOT_ONE.search(low) is None


def sciatica_from_disc(enc: EncounterRecord) -> tuple[Noted, str | None] | None:
    """The visit's sciatica, when its sentence ties it to a documented lumbar disc herniation, and the
    region of the herniation that sentence names ("L5-S1": lumbosacral, "L4-5": lumbar; None if it names
    no level), which beats a region word and any other disc of the note. ICD-10-CM codes it as M51.1-
    (M51.1 includes "sciatica due to intervertebral disc disorder"; M54.4 Excludes1 "lumbago with sciatica
    due to intervertebral disc disorder (M51.1-)"), not M54.4- beside M51.2-."""
    n = enc.documents("sciatica")
    if n is None or enc.documents("disc_herniation") is None:
        return None
    low = n.sentence.lower()
    tie = SCIATICA_FROM_DISC.search(low)
    if tie is None or _NOT_THIS_HERNIATION.search(low) is not None or _NOT_ONE.search(low) is not None:
        return None
    if _DOUBT_AFTER.match(low, tie.end()) is not None:
        return None
    level = _HERNIATION_LEVEL.search(tie.group())
    return n, (None if level is None else "lumbosacral" if "s1" in level.group() else "lumbar")


_HERNIATION_LEVEL = re.compile(r"\b(?:l5\s*-\s*s1|s1|l\d\s*-\s*l?\d)\b")
