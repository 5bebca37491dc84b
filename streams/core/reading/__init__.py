"""The documentation reader: what an assessment or imaging report says about low back pain, and how.

`read(text, section)` returns one `Finding` per finding mention: its key (events.md), its status
(affirmed, negated, hypothetical, historical), who it is about, side, level and spinal segments, and the
sentence and section it came from. The coding rules need exactly that: rules.md counts a finding as
documented only when it is affirmed, about the patient, and in the encounter's assessment.

Pure: no I/O, no clock, no models; stdlib `re` with patterns compiled at import. A text without any
candidate stem returns at once; otherwise one regex call (scan.py's fused scanner) finds findings,
durations, ConText triggers and side/level words together, and only sentences with a finding are
resolved. Per 200-600 character bench assessment (bench/bench_reading.py), about 400,000 machine
instructions: roughly 30% in that pass, 20% in sentence splitting, 30% assigning matches, segments and
vertebral links to sentences, 15% resolving status and modifiers; a bench imaging report, about 490,000
(more headers and segments). What is left is spread thin: each regex call or match costs about 1,000
instructions however little it reads, a scan that starts with a character class about 40 per character
(the segment and sentence-end passes, about 30,000 each), and each Python bytecode about 50, so an
extra pass or a cache must replace more than that to pay. Small caches are keyed by a word or phrase (a
segment, a gap between words, the words inside a finding), never by a whole text.

Modules, top-down: `sentences` (splitting, section headers), `lexicon` (what is looked for, and the
decisions behind it), `context` (status and experiencer), `scan` (the fast matching).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from streams.core.memo import Memo
from streams.core.reading.context import TRIGGER_STEMS, TRIGGERS, Trigger, punctuation_terms, status_at
from streams.core.reading.lexicon import (
    DURATION_STEMS,
    DURATIONS,
    FINDING_STEMS,
    FINDINGS,
    HERNIATION_WORD,
    LBP_LISTED_BEFORE,
    LISTED_AFTER,
    MODIC_TYPE,
    MODIFIER_STEMS,
    MODIFIER_WORDS,
    NON_SPINAL_STENOSIS,
    NON_SPINAL_STENOSIS_AFTER,
    NUMBERS,
    PREFILTER_STEMS,
    SEGMENTS,
    SYMPTOM,
    UNIT_WEEKS,
    VERTEBRAL_LINK,
    VERTEBRAL_LINK_STEMS,
    VERTEBRAL_LINK_WORDS,
    X_AFTER_PAIN,
)
from streams.core.reading.scan import Scanner, Span, stems_pattern, words
from streams.core.reading.sentences import Sentence, split

__all__ = ["Finding", "read", "FINDING_KEYS", "STATUSES", "SECTIONS", "duration_key"]

FINDING_KEYS = (
    "vertebral_link",
    "modic_change",
    "endplate_degeneration",
    "myofascial",
    "sacroiliac_dysfunction",
    "duration_acute",
    "duration_subacute",
    "duration_chronic",
    "radiculopathy",
    "sciatica",
    "disc_herniation",
    "disc_degeneration",
    "spondylosis",
    "stenosis",
    "fracture",
    "low_back_pain",
)
STATUSES = ("affirmed", "negated", "hypothetical", "historical")
SECTIONS = ("assessment", "history", "imaging", "exam", "other")


class Finding(NamedTuple):
    """One finding mention, with what the sentence says about it.

    A named tuple rather than a frozen dataclass: the reader makes four or five per assessment, and a
    frozen dataclass's __init__ (one object.__setattr__ per field) cost about 1 microsecond each, a tuple
    0.15. Immutable, hashable and compared field by field, as before (now also equal to a plain tuple of
    the same fields).
    """

    finding: str
    status: str
    sentence: str
    section: str
    experiencer: str = "patient"
    side: str | None = None
    level: str | None = None
    levels: tuple[str, ...] = ()
    modic_type: int | None = None

    def documented(self) -> bool:
        """Affirmed and about the patient: what rules.md calls documented (callers check the section)."""
        return self.status == "affirmed" and self.experiencer == "patient"

    def to_json(self) -> dict[str, Any]:
        """The `read` command's output object (events.md), with section/experiencer/levels added."""
        out: dict[str, Any] = {"finding": self.finding, "status": self.status}
        if self.side is not None:
            out["side"] = self.side
        if self.level is not None:
            out["level"] = self.level
        if self.levels:
            out["levels"] = list(self.levels)
        if self.modic_type is not None:
            out["type"] = self.modic_type
        out["sentence"] = self.sentence
        out["section"] = self.section
        if self.experiencer != "patient":
            out["experiencer"] = self.experiencer
        return out


# One pass finds findings, durations, ConText triggers and side/level words in the lowercased,
# whitespace-normalized text (scan.py); at one position the earlier family wins, so "for the past 3 weeks"
# is a duration rather than the pseudo-trigger "for the past". Vertebral links span other findings and
# get their own pass, only when a link word is in the text.
_MAIN = Scanner(
    re.compile(
        "(?:"
        + FINDINGS.pattern
        + ")|(?:"
        + DURATIONS.pattern
        + ")|(?:"
        + TRIGGERS.pattern
        + ")|(?:"
        + MODIFIER_WORDS.pattern
        + ")"
    ),
    (*FINDING_STEMS, *DURATION_STEMS, *TRIGGER_STEMS, *MODIFIER_STEMS),
)
# the group names of DURATIONS and MODIFIER_WORDS that _collect hands on (_ACTIONS)
_DURATION_KINDS = ("adj", "unit", "unit2", "unit3", "recent", "adj2", "unit4")
_MODIFIER_KINDS = ("left", "right", "bilateral", "level")
_MODIFIER_WORDS = Scanner(MODIFIER_WORDS, MODIFIER_STEMS)
_MODIFIER_HINT = stems_pattern(words("left right bilateral both lumb thorac cervic sacr"))
_LINKS = Scanner(VERTEBRAL_LINK, VERTEBRAL_LINK_STEMS)


