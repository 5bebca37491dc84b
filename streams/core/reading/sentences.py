"""Sentence and section splitting for clinical text.

Clinical notes break the usual sentence rules: abbreviations end in a period ("Dr.", "b.i.d.", "e.g."),
spinal segments carry hyphens and digits ("L4-5", "L5-S1"), problem lists are numbered
("1. Low back pain. 2. Lumbar radiculopathy."), and ALL-CAPS headers ("ASSESSMENT:", "FINDINGS:") switch
what a sentence means for coding: the same words count as documentation in an assessment and do not in an
imaging report. So the splitter returns, for each sentence, its span in the text, its section and whether
it sits under a family-history header (then every finding in it is about someone else).

Pure: stdlib `re` only, patterns compiled once at import.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from streams.core.memo import Memo

__all__ = ["Sentence", "split", "section_for_header"]


class Sentence(NamedTuple):
    """One sentence: [start, end) in the source text, its section, and family-history flag."""

    start: int
    end: int
    section: str
    family: bool


# Header -> section. Keys are upper-cased header names with single spaces. "IMPRESSION"/"FINDINGS" are
# resolved by the caller's default (a visit's impression is its assessment; a report's is imaging).
_ASSESSMENT = "assessment"
_HISTORY = "history"
_IMAGING = "imaging"
_EXAM = "exam"
_OTHER = "other"

_HEADER_SECTIONS: dict[str, str] = {}
for _name in (
    "ASSESSMENT",
    "ASSESSMENT AND PLAN",
    "ASSESSMENT/PLAN",
    "A/P",
    "PLAN",
    "DIAGNOSIS",
    "DIAGNOSES",
    "DIAGNOSES AT DISCHARGE",
    "DISCHARGE DIAGNOSIS",
    "DISCHARGE DIAGNOSES",
    "FINAL DIAGNOSIS",
    "FINAL DIAGNOSES",
    "ADMITTING DIAGNOSIS",
    "ADMISSION DIAGNOSIS",
    "PREOPERATIVE DIAGNOSIS",
    "PREOPERATIVE DIAGNOSES",
    "POSTOPERATIVE DIAGNOSIS",
    "POSTOPERATIVE DIAGNOSES",
    "CLINICAL IMPRESSION",
    "RECOMMENDATION",
    "RECOMMENDATIONS",
    "DISCUSSION",
    "SUMMARY",
    "CONCLUSION",
    "CONCLUSIONS",
):
    _HEADER_SECTIONS[_name] = _ASSESSMENT
for _name in (
    "HISTORY",
    "HISTORY OF PRESENT ILLNESS",
    "HPI",
    "PRESENT ILLNESS",
    "CHIEF COMPLAINT",
    "CC",
    "REASON FOR CONSULTATION",
    "REASON FOR VISIT",
    "SUBJECTIVE",
    "INTERVAL HISTORY",
    "PAST MEDICAL HISTORY",
    "PMH",
    "PAST HISTORY",
    "PAST SURGICAL HISTORY",
    "PSH",
    "PAST MEDICAL AND SURGICAL HISTORY",
    "MEDICAL HISTORY",
    "SURGICAL HISTORY",
    "SOCIAL HISTORY",
    "OCCUPATIONAL HISTORY",
    "REVIEW OF SYSTEMS",
    "ROS",
    "HISTORY OF INJURY",
    "MECHANISM OF INJURY",
    "CLINICAL HISTORY",
    "INDICATION",
    "INDICATIONS",
):
    _HEADER_SECTIONS[_name] = _HISTORY
for _name in ("FAMILY HISTORY", "FH", "FAMILY MEDICAL HISTORY"):
    _HEADER_SECTIONS[_name] = "family"
for _name in (
    "PHYSICAL EXAMINATION",
    "PHYSICAL EXAM",
    "EXAMINATION",
    "EXAM",
    "OBJECTIVE",
    "NEUROLOGIC EXAMINATION",
    "NEUROLOGICAL EXAMINATION",
    "MUSCULOSKELETAL",
    "VITAL SIGNS",
):
    _HEADER_SECTIONS[_name] = _EXAM
for _name in (
    "MRI",
    "CT",
    "X-RAYS",
    "X-RAY",
    "XRAYS",
    "RADIOGRAPHS",
    "RADIOLOGY",
    "IMAGING",
    "IMAGING STUDIES",
    "DIAGNOSTIC STUDIES",
    "DIAGNOSTIC DATA",
    "STUDIES",
    "MRI SCAN",
    "MRI OF THE LUMBAR SPINE",
    "MRI LUMBAR SPINE",
):
    _HEADER_SECTIONS[_name] = _IMAGING
for _name in (
    "MEDICATIONS",
    "CURRENT MEDICATIONS",
    "ALLERGIES",
    "PROCEDURE",
    "PROCEDURES",
    "OPERATION",
    "PROCEDURE PERFORMED",
    "DESCRIPTION OF PROCEDURE",
    "DESCRIPTION OF THE PROCEDURE",
    "PROCEDURE IN DETAIL",
    "OPERATIVE PROCEDURE",
    "ANESTHESIA",
    "COMPLICATIONS",
    "ESTIMATED BLOOD LOSS",
    "TECHNIQUE",
    "COMPARISON",
    "LABORATORY DATA",
    "LABS",
):
    _HEADER_SECTIONS[_name] = _OTHER

# Header names accepted in any case at a line start ("Assessment:", "Impression:").
_TITLE_HEADERS = frozenset(
    {"assessment", "assessment and plan", "impression", "plan", "diagnosis", "diagnoses", "findings"}
    | {"history of present illness", "past medical history", "physical exam", "physical examination"}
    | {"family history", "social history", "hpi"}
)
_HEADER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&/'(),.- "  # for str.rstrip: a run of them, found in C
# Two letters in a row inside a run of header characters (its only letters are capitals).
_TWO_LETTERS = re.compile("[A-Z]{2}")

# Candidate sentence ends: a newline, or terminal punctuation before a capital, digit, quote, bracket, newline
# or the end. Starts with a character class, so the engine scans for it in C.
_BOUNDARY = re.compile(r"[\n.!?](?:(?<=\n)|[.!?]*(?=[\"')\]]?(?:[ \t]+[A-Z0-9\"'(\[]|[ \t]*\n|[ \t]*$)))")
# Abbreviations after which a period never ends a sentence (lower-cased, without the final period).
_NEVER_SPLIT = frozenset(
    {"dr", "drs", "mr", "mrs", "ms", "vs", "e.g", "i.e", "eg", "ie", "approx", "st", "fig", "cf", "pt", "pts"}
    | {"sr", "jr", "prof", "dept", "ca", "wt", "ht", "hx", "dx", "tx", "sx", "fx", "yo", "y.o"}
)
# Dose and schedule abbreviations: they end a sentence only when a capital follows ("600 mg b.i.d. He ...").
_SOFT = frozenset(
    {"mg", "mcg", "ml", "cc", "b.i.d", "t.i.d", "q.i.d", "p.r.n", "q.d", "q.h.s", "h.s", "p.o", "a.m", "p.m"}
    | {"q", "etc", "min", "hr", "hrs", "mos", "wks", "yrs", "inc", "no"}
)
_MARKER_START = frozenset("0123456789(-*\u2022")
_LIST_MARKER = re.compile(r"\s*(?:\(?\d{1,2}[.)]|[-*\u2022])\s+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1024)  # a few header names recur in every note
def section_for_header(name: str, default: str) -> str:
    """The section an ALL-CAPS header switches to, given the caller's default section.

    "IMPRESSION"/"FINDINGS" belong to the imaging report when the caller reads one (default "imaging"),
    else an impression is the visit's assessment and findings are "other" (operative findings).
    Unknown headers return "" (the caller keeps the current section: sub-headers such as "CARDIAC:" in an
    exam, "LUMBAR SPINE:" in a report).
    """
    key = _SPACE.sub(" ", name.strip().upper().rstrip(".").strip())
    if key in ("IMPRESSION", "IMPRESSIONS"):
        return _IMAGING if default == _IMAGING else _ASSESSMENT
    if key in ("FINDINGS", "FINDING", "REPORT"):
        return _IMAGING if default == _IMAGING else _OTHER
    found = _HEADER_SECTIONS.get(key)
    if found is not None:
        return found
    if key.endswith("HISTORY"):
        return _HISTORY
    if key.endswith(("DIAGNOSIS", "DIAGNOSES")):
        return _ASSESSMENT
    if key.startswith(("MRI", "CT ", "X-RAY", "XRAY", "RADIOGRAPH")):
        return _IMAGING
    return ""


_TITLE_MAX = max(len(name) for name in _TITLE_HEADERS)
_CHUNK = 256  # characters looked at at once by the scans below


def _first_non_space(text: str, lo: int, hi: int) -> int:
    """Where text[lo:hi].lstrip() starts (hi if it is all whitespace), a chunk at a time."""
    i = lo
    while i < hi:
        chunk = text[i : min(hi, i + _CHUNK)]
        rest = chunk.lstrip()
        if rest:
            return i + len(chunk) - len(rest)
        i += len(chunk)
    return hi


def _stripped_end(text: str, lo: int, hi: int, chars: str | None = None) -> int:
    """Where text[lo:hi].rstrip(chars) ends (lo if nothing is left), a chunk at a time from the right."""
    j = hi
    while j > lo:
        k = max(lo, j - _CHUNK)
        kept = text[k:j].rstrip(chars)
        if kept:
            return k + len(kept)
        j = k
    return lo


def _header_before(text: str, colon: int, line: int) -> int:
    """Start of a header ending at `colon`, or -1; `line`: where its line starts (or the last header ended).

    ALL-CAPS headers (two capitals in a row, so "L4-L5:" is not one) start a line or follow a sentence end;
    known names in any case ("Assessment:") start a line. A digit after the colon is a clock ("10:30").
    The scans look back from the colon only as far as they must, never at the whole line: a line of
    50,000 colons ("x:x:...") took seconds when each colon sliced the line before it.
    """
    if colon + 1 < len(text) and text[colon + 1].isdigit():
        return -1
    if colon - line <= _CHUNK:  # the usual short line: look at it whole
        seg = text[line:colon]
        name = seg.strip()
        if name.lower() in _TITLE_HEADERS:
            return text.index(name[0], line)
        i = line + len(seg.rstrip(_HEADER_CHARS))  # start of the header characters before the colon
    else:
        start = _first_non_space(text, line, colon)
        end = _stripped_end(text, start, colon)
        if end - start <= _TITLE_MAX and text[start:end].lower() in _TITLE_HEADERS:
            return start
        i = _stripped_end(text, line, colon, _HEADER_CHARS)
    while i < colon and not text[i].isalpha():
        i += 1
    if i >= colon or not ("A" <= text[i] <= "Z"):
        return -1
    if i > line:
        before = _stripped_end(text, line, i)
        if before == line or text[before - 1] not in ".!?":
            return -1
    if _TWO_LETTERS.search(text, i, colon) is None:
        return -1
    return i


def _headers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every header, in text order."""
    found: list[tuple[int, int, str]] = []
    colon = text.find(":")
    last = 0
    line_start = 0  # after the last line break before `colon` (colons come in order: found once each)
    looked = 0
    while colon != -1:
        newline = text.rfind("\n", looked, colon)
        if newline != -1:
            line_start = newline + 1
        looked = colon
        start = _header_before(text, colon, max(line_start, last))
        if start >= 0:
            end = colon + 1
            while end < len(text) and text[end] in " \t":
                end += 1
            found.append((start, end, text[start:colon]))
            last = end
        colon = text.find(":", colon + 1)
    return found


