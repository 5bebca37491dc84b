"""The stem scanners (streams/core/reading/scan.py) find exactly what the plain patterns find.

The fast path is only correct if every match of a pattern starts a word with one of its stems. This runs
both ways over every note of the MTSamples.com corpus (https://www.mtsamples.com, via
/work/shared/data/mtsamples/notes.jsonl) and over the unit-test phrases, and compares the matches.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import streams.core.reading as reading
from streams.core.reading import context
from streams.core.reading.scan import Scanner, trie_pattern

NOTES = Path("/work/shared/data/mtsamples/notes.jsonl")
PHRASES = [
    "no evidence of radiculopathy, stenosis or fracture; possible S1 radiculopathy.",
    "History of L4-5 disc herniation. Mother had sciatica. 3-week history of low back pain x 6 months.",
    "If MRI shows Modic changes, consider basivertebral nerve ablation. In 2006, she was 87-year-old.",
    "Radiculopathy could not be ruled out; the patient's father has spinal stenosis; pain in the left low back.",
    "Low back pain secondary to vertebral endplate degeneration; vertebrogenic lumbar pain \u00d7 2 weeks.",
    "Pain in the hip and lower back; low back, right hip and thigh pain; zygapophyseal and uncovertebral joint "
    "arthrosis; narrowing of the left neural foramen, the spinal canal is mildly narrowed; myofascitis.",
    "She broke her left wrist, a broken rib; risks and benefits of the fusion including fracture; potential "
    "complications such as stenosis; afraid that; sciatica since last night; left worse than right sciatica.",
    "Modic changes are the pain generator; pain, which I attribute it to the end plates; radiculopathy L > R.",
]
SCANNERS = {
    "main": reading._MAIN,
    "links": reading._LINKS,
    "modifier words": reading._MODIFIER_WORDS,
    "triggers": context._SCANNER,
}


def _texts() -> list[str]:
    texts = list(PHRASES)
    if NOTES.exists():
        with NOTES.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    return [reading._lower(reading._SPACES.sub(" ", t)) for t in texts]


@pytest.mark.parametrize("name", sorted(SCANNERS))
def test_scanner_equals_plain_finditer(name: str) -> None:
    scanner = SCANNERS[name]
    for low in _texts():
        fast = [(s, e, m.lastgroup) for s, e, m in scanner.spans(low, 0, len(low))]
        plain = [(m.start(), m.end(), m.lastgroup) for m in scanner.pattern.finditer(low)]
        assert fast == plain


def test_link_hint_holds_wherever_a_link_matches() -> None:
    """The reader skips the vertebral-link pass without the hint; no text with a link may lack it."""
    texts = [*_texts(), "lbp caused by modic change.", "vertebrogenic.", "end plates are the source of pain."]
    texts += ["modic changes are the pain generator.", "pain, which i attribute it to the end plates."]
    for low in texts:
        if reading._LINKS.pattern.search(low) is not None:
            assert reading._has_link_hint(low), low


def test_trie_pattern() -> None:
    pattern = re.compile(trie_pattern(["no", "not", "never", "nor"]))
    assert [m.group() for m in pattern.finditer("no not never nor n")] == ["no", "no", "never", "no"]


def test_scanner_at_range_start_and_inside_words() -> None:
    scanner = Scanner(re.compile(r"\b(?P<x>radicul\w*)"), ["radicul"])
    text = "radiculitis, polyradiculopathy and radicular pain"
    assert [(s, e) for s, e, _ in scanner.spans(text, 0, len(text))] == [(0, 11), (35, 44)]


def _as_loop(scanner: Scanner) -> Scanner:
    """The same scanner without its fused pattern: one candidate word at a time."""
    plain = Scanner(scanner.pattern, scanner.stems)
    plain._fused = None
    return plain


def _summary(scanner: Scanner, spans: list) -> list:
    """Span, lastgroup and every group's span; a late group (it opens the match) counted from the span start."""
    names = list(scanner.pattern.groupindex)
    out = []
    for s, e, m in spans:
        groups = [(n, s if n in scanner.late_groups and m.end(n) != -1 else m.start(n), m.end(n)) for n in names]
        out.append((s, e, m.lastgroup, groups))
    return out


@pytest.mark.parametrize("name", sorted(SCANNERS))
def test_fused_scan_equals_candidate_loop(name: str) -> None:
    """The one-call scan (scan._fuse) finds what the candidate loop finds: spans, lastgroup, group spans
    (late groups open their match in the loop too, which the reader relies on), also in sub-ranges."""
    scanner = SCANNERS[name]
    assert scanner._fused is not None
    plain = _as_loop(scanner)
    for low in _texts():
        assert _summary(scanner, scanner.spans(low, 0, len(low))) == _summary(plain, plain.spans(low, 0, len(low)))
        mid = len(low) // 3
        assert _summary(scanner, scanner.spans(low, mid, 2 * mid)) == _summary(plain, plain.spans(low, mid, 2 * mid))


def test_fuse_falls_back_on_unknown_constructs() -> None:
    """A pattern the derivation does not handle keeps the loop and still matches."""
    scanner = Scanner(re.compile(r"(?i:\bno)\b"), ["no"])
    assert scanner._fused is None
    assert [(s, e) for s, e, _ in scanner.spans("so no, not", 0, 10)] == [(3, 5)]


def test_link_spans_by_stretch_equal_the_whole_text_scan() -> None:
    """reading._link_spans scans only the stretches between "." and ";" whose words allow a link, and
    there only for the alternatives they allow; it must find what the whole-text scan finds."""
    texts = [*_texts(), "pain. due to modic; changes cause pain. vertebrogenic lbp; lbp from end plates"]
    texts += ["modic; the pain generator. modic changes are the pain source; pain, i attribute it to modic"]
    for low in texts:
        whole = reading._LINKS.spans(low, 0, len(low))
        assert _summary(reading._LINKS, reading._link_spans(low)) == _summary(reading._LINKS, whole)
