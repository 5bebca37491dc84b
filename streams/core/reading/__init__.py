"""The documentation reader: what an assessment or imaging report says about low back pain, and how.

`read(text, section)` returns one `Finding` per finding mention: its key (events.md), its status
(affirmed, negated, hypothetical, historical), who it is about, side, level and spinal segments, and the
sentence and section it came from. The coding rules need exactly that: rules.md counts a finding as
documented only when it is affirmed, about the patient, and in the encounter's assessment.

Pure and fast: no I/O, no clock, no models; stdlib `re` with patterns compiled at import. A cheap
prefilter skips sentences without any candidate word, and the ConText pass runs only on sentences with a
finding, so reading an assessment costs tens of microseconds.

Modules, top-down: `sentences` (splitting, section headers), `lexicon` (what is looked for, and the
decisions behind it), `context` (status and experiencer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from streams.core.reading.context import Trigger, status_at, triggers
from streams.core.reading.lexicon import (
    DURATIONS,
    FINDINGS,
    HERNIATION_WORD,
    MODIC_TYPE,
    MODIFIERS,
    NON_SPINAL_STENOSIS,
    NUMBERS,
    SYMPTOM,
    UNIT_WEEKS,
    VERTEBRAL_LINK,
)
from streams.core.reading.sentences import split

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


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding mention, with what the sentence says about it."""

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


# Any word a finding, a duration or a link could start from; sentences without one are skipped.
_PREFILTER = re.compile(
    r"radicul|sciati|ischialg|back|lumb|lbp|dis[ck]|ddd|hnp|herniat|protru|extru|prolaps|modic|plate|spondyl"
    r"|facet|stenos|stenotic|foramin|fractur|\bfx\b|myofascial|sacroil|\bs\.?i\.?\b|acute|chronic|desiccat"
    r"|dessicat|vertebr|\b(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")
# Between a finding and a side/level word: a comma, clause break or conjunction means they are unrelated.
_GAP_BREAK = re.compile(r"[,;:.()]|\b(?:and|or|with|but|without|however|which|while|than|secondary|due)\b", re.I)
# Between a finding and a segment list only a clause break separates them ("herniation at L4-5, L5-S1").
_SEG_BREAK = re.compile(r"[;:.()]|\b(?:and|with|but|however|which|while)\b", re.I)
_SEG_JOIN = re.compile(r"\s*(?:,|&|/|and|,\s*and|or)?\s*", re.I)
_ROMAN = {"1": 1, "2": 2, "3": 3, "i": 1, "ii": 2, "iii": 3}
_SEGMENT_MAX = {"C": 8, "T": 12, "L": 6, "S": 5}
_SIDE_AFTER = frozenset({"radiculopathy", "sciatica", "sacroiliac_dysfunction", "disc_herniation", "stenosis"})
_NO_MODIFIERS = frozenset({"duration_acute", "duration_subacute", "duration_chronic", "vertebral_link"})
_WINDOW_WORDS = 6

Modifier = tuple[str, str, int, int]  # (kind, value, start, end)


def duration_key(weeks: float) -> str:
    """Acute under 6 weeks, subacute 6 to 12 weeks, chronic over 12 weeks (3 months = 13 weeks)."""
    if weeks < 6:
        return "duration_acute"
    if weeks <= 12:
        return "duration_subacute"
    return "duration_chronic"


def _weeks(num: str | None, unit: str) -> float:
    """A time span in weeks; no number means one ("for the past year"), or three when plural ("for years")."""
    u = unit.lower()
    key = "m" if u.startswith("mo") else u[0]
    if num is None:
        n = 3.0 if u.endswith("s") and u not in ("mos",) else 1.0
    else:
        word = _WS.sub(" ", num.lower()).replace(" of", "").split(" ")[-1]
        n = NUMBERS.get(word, 0.0) if not word[0].isdigit() else float(word)
    return n * UNIT_WEEKS[key]


def _modifiers(sentence: str) -> list[Modifier]:
    """Sides, level words and segment lists of a sentence, in order; adjacent segments merged."""
    out: list[Modifier] = []
    segs: list[tuple[str, int, int]] = []
    for m in MODIFIERS.finditer(sentence):
        kind = m.lastgroup
        if kind in ("left", "right", "bilateral"):
            out.append(("side", kind, m.start(), m.end()))
        elif kind == "level":
            word = m.group("level").lower()
            out.append(("level", "sacral" if word == "sacrum" else word, m.start(), m.end()))
        else:
            seg = _segment(m)
            if seg is not None:
                segs.append((seg, m.start(), m.end()))
    # Merge "L3-4, L4-5 and L5-S1" into one list.
    i = 0
    while i < len(segs):
        values = [segs[i][0]]
        start, end = segs[i][1], segs[i][2]
        j = i + 1
        while j < len(segs) and _SEG_JOIN.fullmatch(sentence, end, segs[j][1]):
            values.append(segs[j][0])
            end = segs[j][2]
            j += 1
        out.append(("levels", "|".join(values), start, end))
        i = j
    out.sort(key=lambda x: x[2])
    return out


def _segment(m: re.Match[str]) -> str | None:
    """Normalized segment from a MODIFIERS match: "L4-5" -> "L4-L5", "L5-S1", "S1"; None if not a vertebra."""
    seg, n1 = m.group("seg"), int(m.group("n1"))
    if not 1 <= n1 <= _SEGMENT_MAX[seg]:
        return None
    n2 = m.group("n2")
    if n2 is None:
        return f"{seg}{n1}"
    seg2 = m.group("seg2") or seg
    if not 1 <= int(n2) <= _SEGMENT_MAX[seg2]:
        return f"{seg}{n1}"
    return f"{seg}{n1}-{seg2}{int(n2)}"


