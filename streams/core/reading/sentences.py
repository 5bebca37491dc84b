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
from typing import NamedTuple

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

# An ALL-CAPS header: at a line start, after a sentence end, or after two spaces (run-in headers in
# transcriptions: "CARDIAC:  Regular rate.  CHEST:  Clear."). Needs two letters in a row, so "L4-L5:" is
# not a header; a digit after the colon ("10:30") is a clock.
_HEADER = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\s\s)|(?<=\n))[ \t]*"
    r"(?P<name>(?=[A-Z0-9&/'(),. -]*[A-Z]{2})[A-Z][A-Z0-9&/'()-]*(?:[ ,]{1,2}[A-Z0-9&/'()-]+)*)[ \t]*:(?!\d)",
    re.MULTILINE,
)
# Known header names in any case at a line start ("Assessment:", "Impression:").
_TITLE_HEADER = re.compile(
    r"^[ \t]*(?P<name>assessment(?: and plan)?|impression|plan|diagnos[ie]s|findings|history of present illness"
    r"|past medical history|physical exam(?:ination)?|family history|social history|hpi)[ \t]*:",
    re.MULTILINE | re.IGNORECASE,
)

# Candidate sentence ends: terminal punctuation followed by whitespace, or a newline.
_BOUNDARY = re.compile(r"[.!?]+(?=[\s\"')\]]|$)|\n")
# Abbreviations after which a period never ends a sentence (lower-cased, without the final period).
_NEVER_SPLIT = frozenset(
    {"dr", "drs", "mr", "mrs", "ms", "vs", "e.g", "i.e", "eg", "ie", "approx", "st", "fig", "cf", "pt", "pts"}
    | {"sr", "jr", "prof", "dept", "ca", "wt", "ht", "hx", "dx", "tx", "sx", "fx", "yo", "y.o"}
)
# Dose and schedule abbreviations: they end a sentence only when a capital follows ("600 mg b.i.d. He ...").
_SOFT = frozenset(
    {"mg", "mcg", "ml", "cc", "b.i.d", "t.i.d", "q.i.d", "p.r.n", "q.d", "q.h.s", "h.s", "p.o", "a.m", "p.m"}
    | {"q", "b.i.d.", "etc", "min", "hr", "hrs", "mos", "wks", "yrs", "inc", "no"}
)
_LAST_TOKEN = re.compile(r"(\S+)$")
_LIST_MARKER = re.compile(r"\s*(?:\(?\d{1,2}[.)]|[-*\u2022])\s+")
_SPACE = re.compile(r"\s+")


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


def _headers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every header, in text order."""
    found: dict[int, tuple[int, int, str]] = {}
    for m in _HEADER.finditer(text):
        found[m.start("name")] = (m.start("name"), m.end(), m.group("name"))
    if "ssessment" in text or ":" in text:
        for m in _TITLE_HEADER.finditer(text):
            found.setdefault(m.start("name"), (m.start("name"), m.end(), m.group("name")))
    return [found[k] for k in sorted(found)]


def _is_end(text: str, start: int, dot: int, after: int) -> bool:
    """Whether the period(s) at [dot, after) end the sentence that began at `start`."""
    if text[dot] != ".":
        return True
    m = _LAST_TOKEN.search(text, start, dot)
    token = m.group(1).lower() if m else ""
    nxt = text[after : after + 3].lstrip()[:1]
    if not nxt:
        return True
    if token in _NEVER_SPLIT:
        return False
    if token == "no" and nxt.isdigit():
        return False
    if len(token) == 1 and token.isalpha() and text[dot - 1].isupper():
        return False  # an initial ("J. Smith")
    if token.isdigit() and len(token) <= 2 and text[start:dot].strip().lstrip("(") == token:
        return False  # a list marker "2." opens the sentence, it does not end one
    if token in _SOFT or token.rstrip(".") in _SOFT:
        return nxt.isupper()
    return nxt.isupper() or nxt.isdigit() or nxt in "\"'(["


def _sentences_in(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Sentence spans within text[lo:hi], list markers and whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = lo
    for m in _BOUNDARY.finditer(text, lo, hi):
        if m.group() == "\n":
            end = m.start()
        elif _is_end(text, start, m.start(), m.end()):
            end = m.end()
        else:
            continue
        spans.append((start, end))
        start = m.end()
    spans.append((start, hi))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        marker = _LIST_MARKER.match(text, s, e)
        if marker:
            s = marker.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and any(c.isalnum() for c in text[s:e]):
            out.append((s, e))
    return out


def split(text: str, default: str = _ASSESSMENT) -> list[Sentence]:
    """Sentences of `text` with their sections; text before any header gets `default`."""
    section, family = default, False
    out: list[Sentence] = []
    pos = 0
    for h_start, h_end, name in _headers(text):
        if h_start < pos:
            continue
        for s, e in _sentences_in(text, pos, h_start):
            out.append(Sentence(s, e, section, family))
        found = section_for_header(name, default)
        if found == "family":
            section, family = _HISTORY, True
        elif found:
            section, family = found, False
        pos = h_end
    for s, e in _sentences_in(text, pos, len(text)):
        out.append(Sentence(s, e, section, family))
    return out
