"""Excludes1 notes of the CMS tabular, turned into code ranges that can be checked in microseconds.

The tabular (shipped by the `simple_icd_10_cm` package) states Excludes1 notes as prose with code
references: `lumbago with sciatica (M54.4-)`, `(M50-M54)`, `(E08-E13 with .44)`,
`(B27.- with fifth character 2)`. Loading that package takes about two seconds, so the notes are parsed
once, when the index is built, into plain tuples stored in the same cache file.

A reference becomes a `Ref`: the undotted range `lo..hi` (a code is inside when its first len(lo)
characters sort between lo and hi), an optional positional qualifier (characters of the undotted code
starting at `qstart`, negative for "final characters", must sort between `qlo` and `qhi`), the
reference as written, and the index of the note's prose. A qualifier the parser does not understand
drops the references it applies to: a missed conflict is better than an invented one.
"""

from __future__ import annotations

import re
from typing import Any

Ref = tuple[str, str, int, str, str, str, int]
"""(lo, hi, qstart, qlo, qhi, written, text_index); qlo == "" means no qualifier."""

_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?"
_REF = re.compile(rf"(?<![0-9A-Za-z])({_CODE})(?:-({_CODE})(?![0-9A-Za-z]))?(\.?-)?")
_WITH = re.compile(r"\s*-?\s*with\s+(.+?)\s*$")
_ORDINAL = {
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "sixth": 5,
    "6th": 5,
    "seventh": 6,
    "7th": 6,
}
_Q_SUFFIX = re.compile(r"\.([0-9A-Z]+)-?(?:\s*-\s*\.([0-9A-Z]+)-?)?")
_Q_NTH = re.compile(r"(\w+)(?:\s+to\s+\w+)?[- ]characters?\s+\.?([0-9A-Z]+)")
_Q_FINAL = re.compile(r"final characters?\s+-([0-9A-Z]+)")
_GROUP = re.compile(r"\(([^()]*)\)")


def _key(code: str) -> str:
    return code.replace(".", "").rstrip("-")


def _qualifier(text: str) -> tuple[int, str, str] | None:
    """Parse the `with ...` tail of a reference; None when it is not understood."""
    if m := _Q_SUFFIX.fullmatch(text):
        return 3, m.group(1), m.group(2) or m.group(1)
    if m := _Q_FINAL.fullmatch(text):
        return -len(m.group(1)), m.group(1), m.group(1)
    if (m := _Q_NTH.fullmatch(text)) and m.group(1).lower() in _ORDINAL:
        return _ORDINAL[m.group(1).lower()], m.group(2), m.group(2)
    return None


def _segment_refs(segment: str) -> list[tuple[str, str, int, str, str, str]]:
    """References in one list (a parenthesised group or the prose); a trailing `with` applies to all."""
    found = list(_REF.finditer(segment))
    if not found:
        return []
    tail = segment[found[-1].end() :]
    qual: tuple[int, str, str] = (0, "", "")
    written_tail = ""
    if m := _WITH.match(tail):
        parsed = _qualifier(m.group(1).strip().rstrip(".,;"))
        if parsed is None:
            return []
        qual = parsed
        written_tail = " with " + m.group(1).strip()
    refs = []
    for m in found:
        lo = _key(m.group(1))
        hi = _key(m.group(2)) if m.group(2) else lo
        written = m.group(0) + (written_tail if m is found[-1] else "")
        refs.append((lo, hi, qual[0], qual[1], qual[2], written))
    return refs


def parse_note(note: str) -> tuple[str, list[tuple[str, str, int, str, str, str]]]:
    """Split one Excludes1 note into its prose (for the reason text) and its code references."""
    refs: list[tuple[str, str, int, str, str, str]] = []

    def strip_group(m: re.Match[str]) -> str:
        inner = _segment_refs(m.group(1))
        if inner:
            refs.extend(inner)
            return ""
        return m.group(0)

    prose = _GROUP.sub(strip_group, note)
    refs.extend(_segment_refs(prose))
    prose = _REF.sub("", prose) if refs else prose
    prose = re.sub(r"\s+", " ", prose).strip(" -:,;")
    return (prose[:1].upper() + prose[1:]) if prose else "", refs


def covers(ref: Ref, key: str) -> bool:
    """Is the undotted code `key` inside the reference `ref`?"""
    lo, hi, qstart, qlo, qhi = ref[0], ref[1], ref[2], ref[3], ref[4]
    if not (lo <= key[: len(lo)] and key[: len(hi)] <= hi):
        return False
    if not qlo:
        return True
    part = key[qstart:] if qstart < 0 else key[qstart : qstart + len(qlo)]
    return len(part) == len(qlo) and qlo <= part <= qhi


def build_table() -> dict[str, Any]:
    """Read every Excludes1 note of the packaged tabular into compact tables (slow: imports the package).

    Returns {"own": {undotted code: refs}, "category": {category: refs inherited from its blocks and
    chapter}, "texts": [note prose], "source": str}. Code-level inheritance (M54.50 <- M54.5 <- M54) is
    resolved at lookup time by walking the code's prefixes, which also works for codes deleted before
    the tabular's release.
    """
    import importlib.metadata

    import simple_icd_10_cm as icd

    texts: list[str] = []
    text_pos: dict[str, int] = {}
    own: dict[str, tuple[Ref, ...]] = {}
    chapter_block: dict[str, tuple[Ref, ...]] = {}
    for item in icd.get_all_codes():
        refs: list[Ref] = []
        seen: set[tuple[str, str, int, str, str]] = set()
        for note in icd.get_excludes1(item):
            prose, parsed = parse_note(note)
            idx = text_pos.setdefault(prose, len(texts))
            if idx == len(texts):
                texts.append(prose)
            for lo, hi, qs, qlo, qhi, written in parsed:
                if (lo, hi, qs, qlo, qhi) not in seen:
                    seen.add((lo, hi, qs, qlo, qhi))
                    refs.append((lo, hi, qs, qlo, qhi, written, idx))
        if not refs:
            continue
        if icd.is_chapter_or_block(item):
            chapter_block[item] = tuple(refs)
        else:
            own[item.replace(".", "")] = tuple(refs)
    category: dict[str, tuple[Ref, ...]] = {}
    for item in icd.get_all_codes():
        if icd.is_category(item):
            inherited = tuple(r for a in icd.get_ancestors(item) for r in chapter_block.get(a, ()))
            if inherited:
                category[item] = inherited
    version = importlib.metadata.version("simple_icd_10_cm")
    return {
        "own": own,
        "category": category,
        "texts": texts,
        "source": f"simple_icd_10_cm {version}",
    }