def _has_link_hint(low: str) -> bool:
    """Whether a vertebral link may be in the text: every match has "vertebrogenic" or an end plate, Modic
    or vertebral-body word, and one of VERTEBRAL_LINK_WORDS (substring tests: one regex search for all of
    them tries most letters of the text and cost more than the tests). Half the
    benchmark assessments that name endplates or Modic changes tie nothing to them; the link pass would
    cost about 8 microseconds on each."""
    if "plate" in low or "modic" in low or "vertebr" in low:
        return any(word in low for word in VERTEBRAL_LINK_WORDS)
    return False


# Which alternatives of VERTEBRAL_LINK a stretch of text may hold, by words every match of each holds
# (substring tests): "vertebrogenic"; a pain word, a link word (`at2`) and an end plate, Modic or
# vertebral-body word; or such a word, a cause word (`at3`, `at4`) and a pain word.
_PAIN_WORDS = ("pain", "lbp", "lumbago", "symptom")
_LINKED_WORDS = ("plate", "modic", "vertebr")
_AT2_WORDS = ("secondary", "due", "attribut", "related", "caus", "arising", "origin", "stemming", "coming", "from")
_AT2_WORDS += ("generat",)
_AT3_WORDS = ("source", "caus", "generat", "etiology", "origin", "explain", "account", "responsible", "producing")
# A scanner per set of alternatives that may match: its stems start only those alternatives, so the
# others are never tried (where they are left out, they match nowhere).
_LINKS_FOR = {
    (False, False): Scanner(VERTEBRAL_LINK, ("vertebrogenic",)),
    (True, False): Scanner(VERTEBRAL_LINK, ("vertebrogenic", *_PAIN_WORDS)),
    (False, True): Scanner(VERTEBRAL_LINK, ("vertebr", "end", "modic")),
    (True, True): _LINKS,
}


def _link_spans(low: str) -> list[Span]:
    """What `_LINKS.spans` finds in the whole text, found stretch by stretch.

    No link match holds a "." or ";" (its gaps are [^.;\n], its words letters and spaces), so the pass over
    the whole text finds exactly what passes over the stretches between those marks find. A stretch is
    scanned only for the alternatives its words allow: a "pain" word tries the link words at up to 80
    positions after it, which cost more than the rest of reading the sentence.
    """
    out: list[Span] = []
    start = 0
    for part in low.replace(";", ".").split("."):
        end = start + len(part)
        if end - start > 12 and ("plate" in part or "modic" in part or "vertebr" in part):
            pain = "pain" in part or "lbp" in part or "lumbago" in part or "symptom" in part
            at2 = pain and any(word in part for word in _AT2_WORDS)
            at3 = pain and any(word in part for word in _AT3_WORDS)
            if at2 or at3 or "vertebrogenic" in part:
                out += _LINKS_FOR[at2, at3].spans(low, start, end)
        start = end + 1
    return out


# A text with none of these stems has no finding, duration or link.
_PREFILTER = stems_pattern(PREFILTER_STEMS)
# Runs of spaces/tabs become one space, so word distances count words and sentences print clean.
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]{2,}|[\t\r\f\v\u00a0]")
# Between a finding and a side/level word: a comma, clause break or conjunction means they are unrelated.
_GAP_BREAK = re.compile(r"[,;:.()]|\b(?:and|or|with|but|without|however|which|while|than|secondary|due)\b")
# Between a finding and a segment list only a clause break separates them ("herniation at L4-5, L5-S1").
_SEG_BREAK = re.compile(r"[;:.()]|\b(?:and|with|but|however|which|while)\b")
_SEG_JOIN = re.compile(r"\s*(?:,|&|/|and|,\s*and|or)?\s*")
_ROMAN = {"1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3}
_SEGMENT_MAX = {"C": 8, "T": 12, "L": 6, "S": 5}
_SIDE_AFTER = frozenset({"radiculopathy", "sciatica", "sacroiliac_dysfunction", "disc_herniation", "stenosis"})
_NO_MODIFIERS = frozenset({"duration_acute", "duration_subacute", "duration_chronic", "vertebral_link"})
# A side or region after a comma, as problem lists and code titles write them ("Sciatica, left side",
# "Sciatica, right greater than left", "Radiculopathy, lumbosacral region", "herniated disc, left L5-S1"):
# a comma otherwise ends the phrase a modifier may come from.
_SIDE_TAIL = re.compile(
    r",\s*(?:on\s+the\s+)?(left|right|bilateral)(?:[\s-]+(?:sided|side|lower\s+extremit(?:y|ies)|leg|buttock))?"
    r"(?:\s+(?:greater|worse|more)\s+than\s+(?:left|right))?(?:\s+[ls]\d(?:\s*-\s*[ls]?\d)?)?(?=\s*(?:[.;,)]|$))"
)
_REGION_TAIL = re.compile(r",\s*(lumbosacral|thoracolumbar|lumbar|thoracic|cervicothoracic|cervical|sacral)\s+region\b")
_WINDOW_WORDS = 6

Modifier = tuple[str, str, int, int]  # (kind, value, start, end)
Hit = tuple[str, int, int, int | None]  # (finding key, start, end, modic type)
Run = tuple[str, tuple[str, ...], int, int]  # ("levels", segments, start, end)
Mod = TypeVar("Mod", Modifier, Run)


def duration_key(weeks: float) -> str:
    """Acute under 6 weeks, subacute 6 to 12 weeks, chronic over 12 weeks (3 months = 13 weeks)."""
    if weeks < 6:
        return "duration_acute"
    if weeks <= 12:
        return "duration_subacute"
    return "duration_chronic"


_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1024)  # a few number and unit words recur; the parse is several string operations
def _weeks(num: str | None, unit: str) -> float:
    """A time span in weeks; no number means one ("for the past year"), or three when plural ("for years")."""
    key = "m" if unit.startswith("mo") else unit[0]
    if num is None:
        n = 3.0 if unit.endswith("s") and unit != "mos" else 1.0
    else:
        word = _SPACE.sub(" ", num).replace(" of", "").split(" ")[-1]
        n = float(word) if word[0].isdigit() else NUMBERS.get(word, 0.0)
    return n * UNIT_WEEKS[key]