def _level_from(levels: tuple[str, ...]) -> str | None:
    """Region from segments: any sacral segment with a lumbar one -> lumbosacral, T12-L1 -> thoracolumbar."""
    letters = {ch for lv in levels for ch in lv if ch in "CTLS"}
    if not letters:
        return None
    if letters == {"L"}:
        return "lumbar"
    if letters <= {"L", "S"}:
        return "lumbosacral"
    if letters == {"T", "L"}:
        return "thoracolumbar"
    if letters == {"T"}:
        return "thoracic"
    if letters == {"C"}:
        return "cervical"
    if letters == {"C", "T"}:
        return "cervicothoracic"
    if letters == {"S"}:
        return "sacral"
    return None


def _near(sentence: str, mods: list[Modifier], kind: str, start: int, end: int, after: bool) -> Modifier | None:
    """The modifier of `kind` nearest before the finding (else after, if allowed) within the same phrase."""
    brk = _SEG_BREAK if kind == "levels" else _GAP_BREAK
    best: Modifier | None = None
    for mod in mods:
        if mod[0] != kind:
            continue
        if mod[3] <= start:
            gap = sentence[mod[3] : start]
            if gap.count(" ") <= _WINDOW_WORDS and not brk.search(gap):
                best = mod  # keep the nearest preceding one
        elif after and mod[2] >= end and best is None:
            gap = sentence[end : mod[2]]
            if gap.count(" ") <= _WINDOW_WORDS and not brk.search(gap):
                return mod
            break
    return best


def _make(
    key: str,
    start: int,
    end: int,
    sentence: str,
    section: str,
    family: bool,
    trig: list[Trigger],
    mods: list[Modifier],
    modic_type: int | None = None,
) -> Finding:
    status, experiencer = status_at(sentence, trig, start, end)
    if family:
        experiencer = "other"
    side = level = None
    levels: tuple[str, ...] = ()
    if key not in _NO_MODIFIERS and mods:
        found = _near(sentence, mods, "side", start, end, key in _SIDE_AFTER)
        side = found[1] if found else None
        found = _near(sentence, mods, "level", start, end, True)
        level = found[1] if found else None
        found = _near(sentence, mods, "levels", start, end, True)
        levels = tuple(found[1].split("|")) if found else ()
        if level is None and levels:
            level = _level_from(levels)
    return Finding(key, status, sentence, section, experiencer, side, level, levels, modic_type)


def _read_sentence(sentence: str, section: str, family: bool, out: dict[Finding, None]) -> None:
    """Add the findings of one sentence to `out` (insertion-ordered, duplicates dropped)."""
    hits: list[tuple[str, int, int, int | None]] = []
    for m in FINDINGS.finditer(sentence):
        key = m.lastgroup
        if key is None:
            continue
        if key == "stenosis" and NON_SPINAL_STENOSIS.search(sentence, max(0, m.start() - 30), m.start()):
            continue
        if key == "modic_change":
            types = sorted({_ROMAN[t.lower()] for t in MODIC_TYPE.findall(m.group())})
            for t in types or [None]:
                hits.append((key, m.start(), m.end(), t))
            continue
        hits.append((key, m.start(), m.end(), None))
        if key == "disc_degeneration" and HERNIATION_WORD.search(m.group()):
            hits.append(("disc_herniation", m.start(), m.end(), None))
    symptom: bool | None = None
    for m in DURATIONS.finditer(sentence):
        adj = m.group("adj")
        if adj is not None:
            a = adj.lower().replace("-", "")
            hits.append((f"duration_{a}", m.start(), m.end(), None))
            continue
        if symptom is None:
            symptom = SYMPTOM.search(sentence) is not None
        if not symptom:
            continue
        if m.group("unit") is not None:
            weeks = _weeks(m.group("num"), m.group("unit"))
        elif m.group("unit2") is not None:
            weeks = _weeks(m.group("num2"), m.group("unit2"))
        else:
            weeks = _weeks(m.group("num3"), m.group("unit3"))
        if weeks > 0:
            hits.append((duration_key(weeks), m.start(), m.end(), None))
    if section != "imaging":
        for m in VERTEBRAL_LINK.finditer(sentence):
            at = "at" if m.group("at") else ("at2" if m.group("at2") else "at3")
            hits.append(("vertebral_link", m.start(at), m.end(at), None))
    if not hits:
        return
    hits.sort(key=lambda h: h[1])
    trig = triggers(sentence)
    mods = _modifiers(sentence)
    for key, start, end, modic_type in hits:
        out[_make(key, start, end, sentence, section, family, trig, mods, modic_type)] = None


def read(text: str, section: str = "assessment") -> list[Finding]:
    """Findings in `text`, in text order. `section` applies until the first ALL-CAPS header.

    Callers pass "assessment" for an encounter's assessment text and "imaging" for an imaging report;
    headers inside the text switch sections (see sentences.section_for_header).
    """
    if not text or _PREFILTER.search(text) is None:
        return []
    out: dict[Finding, None] = {}
    for sent in split(text, section):
        raw = text[sent.start : sent.end]
        if _PREFILTER.search(raw) is None:
            continue
        sentence = _WS.sub(" ", raw) if ("  " in raw or "\n" in raw or "\t" in raw) else raw
        _read_sentence(sentence, sent.section, sent.family, out)
    return list(out)
