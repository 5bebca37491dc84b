"""Sentences with many findings (a pasted problem list without full stops, up to the schema's 100,000
characters): read by position (`_near_by_position`, `status_at(..., ordered=True)`), with the same findings
as the plain loops, and with work that grows with the sentence, not with its square.

The plain loops tried every (finding, modifier) and (finding, trigger) pair, each over the text between
them: one 18,000-character sentence took 1.8 s of CPU and a 100,000-character one minutes, during which
the worker's partition stood still.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from bench.bench_reading import corpus
from streams import settings
from streams.core import reading
from streams.core.reading import context, sentences

NOTES = settings.REPO_ROOT.parent / "shared" / "data" / "mtsamples" / "notes.jsonl"
LIST_ITEM = (
    "right L5 radiculopathy, no stenosis, possible left S1 sciatica, history of L4-5 herniation, "
    "mother had stenosis, bilateral lumbar facet arthropathy at L4-L5 and L5-S1 without fracture, "
)


def _one_sentence(text: str) -> str:
    """The text as one long sentence: its full stops and line breaks turned into commas and spaces."""
    return text.replace(".", ",").replace("?", ",").replace("!", ",").replace("\n", " ").replace(";", ",")


def _long_sentences() -> list[tuple[str, str]]:
    """Real notes (MTSamples.com) run together into one sentence each, and repeated problem-list items."""
    texts = []
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        note = json.loads(line)
        texts.append(_one_sentence(note["text"])[:4000])
    out = [(t, "assessment") for t in texts[:60]] + [(t, "imaging") for t in texts[60:90]]
    out += [(LIST_ITEM * n, "assessment") for n in (3, 8, 20)]
    out += [("no radiculopathy, " * 40 + "stenosis", "assessment"), ("Left L4-5 disc herniation and " * 30, "imaging")]
    return out


def _as_written() -> list[tuple[str, str]]:
    """Every MTSamples note as it was written, as an assessment and as an imaging report, and the reading
    benchmark's assessments and reports (dense with sides, levels and triggers)."""
    texts = [json.loads(line)["text"] for line in NOTES.read_text(encoding="utf-8").splitlines()]
    assessments, reports = corpus(300, 120)
    return [(t, "assessment") for t in texts + assessments] + [(t, "imaging") for t in texts + reports]


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls = [0]
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_reading_by_position_finds_what_the_plain_loops_find(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sentence of the cases by position (however few its modifiers and triggers), then every one
    through the plain loops."""
    cases = _long_sentences() + _as_written()
    with monkeypatch.context() as patched:
        patched.setattr(reading, "_MANY", 0)
        near = _counting(patched, reading, "_near_by_position")
        by_position = [reading.read(text, section) for text, section in cases]
    assert near[0] > 2500
    monkeypatch.setattr(reading, "_MANY", 10**9)
    plain = [reading.read(text, section) for text, section in cases]
    assert by_position == plain
    assert sum(len(f) for f in plain) > 2500


def test_long_sentences_do_take_the_search_by_position(monkeypatch: pytest.MonkeyPatch) -> None:
    """So the comparison above compares two paths, not one with itself."""
    near = _counting(monkeypatch, reading, "_near_by_position")
    ordered: list[bool] = []
    status_at = reading.status_at

    def recording(*args: Any) -> tuple[str, str]:
        ordered.append(args[-1])
        return status_at(*args)

    monkeypatch.setattr(reading, "status_at", recording)
    reading.read(LIST_ITEM * 20, "assessment")
    assert near[0] > 100
    assert ordered.count(True) > 100


def test_work_grows_with_the_sentence_not_its_square(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gaps judged between findings and modifiers, for a list 4 and 16 times as long (a count, not a time)."""
    gaps = _counting(monkeypatch, reading, "_within_phrase")
    counts = []
    for n in (10, 40, 160):
        gaps[0] = 0
        reading.read(LIST_ITEM * n, "assessment")
        counts.append(gaps[0])
    assert counts[1] <= 5 * counts[0] and counts[2] <= 5 * counts[1], counts


class _Visits(list):
    """Triggers that count how many of them a walk visits, however it walks them (by index, forward, in
    reverse; bisect's look-ups count too)."""

    visited = 0

    def __getitem__(self, i: Any) -> Any:
        self.visited += 1
        return super().__getitem__(i)

    def __iter__(self) -> Any:
        for trigger in super().__iter__():
            self.visited += 1
            yield trigger

    def __reversed__(self) -> Any:
        for trigger in super().__reversed__():
            self.visited += 1
            yield trigger


def test_status_walks_only_the_triggers_near_enough_to_count() -> None:
    """status_at by position stops where the words in between put every further trigger out of reach: the
    triggers visited for all findings of a list 4 and 16 times as long (a count, not a time). Without the
    stops each finding walks on to the sentence's end, since a list of findings has no terminator (12-14
    times as many for 4 times the list); bisect's look-ups count too, so the bound is 6, not 4."""
    visits = []
    for n in (10, 40, 160):
        low = (LIST_ITEM * n).lower()
        found = _Visits(context.triggers(low))
        assert len(found) > reading._MANY and reading._ordered(found, 1)
        for start, end, _m in reading._MAIN.spans(low, 0, len(low)):
            context.status_at(low, found, start, end, True)
        visits.append(found.visited)
    assert visits[1] <= 6 * visits[0] and visits[2] <= 6 * visits[1], visits


def test_the_longest_assessment_the_schema_admits_is_read_like_a_short_one() -> None:
    def what(text: str) -> set[tuple[Any, ...]]:
        return {(f.finding, f.status, f.experiencer, f.side, f.level) for f in reading.read(text, "assessment")}

    longest = (LIST_ITEM * 600)[:100_000]
    assert what(longest) == what(LIST_ITEM * 20)
    assert ("radiculopathy", "affirmed", "patient", "right", "lumbar") in what(longest)


def test_status_by_position_equals_the_plain_walk() -> None:
    """status_at on its own, every finding of long real sentences, with and without `ordered`."""
    compared = 0
    for text, _section in _long_sentences()[:40]:
        low = text.lower()
        found = context.triggers(low)
        if len(found) <= reading._MANY or not reading._ordered(found, 1):
            continue
        for start, end, _m in reading._MAIN.spans(low, 0, len(low)):
            assert context.status_at(low, found, start, end, True) == context.status_at(low, found, start, end)
            compared += 1
    assert compared > 500


def test_near_by_position_equals_the_plain_loop_on_random_spans() -> None:
    """Random texts of words and breaks, modifiers in order, findings anywhere (inside, touching either end,
    overlapping one): the search by position picks what the loop picks."""
    rng = random.Random(7)
    words = ["left", "l4-5", "and", "with", "pain", ",", "radiculopathy", "of", "the", "x" * 30, ";"]
    compared = 0
    for _ in range(400):
        low = " ".join(rng.choice(words) for _ in range(rng.randint(20, 80)))
        cuts = sorted(rng.sample(range(len(low)), min(len(low) - 1, rng.randint(2, 60))))
        mods = [("side", "left", a, b) for a, b in zip(cuts[0::2], cuts[1::2], strict=False) if a < b]
        if not reading._ordered(mods, 2):
            continue
        for _ in range(20):
            start = rng.randrange(len(low))
            end = min(len(low), start + rng.randint(1, 40))
            if rng.random() < 0.3:  # a finding ending or starting exactly where a modifier does
                mod = rng.choice(mods)
                start, end = (min(start, mod[2]), mod[3]) if rng.random() < 0.5 else (mod[2], max(end, mod[3]))
            for unbroken in (reading._GAP_UNBROKEN, reading._SEG_UNBROKEN):
                for after in (True, False):
                    plain = reading._near(low, mods, unbroken, start, end, after)
                    assert reading._near(low, mods, unbroken, start, end, after, True) == plain
                    compared += 1
    assert compared > 10_000


def _headers_plainly(text: str) -> list[tuple[int, int, str]]:
    """sentences._headers as it was written before it looked back only as far as it must (each colon sliced
    its whole line): the reference for the comparison below."""
    found: list[tuple[int, int, str]] = []
    colon, last = text.find(":"), 0
    while colon != -1:
        start = -1
        if not (colon + 1 < len(text) and text[colon + 1].isdigit()):
            line = max(text.rfind("\n", last, colon) + 1, last)
            name = text[line:colon].strip()
            if name.lower() in sentences._TITLE_HEADERS:
                start = text.index(name[0], line)
            else:
                i = line + len(text[line:colon].rstrip(sentences._HEADER_CHARS))
                while i < colon and not text[i].isalpha():
                    i += 1
                before = text[line:i].rstrip()
                if (
                    i < colon
                    and "A" <= text[i] <= "Z"
                    and (i == line or (before and before[-1] in ".!?"))
                    and sentences._TWO_LETTERS.search(text, i, colon)
                ):
                    start = i
        if start >= 0:
            end = colon + 1
            while end < len(text) and text[end] in " \t":
                end += 1
            found.append((start, end, text[start:colon]))
            last = end
        colon = text.find(":", colon + 1)
    return found


def test_headers_on_long_lines_are_found_as_before() -> None:
    """Random lines, many longer than the scans' chunk, of header words, capitals, sentence ends, clocks
    and whitespace runs: the same headers as when every colon sliced its whole line."""
    rng = random.Random(11)
    pieces = ["ASSESSMENT:", "Assessment:", "PLAN:", "x:", "L4-L5:", "10:30", "MRI LUMBAR SPINE:", "FAMILY HISTORY:",
              "Pain.", "no", "A B C", "   ", "\t", "\n", "AB.", "IMPRESSION :", "Dr.", "(1)", "'", "-", "a" * 300,
              "A" * 300, " " * 300]  # fmt: skip
    fixed = ["\tAB: pain.", "\t" + "a" * 300 + "\tAB: pain.", "Pain.\tMRI: L4-5.", "x" * 300 + ". \tPLAN: rest!"]
    compared = 0
    for n in range(300 + len(fixed)):
        text = fixed[n - 300] if n >= 300 else " ".join(rng.choice(pieces) for _ in range(rng.randint(5, 80)))
        assert sentences._headers(text) == _headers_plainly(text), text
        compared += text.count(":")
    assert compared > 3000


def test_a_line_of_thousands_of_colons_is_read() -> None:
    findings = reading.read("Lumbar radiculopathy " + "x:" * 49_000, "assessment")
    assert [f.finding for f in findings] == ["radiculopathy"]