def _segment(word: str) -> str | None:
    """Normalized segment from the text of a SEGMENTS match: "L4-5" -> "L4-L5", "L5-S1", "S1"; None if not a
    vertebra. Matched again alone: the match's groups depend on its own text only."""
    m = SEGMENTS.fullmatch(word)
    assert m is not None  # (text SEGMENTS matched)
    seg, n1 = m.group()[0], int(m.group("n1"))
    if not 1 <= n1 <= _SEGMENT_MAX[seg]:
        return None
    n2 = m.group("n2")
    if n2 is None:
        return f"{seg}{n1}"
    seg2 = m.group("seg2") or seg
    if not 1 <= int(n2) <= _SEGMENT_MAX[seg2]:
        return f"{seg}{n1}"
    return f"{seg}{n1}-{seg2}{int(n2)}"


_SEGMENTS: Memo[str, str | None] = Memo(_segment, 4096)  # the same few recur ("L4-L5", "L5-S1")


_REGIONS = {
    frozenset("TL"): "thoracolumbar",
    frozenset("T"): "thoracic",
    frozenset("C"): "cervical",
    frozenset("CT"): "cervicothoracic",
    frozenset("L"): "lumbar",
    frozenset("LS"): "lumbosacral",
    frozenset("S"): "sacral",
}


@lru_cache(maxsize=1024)  # a few segment lists recur ("L4-L5", "L5-S1")
def _level_from(levels: tuple[str, ...]) -> str | None:
    """Region from segments: any sacral segment with a lumbar one -> lumbosacral, T12-L1 -> thoracolumbar."""
    return _REGIONS.get(frozenset(ch for lv in levels for ch in lv if ch in "CTLS"))


# Level words in one list: "lumbar and cervical", "cervical, thoracic and lumbar", "lumbar/sacral".
_LEVEL_JOIN = re.compile(r"\s*(?:,|/|&)?\s*(?:(?:and|or)\s+)?")


def _region_of(low: str, level_words: list[Modifier], found: Modifier) -> str | None:
    """The region the nearest level word names, or None when that word is one of a list naming other
    regions too ("lumbar and cervical spondylosis"): mixed regions, as mixed segments are ("L4-5 and C5-6").
    Without this the nearest word alone decided, and a cervical finding is not low-back documentation."""
    if len(level_words) == 1:
        return found[1]
    i = bisect_left(level_words, found[2], key=_MOD_START)
    regions = {found[1]}
    j = i
    while j > 0 and _LEVEL_JOIN.fullmatch(low, level_words[j - 1][3], level_words[j][2]):
        j -= 1
        regions.add(level_words[j][1])
    k = i
    while k + 1 < len(level_words) and _LEVEL_JOIN.fullmatch(low, level_words[k][3], level_words[k + 1][2]):
        k += 1
        regions.add(level_words[k][1])
    return found[1] if len(regions) == 1 else None


_PHRASES_MAX = 4096  # entries per phrase memo below (short phrases between or inside findings, never texts)
# gap between a modifier and a finding (at most a few words: the same few recur) -> nothing in it ends the phrase
_GAP_UNBROKEN: Memo[str, bool] = Memo(lambda gap: _GAP_BREAK.search(gap) is None, _PHRASES_MAX)
_SEG_UNBROKEN: Memo[str, bool] = Memo(lambda gap: _SEG_BREAK.search(gap) is None, _PHRASES_MAX)


# A list of modifiers or triggers longer than this, in one sentence, is searched by position (bisect) and
# only as far as a match can still count: a sentence of thousands of findings and modifiers (a pasted list
# without full stops; the schema admits 100,000 characters) took minutes with the plain loops, which try
# every pair. Short lists, i.e. every ordinary sentence, keep the plain loops. Both give the same answer:
# tests/test_reading_long.py.
_MANY = 16
_GAP_MEMO_MAX = 200  # longer gaps are judged without being remembered (the memo's keys stay small)


def _ordered(spans: list[Mod] | list[Trigger], start_at: int) -> bool:
    """Whether the spans are in order of start and of end alike (none inside another): then a span further
    away can never be nearer at its other end, which the searches by position rely on. `start_at`: where a
    span's start is in its tuple (its end follows)."""
    end_at = start_at + 1
    return all(a[start_at] <= b[start_at] and a[end_at] <= b[end_at] for a, b in zip(spans, spans[1:], strict=False))