# What the word before a period says about it (see _is_end), by word: the same few recur ("mg", "Dr", "2").
_ENDS, _NEVER, _UNLESS_NUMBER_FOLLOWS, _UNLESS_LIST_NUMBER = range(4)


def _word_kind(word: str) -> int:
    """How a period after `word` (the text from the last space, original case) is judged."""
    token = word.lower().lstrip("(")
    if token in _NEVER_SPLIT:
        return _NEVER
    if token == "no":
        return _UNLESS_NUMBER_FOLLOWS  # "No. 2"
    if len(token) == 1 and token.isalpha() and word[-1].isupper():
        return _NEVER  # an initial ("J. Smith")
    if token.isdigit() and len(token) <= 2:
        return _UNLESS_LIST_NUMBER  # a list marker "2." opens the sentence, it does not end one
    return _ENDS


_WORD_KINDS: Memo[str, int] = Memo(_word_kind, 4096)


def _is_end(text: str, start: int, begin: int, dot: int, after: int) -> bool:
    """Whether the period(s) at [dot, after), after the short word text[begin:dot] (begin: past the last
    space since the sentence start), followed by a capital, digit or line end, end the sentence."""
    word = text[begin:dot]
    kind = _WORD_KINDS[word]
    if kind == _ENDS:
        return True
    if kind == _NEVER:
        return False
    if kind == _UNLESS_NUMBER_FOLLOWS:
        return not text[after : after + 2].strip()[:1].isdigit()
    return text[start:dot].strip().lstrip("(") != word.lstrip("(")