def _within_phrase(unbroken: Memo[str, bool], gap: str) -> bool:
    """Whether a modifier this gap away belongs to the finding: few enough words, and nothing that ends the
    phrase (`unbroken`, remembered for short gaps only)."""
    return gap.count(" ") <= _WINDOW_WORDS and (unbroken[gap] if len(gap) <= _GAP_MEMO_MAX else unbroken.compute(gap))


def _near(
    low: str, mods: list[Mod], unbroken: Memo[str, bool], start: int, end: int, after: bool, ordered: bool = False
) -> Mod | None:
    """The modifier (of one kind, in text order) inside the finding, else nearest before it (else after,
    if allowed) within the same phrase; `unbroken` says whether a gap stays within one phrase for this kind.
    `ordered` (see `_ordered`): search by position instead of trying every modifier."""
    if ordered:
        return _near_by_position(low, mods, unbroken, start, end, after)
    best: Mod | None = None
    for mod in mods:
        if mod[2] >= start and mod[3] <= end:
            return mod  # "pain in the left low back", "lumbar stenosis"
        if mod[3] <= start:
            if _within_phrase(unbroken, low[mod[3] : start]):
                best = mod  # keep the nearest preceding one
        elif after and mod[2] >= end and best is None:
            if _within_phrase(unbroken, low[end : mod[2]]):
                return mod
            break
    return best


def _near_by_position(
    low: str, mods: list[Mod], unbroken: Memo[str, bool], start: int, end: int, after: bool
) -> Mod | None:
    """`_near`'s answer for modifiers whose starts and ends are both in order.

    The loop's answer is the first modifier inside the finding (the first starting at or after its start,
    if it also ends inside); else the last one before it whose gap stays within the phrase (walking back,
    the first; once a gap holds more than the window's words, every earlier one does too); else, if
    allowed, the first one starting after the finding's end, if its gap stays within the phrase.
    """
    i = bisect_left(mods, start, key=_MOD_START)
    if i < len(mods) and mods[i][3] <= end:
        return mods[i]
    for j in range(i - 1, -1, -1):
        mod = mods[j]
        if mod[3] > start:
            continue  # overlaps the finding's start: neither inside nor before
        if low.count(" ", mod[3], start) > _WINDOW_WORDS:
            break
        if _within_phrase(unbroken, low[mod[3] : start]):
            return mod
    if not after:
        return None
    k = bisect_left(mods, end, key=_MOD_START)
    if k < len(mods) and _within_phrase(unbroken, low[end : mods[k][2]]):
        return mods[k]
    return None