_new_sentence = tuple.__new__  # Sentence(...) without the Python-level NamedTuple constructor


def _sentences_in(text: str, lo: int, hi: int, section: str, family: bool, out: list[Sentence]) -> None:
    """Append the sentences within text[lo:hi] to `out`, whitespace and a leading list marker trimmed.

    Each candidate end is judged and its sentence trimmed in one loop. A period after a word longer than
    any abbreviation (and not opening with "(") ends the sentence without further tests.
    """
    start = lo
    for m in _BOUNDARY.finditer(text, lo, hi):
        pos = m.start()
        if text[pos] == "\n":
            end = pos
            nxt = pos + 1
        else:
            end = nxt = m.end()
            if text[pos] == ".":
                sp = text.rfind(" ", start, pos)
                begin = sp + 1 if sp >= start else start
                if (pos - begin <= 6 or text[begin] == "(") and not _is_end(text, start, begin, pos, end):
                    continue
        if start < end:
            _add(text, start, end, section, family, out)
        start = nxt
    if start < hi:
        _add(text, start, hi, section, family, out)


def _add(text: str, s: int, e: int, section: str, family: bool, out: list[Sentence]) -> None:
    """Append text[s:e] as a sentence, whitespace and a leading list marker trimmed, unless nothing is left."""
    if text[s].isspace() or text[e - 1].isspace():
        seg = text[s:e]
        stripped = seg.strip()
        if not stripped:
            return
        s += len(seg) - len(seg.lstrip())
        e = s + len(stripped)
    if text[s] in _MARKER_START:
        marker = _LIST_MARKER.match(text, s, e)
        if marker:
            s = marker.end()
    if e > s:
        out.append(_new_sentence(Sentence, (s, e, section, family)))


def split(text: str, default: str = _ASSESSMENT) -> list[Sentence]:
    """Sentences of `text` with their sections; text before any header gets `default`."""
    section, family = default, False
    out: list[Sentence] = []
    pos = 0
    for h_start, h_end, name in _headers(text):
        if h_start < pos:
            continue
        _sentences_in(text, pos, h_start, section, family, out)
        found = section_for_header(name, default)
        if found == "family":
            section, family = _HISTORY, True
        elif found:
            section, family = found, False
        pos = h_end
    _sentences_in(text, pos, len(text), section, family, out)
    return out