def _lower(text: str) -> str:
    """Lowercase with the same length (a few characters lowercase to two; those stay as they are)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class _Bucket:
    """What one sentence holds: finding hits, triggers, and side/level modifiers kept apart by kind (the
    nearest-modifier search looks at one kind at a time)."""

    __slots__ = ("hits", "triggers", "sides", "level_words", "segs", "sorted_triggers")

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.triggers: list[Trigger] = []
        self.sides: list[Modifier] = []  # ("side", "left"|"right"|"bilateral", start, end)
        self.level_words: list[Modifier] = []  # ("level", "lumbar"|..., start, end)
        self.segs: list[tuple[str, int, int]] = []
        self.sorted_triggers = True


def _modifier(low: str, kind: str, start: int, end: int, bucket: _Bucket) -> None:
    """Record a side or level word matched by MODIFIER_WORDS (group `kind`; a level word is the whole match,
    read from the text since a fused scan reports the group's start late, scan.py)."""
    if kind == "level":
        word = low[start:end]
        bucket.level_words.append(("level", "sacral" if word == "sacrum" else word, start, end))
    else:
        bucket.sides.append(("side", kind, start, end))


@lru_cache(maxsize=1024)  # Modic phrases recur ("modic type 1 changes")
def _modic_types(phrase: str) -> tuple[int | None, ...]:
    """The Modic types a modic_change phrase names, in order, or (None,) if none (a match starts and ends
    at a word boundary, so the phrase alone reads the same as the phrase in its text)."""
    return tuple(sorted({_ROMAN[t] for t in MODIC_TYPE.findall(phrase)})) or (None,)


def _finding_hit(low: str, key: str, m_start: int, m_end: int, bucket: _Bucket) -> None:
    """Record a finding match: Modic types, the herniation inside "degenerative and protruding disc",
    side/level words inside the phrase; skip a stenosis of a vessel or valve, and a finding named only as
    the precautions a patient was taught ("educated on sciatica precautions"): teaching, not a diagnosis."""
    if low.startswith(" precautions", m_end) and _TAUGHT.search(low, max(0, m_start - 40), m_start):
        return
    if key == "stenosis" and (
        NON_SPINAL_STENOSIS.search(low, max(0, m_start - 30), m_start)
        or NON_SPINAL_STENOSIS_AFTER.match(low, m_end, m_end + 80)
    ):
        return
    if key == "modic_change":
        for t in _modic_types(low[m_start:m_end]):
            bucket.hits.append((key, m_start, m_end, t))
        return
    bucket.hits.append((key, m_start, m_end, None))
    if key == "disc_degeneration" and HERNIATION_WORD.search(low, m_start, m_end):
        bucket.hits.append(("disc_herniation", m_start, m_end, None))
    if m_end - m_start > 12:
        for kind, w_start, w_end in _PHRASE_MODIFIERS[low[m_start:m_end]]:
            _modifier(low, kind, m_start + w_start, m_start + w_end, bucket)


def _modifiers_in(phrase: str) -> tuple[tuple[str, int, int], ...]:
    """Side and level words inside a finding phrase, as (kind, start, end) from the phrase start.

    Remembered by phrase (`_PHRASE_MODIFIERS`): a finding starts and ends at a word boundary, so the phrase
    alone reads the same as the phrase in its text, and the same phrases recur ("left l5 radiculopathy").
    """
    if not _MODIFIER_HINT.search(phrase):
        return ()
    return tuple((w.lastgroup, s, e) for s, e, w in _MODIFIER_WORDS.spans(phrase, 0, len(phrase)) if w.lastgroup)


_PHRASE_MODIFIERS: Memo[str, tuple[tuple[str, int, int], ...]] = Memo(_modifiers_in, _PHRASES_MAX)


def _duration_hit(low: str, m: re.Match[str], m_start: int, m_end: int, sent: Sentence, bucket: _Bucket) -> None:
    """Record a duration: an adjective, or a time span (or a start: "since yesterday") in a sentence about
    symptoms.

    `adj` and `num2` open the match: their text runs from the span start to the group's end (a fused scan
    reports their starts late, scan.py)."""
    if m.end("adj2") != -1 or m.end("unit4") != -1:
        _listed_duration(low, m, m_start, m_end, sent, bucket)
        return
    adj_end = m.end("adj")
    if adj_end != -1:
        word = low[m_start:adj_end]
        kind = "chronic" if word.startswith("long") else word.replace("-", "")  # "longstanding" is chronic
        bucket.hits.append(("duration_" + kind, m_start, m_end, None))
        return
    if SYMPTOM.search(low, sent.start, sent.end) is None:
        return
    if m.group("unit") is not None:
        if _X_DIGIT.match(low, m_start) and X_AFTER_PAIN.search(low, max(sent.start, m_start - 30), m_start) is None:
            return  # "x2 weeks" only right after the pain ("naproxen 500 mg x14 days" is the drug's)
        weeks = _weeks(m.group("num"), m.group("unit"))
    elif m.group("unit2") is not None:
        weeks = _weeks(low[m_start : m.end("num2")], m.group("unit2"))
    elif m.group("unit3") is not None:
        weeks = _weeks(m.group("num3"), m.group("unit3"))
    else:  # `recent`: "since yesterday", "since last night", "since this morning"
        weeks = UNIT_WEEKS["d"]
    if weeks > 0:
        bucket.hits.append((duration_key(weeks), m_start, m_end, None))


_X_DIGIT = re.compile(r"x\d")
# "consistent with" / "compatible with" (context.py): uncertain before a diagnosis the provider infers
# (sciatica, radiculopathy, a vertebrogenic pain), but before what imaging shows it cites the evidence
# ("Vertebrogenic low back pain, consistent with the Modic type 1 changes at L5-S1 on MRI")
_UNCERTAIN = "hyp_preuncertain"
_SHOWN_ON_IMAGING = frozenset(
    {"modic_change", "endplate_degeneration", "disc_herniation", "disc_degeneration", "spondylosis", "stenosis"}
    | {"fracture"}
)
# What "consistent with" never puts in doubt: what imaging shows (above), a duration, and the low back pain
# itself (a symptom is coded when its cause is in doubt, guideline IV.H: "symptoms compatible with
# vertebrogenic low back pain" doubts the link only)
_NOT_HEDGED = _SHOWN_ON_IMAGING | {"duration_acute", "duration_subacute", "duration_chronic", "low_back_pain"}
# Right after the phrase, a diagnosis already established: "consistent with her known sciatica", "with his
# previously diagnosed radiculopathy", "with a flare of her sciatica", "with prior visits", "with ACOEM
# guidelines for"; and between it and the finding, a clause break or what the phrase is really about
# (found by a review of the first version: 37 of its 104 changes were such)
_ESTABLISHED_AFTER = re.compile(
    r"\s*(?:(?:his|her|their|the\s+patient'?s|known|established|previously|prior|previous|last|the\s+known"
    r"|(?:a|an|the)\s+(?:acute\s+)?(?:flare|exacerbation)\s+of|(?:the|a)\s+diagnosis\s+of)\b)"
)
_NOT_THE_FINDING = re.compile(r",|;|\b(?:for|guidelines?|restrictions?|recommendations?|plan)\b")
# "c/w" opening a clause or after "will", "to", "and" is "continue with" (a plan), not "consistent with"
_CONTINUE_BEFORE = re.compile(r"(?:^|[.:;,]\s*|\b(?:will|to|and|then|plan|please)\s+)$")
_CONFIRMED = re.compile(r"\b(?:confirmed|confirms|proven|established\s+by)\b")


def _hedges(low: str, trigger: Trigger, key: str, h_start: int, s_end: int, hits: list) -> bool:
    """Whether the sentence's "consistent with" (or "compatible with") puts this finding in doubt: only a
    diagnosis the provider infers (sciatica, radiculopathy, a vertebrogenic pain) named right after it, in
    the same clause, with no imaging finding in between, not already established, and not confirmed in the
    sentence ("exam consistent with radiculopathy, confirmed on EMG")."""
    _, t_start, t_end = trigger
    if key in _NOT_HEDGED or h_start < t_end or _ESTABLISHED_AFTER.match(low, t_end):
        return False
    if low.startswith("c/w", t_start) and _CONTINUE_BEFORE.search(low, max(0, t_start - 12), t_start):
        return False  # "C/w gabapentin", "will c/w Lyrica": continue with
    if _NOT_THE_FINDING.search(low, t_end, h_start) or _CONFIRMED.search(low, t_start, s_end):
        return False
    return not any(k in _SHOWN_ON_IMAGING and t_end <= start < h_start for k, start, _e, _m in hits)


def _listed_duration(low: str, m: re.Match[str], m_start: int, m_end: int, sent: Sentence, bucket: _Bucket) -> None:
    """A duration written after the low back's pain, problem-list style: "Low back pain, chronic.", "Low back
    pain, 6 weeks", "LBP, improving, now 4 weeks" (lexicon.LBP_LISTED_BEFORE; a time span also ends its
    list item, and "6-week" is a course's). Found by a coder's review: these asked for a stated duration."""
    before = low[max(sent.start, m_start - 60) : m_start]
    if LBP_LISTED_BEFORE.search(before) is None:
        return
    if m.end("adj2") != -1:
        word = low[m_start : m.end("adj2")].replace("-", "")
        bucket.hits.append(("duration_" + word, m_start, m_end, None))
        return
    if LISTED_AFTER.match(low, m_end) is None or "-" in low[m.end("num4") : m.start("unit4")]:
        return
    weeks = _weeks(low[m_start : m.end("num4")], m.group("unit4"))
    if weeks > 0:
        bucket.hits.append((duration_key(weeks), m_start, m_end, None))


# What the collecting pass does with a match of _MAIN, by its group name: one dict look-up per match
# instead of a chain of membership tests. Any other name is a ConText trigger.
_SKIP, _FINDING, _DURATION, _MODIFIER, _TRIGGER, _TRIGGER_AT_START = range(6)
_ACTIONS = {
    "pseudo": _SKIP,
    **dict.fromkeys(FINDING_KEYS, _FINDING),
    **dict.fromkeys(_DURATION_KINDS, _DURATION),
    **dict.fromkeys(_MODIFIER_KINDS, _MODIFIER),
    "hist_preyear": _TRIGGER_AT_START,  # "In 2006, ..." is historical only when it opens the sentence
}


def _collect(norm: str, low: str, spans: list[Span], sents: list[Sentence]) -> dict[int, _Bucket]:
    """Every match of the one pass goes to the sentence it lies in (none in headers or gaps).

    Sentences are in text order and do not overlap, so one index walks forward with the matches. A
    sentence gets a bucket as soon as it holds a match that is not a pseudo-trigger (even one that then
    records nothing); the vertebral-link pass runs only when some sentence has one.
    """
    buckets: dict[int, _Bucket] = {}
    n = len(sents)
    actions = _ACTIONS
    i = 0
    s_start, s_end = sents[0][0], sents[0][1]
    for m_start, m_end, m in spans:
        if m_start >= s_end:
            i += 1
            while i < n and m_start >= sents[i][1]:
                i += 1
            if i == n:
                break
            s_start, s_end = sents[i][0], sents[i][1]
        if m_start < s_start or m_end > s_end:
            continue
        kind = m.lastgroup
        if kind is None:
            continue
        action = actions.get(kind, _TRIGGER)
        if action == _SKIP or (action == _TRIGGER_AT_START and m_start != s_start):
            continue
        bucket = buckets.get(i)
        if bucket is None:
            bucket = buckets[i] = _Bucket()
        if action == _FINDING:
            _finding_hit(low, kind, m_start, m_end, bucket)
        elif action == _DURATION:
            _duration_hit(low, m, m_start, m_end, sents[i], bucket)
        elif action == _MODIFIER:
            _modifier(low, kind, m_start, m_end, bucket)
        elif kind != _UNCERTAIN or sents[i][2] != "imaging":  # (context.py: IV.H is not a report's)
            bucket.triggers.append((kind, m_start, m_end))
    if not buckets:
        return buckets
    if _has_link_hint(low):
        i = 0
        for _s, m_end, m in _link_spans(low):
            while i < n and _s >= sents[i][1]:
                i += 1
            if i == n:
                break
            if _s < sents[i][0] or m_end > sents[i][1] or sents[i][2] == "imaging":
                continue
            b = buckets.get(i)
            if b is None:
                b = buckets[i] = _Bucket()
            if m.end("at") != -1:  # "vertebrogenic" opens the match (its reported start is late, scan.py)
                b.hits.append(("vertebral_link", _s, m.end("at"), None))
            else:
                at = m.lastgroup or "at2"  # at2, at3 or at4 (each alternative's only group), the link's place
                b.hits.append(("vertebral_link", m.start(at), m.end(at), None))
                # "pain not due to Modic changes": the pseudo-trigger that keeps "not" off the pain also
                # kept it off the link; here it negates the link (and what follows, as a "no" would)
                if at == "at2" and (neg := _NOT_BEFORE.search(low, max(sents[i][0], m.start(at) - 24), m.start(at))):
                    b.triggers.append(("neg_pre", neg.start(), neg.end()))
                    b.sorted_triggers = False
                # "pain likely due to Modic changes", "Modic changes are the likely pain generator": a hedged
                # link is not documentation (guideline IV.H), though the hedge stands inside the link's words
                if hedge := _HEDGE_BEFORE.search(low, max(sents[i][0], m.start(at) - 30), m.start(at)):
                    b.triggers.append(("hyp_pre", hedge.start(), hedge.end()))
                    b.sorted_triggers = False
            b.hits.sort(key=_START)
    # Segments and single-letter sides need the original case; ";" and ":" end ConText scopes.
    i = 0
    segments = _SEGMENTS
    for m in SEGMENTS.finditer(norm):
        pos = m.start()
        while i < n and pos >= sents[i][1]:
            i += 1
        if i == n:
            break
        b = buckets.get(i)
        if b is None or pos < sents[i][0]:
            continue
        word = m.group()
        if len(word) == 1:  # "L" or "R" (a segment has a number)
            b.sides.append(("side", "left" if word == "L" else "right", pos, m.end()))
            continue
        if word[-1] in "LR":  # "L > R": both sides (a segment ends with its number)
            b.sides.append(("side", "bilateral", pos, m.end()))
            continue
        seg = segments[word]
        if seg is not None:
            b.segs.append((seg, pos, m.end()))
    # ";" and ":" end scopes, as context.triggers finds them
    if ";" in low or ":" in low:
        for i, b in buckets.items():
            marks = punctuation_terms(low, b.triggers, sents[i][0], sents[i][1])
            if marks:
                b.triggers += marks
                b.sorted_triggers = False
    return buckets


# "not" (or "not clearly") right before a link word: "not due to", "not related to", "not secondary to"
_NOT_BEFORE = re.compile(r"\bnot\s+(?:clearly\s+|necessarily\s+|really\s+|directly\s+)?$")
# what a patient is taught, just before the finding of "educated on sciatica precautions"; "sciatica
# precautions given", "L1 compression fracture precautions: no bending" and "right sciatica precautions
# discussed and naproxen prescribed" may well be the visit's diagnosis, so they stay findings
_TAUGHT = re.compile(
    r"\b(?:educated|instructed|counsell?ed|education|teaching|taught)\s+(?:(?:on|about|regarding|in|re)\s+)?"
    r"(?:(?:the|his|her|their)\s+)?$"
)
# a hedge right before a link word ("likely due to", "may be related to", "the probable source of")
_HEDGE_BEFORE = re.compile(
    r"\b(?:likely|probably|probable|possibly|possible|presumably|perhaps|suspected|may|might|could)"
    r"(?:\s+(?:be|have\s+been|the|a|an))?\s+$"
)
_START = itemgetter(1)
_MOD_START = itemgetter(2)
_new_finding = tuple.__new__  # Finding(...) without the Python-level NamedTuple constructor


# Findings of a structure at a segment (a disc, its joints, its canal): "lumbar disc herniation at L5-S1" is
# the lumbosacral disc (ICD-10-CM codes it M51.17, not M51.16), the segment naming the site the region word
# only approximates. Not a root's radiculopathy or sciatica (the run may be a neighbouring disc's), nor imaging
# findings (the rules ask only whether they lie in the lower spine).
_AT_THE_JUNCTION = frozenset({"disc_herniation", "disc_degeneration", "spondylosis", "stenosis"})
# between the finding and its segment: "at L5-S1", ", L5-S1", "of the L5-S1 level", ", left L5-S1", "of the
# lumbar spine at L5-S1"
_JUNCTION_AFTER = re.compile(
    r"\s*(?:of\s+the\s+lumbar\s+spine\s*)?[,-]?\s*(?:(?:at|of|in|involving)\s+(?:the\s+)?(?:level\s+(?:of\s+)?)?)?"
    r"(?:(?:left|right|bilateral)\s+)?"
)
# what may follow the segment: the sentence's end, a clause, or what the finding does there; not another
# condition of the segment ("lumbar stenosis, L5-S1 spondylolisthesis", "L5-S1 fused") nor a statement
# about it ("lumbar stenosis, L5-S1 is solidly fused", "lumbar DDD, L5-S1 and SI joints unremarkable")
_JUNCTION_NEXT = re.compile(
    r"\s*(?:levels?\b\s*)?(?:$|[.;,:)]|(?:with|without|causing|resulting|contacting|compressing|impinging"
    r"|abutting|on\s+the|seen|noted|per)\b)"
)
# several levels meant without naming them ("L5-S1 most severe", "worst at", "through L3-4", "and
# elsewhere"); a named one is the other-level check's ("L5-S1 > L4-5"), and a side's "right > left" no level
_MULTILEVEL = re.compile(
    r"\b(?:multi-?level|multiple|levels|most|worst|predominant\w*|primarily|mainly|chiefly|especially"
    r"|particularly|elsewhere|other|others|among|through|thru|extending|versus|vs|also|as\s+well)\b|\bto\s+l\d"
)


def _at_the_junction(
    low: str, run: Run, segs: list[tuple[str, int, int]], s_start: int, s_end: int, h_start: int, h_end: int
) -> bool:
    """Whether a "lumbar" finding's own segments are L5-S1 alone, stated right beside it ("L5-S1 lumbar disc
    herniation", "lumbar disc herniation at L5-S1"), in a sentence that names no other disc level and no
    several levels (then its region is the lumbar spine, L5-S1 one level of it or the worst). A helper's
    review of a first version (181 sentences) found it wrong for 40 of its 102 changes, nearly all
    multilevel findings joined in other words ("at L5-S1 and at L4-5", "L5-S1 worse than L4-5")."""
    if any(seg != "L5-S1" for seg in run[1]):
        return False
    # another lower-spine disc level anywhere in the sentence (a root, "S1 radiculopathy", is no disc level;
    # L5-S1 named again, "ESI at L5-S1", is the same one; a cervical one is another region's)
    if any("-" in seg and seg != "L5-S1" and seg[0] != "C" for seg, _s, _e in segs):
        return False
    if _MULTILEVEL.search(low, s_start, s_end) is not None:
        return False
    if run[2] >= h_end:
        return _JUNCTION_AFTER.fullmatch(low, h_end, run[2]) is not None and (
            run[3] >= s_end or _JUNCTION_NEXT.match(low, run[3]) is not None
        )
    return run[3] <= h_start and (low[run[3] : h_start].strip() in ("", "lumbar"))


def _segment_runs(low: str, segs: list[tuple[str, int, int]]) -> list[Run]:
    """Segment runs merged ("L3-4, L4-5 and L5-S1" is one list), in text order."""
    runs: list[Run] = []
    i = 0
    while i < len(segs):
        values = [segs[i][0]]
        s, e = segs[i][1], segs[i][2]
        j = i + 1
        while j < len(segs) and _SEG_JOIN.fullmatch(low, e, segs[j][1]):
            values.append(segs[j][0])
            e = segs[j][2]
            j += 1
        runs.append(("levels", tuple(values), s, e))
        i = j
    return runs


def read(text: str, section: str = "assessment") -> list[Finding]:
    """Findings in `text`, in text order. `section` applies until the first ALL-CAPS header.

    Callers pass "assessment" for an encounter's assessment text and "imaging" for an imaging report;
    headers inside the text switch sections (see sentences.section_for_header).
    """
    if not text:
        return []
    if "  " in text or "\t" in text or "\r" in text or "\u00a0" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    low = _lower(text)
    if _PREFILTER.search(low) is None:
        return []
    # The pass comes first: a text without any match needs no sentences.
    spans = _MAIN.spans(low, 0, len(low))
    if not spans:
        return []
    sents = split(text, section)
    if not sents:
        return []
    buckets = _collect(text, low, spans, sents)
    seen: set[Finding] = set()
    out: list[Finding] = []
    for i in sorted(buckets):
        bucket = buckets[i]
        if not bucket.hits:
            continue
        s_start, s_end, sent_section, family = sents[i]
        sentence = text[s_start:s_end]
        trig = bucket.triggers
        if not bucket.sorted_triggers:
            trig.sort(key=_START)
        # Each kind in text order, as the one sorted list of all modifiers had them. Level words already
        # are (the pass is in order, words inside a finding lie between it and its neighbours); single-letter
        # sides come from a later pass over the original case.
        sides, level_words = bucket.sides, bucket.level_words
        if len(sides) > 1:
            sides.sort(key=_MOD_START)
        runs = _segment_runs(low, bucket.segs) if bucket.segs else []
        has_mods = bool(sides or level_words or runs)
        # Long lists are searched by position (each one's order checked once here); short ones by the loops.
        trig_ordered = len(trig) > _MANY and _ordered(trig, 1)
        sides_ordered = len(sides) > _MANY and _ordered(sides, 2)
        levels_ordered = len(level_words) > _MANY and _ordered(level_words, 2)
        runs_ordered = len(runs) > _MANY and _ordered(runs, 2)
        for key, h_start, h_end, modic_type in bucket.hits:
            status, experiencer = (
                status_at(low, trig, h_start, h_end, trig_ordered) if trig else ("affirmed", "patient")
            )
            if status == "hypothetical" and any(t[0] == _UNCERTAIN for t in trig):
                kept = [t for t in trig if t[0] != _UNCERTAIN or _hedges(low, t, key, h_start, s_end, bucket.hits)]
                if len(kept) < len(trig):
                    status, experiencer = status_at(low, kept, h_start, h_end) if kept else ("affirmed", "patient")
            if family:
                experiencer = "other"
            side = level = None
            levels: tuple[str, ...] = ()
            if has_mods and key not in _NO_MODIFIERS:
                if sides:
                    found = _near(low, sides, _GAP_UNBROKEN, h_start, h_end, key in _SIDE_AFTER, sides_ordered)
                    side = found[1] if found else None
                if side is None and key in _SIDE_AFTER and low.startswith(",", h_end):
                    tail = _SIDE_TAIL.match(low, h_end)
                    if tail is not None:
                        side = "bilateral" if " than " in tail.group() else tail.group(1)
                if level_words:
                    found = _near(low, level_words, _GAP_UNBROKEN, h_start, h_end, True, levels_ordered)
                    level = _region_of(low, level_words, found) if found else None
                if runs:
                    found = _near(low, runs, _SEG_UNBROKEN, h_start, h_end, True, runs_ordered)
                    levels = found[1] if found else ()
                    if (
                        level == "lumbar"
                        and found
                        and key in _AT_THE_JUNCTION
                        and _at_the_junction(low, found, bucket.segs, s_start, s_end, h_start, h_end)
                    ):
                        level = "lumbosacral"
                if level is None and levels:
                    level = _level_from(levels)
            if level is None and key not in _NO_MODIFIERS and low.startswith(",", h_end):
                region = _REGION_TAIL.match(low, h_end)
                level = region.group(1) if region is not None else None
            # Repeats collapse to the first, as Finding equality would (it compares exactly these fields).
            finding = _new_finding(
                Finding, (key, status, sentence, sent_section, experiencer, side, level, levels, modic_type)
            )
            if finding not in seen:
                seen.add(finding)
                out.append(finding)
    return out
