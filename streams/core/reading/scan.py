"""Fast `finditer` for big alternations, so the regex engine does the scanning in C.

Python's `re` tries every alternative of a pattern at every position of the text unless the pattern starts
with a literal or a character class; ours start with `\\b(?:...)` and named groups, which made reading an
assessment cost hundreds of microseconds. Every match of our patterns starts a word, right after a
character that is not a letter or digit, with one of a known set of stems ("radicul", "no", "history").
So each pattern is compiled a second time as

    [^a-z0-9] (?= stem trie ) (?: pattern )

which starts with a character class (the engine jumps between word starts in C), rejects a word in a few
character comparisons unless it starts with a stem, and only then tries the full pattern. The first
position of the range has no character before it and is tried with the plain pattern.

The result equals `pattern.finditer` on lowercased text as long as every alternative of the pattern starts
a word with one of the stems; tests/test_reading_scan.py checks that on every sentence of the MTSamples
corpus and on the unit-test phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["Scanner", "Span", "stems_pattern", "trie_pattern", "words"]

Span = tuple[int, int, re.Match[str]]  # (start, end, match); use the match only for its groups


def words(text: str) -> tuple[str, ...]:
    """Stems written as one space-separated string."""
    return tuple(text.split())


def trie_pattern(stems: Iterable[str]) -> str:
    """A regex matching any text that starts with one of `stems`, as a trie (one comparison per level)."""
    trie: dict[str, dict] = {}
    for stem in stems:
        node = trie
        for ch in stem:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        if "" in node:
            return ""  # a whole stem: what follows does not matter
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(trie)


def stems_pattern(stems: Iterable[str]) -> re.Pattern[str]:
    """A literal alternation of the stems, found anywhere (a cheap "might this sentence match" test)."""
    return re.compile(trie_pattern(stems))


class Scanner:
    """The matches of `pattern` in lowercased text, found through the stems its matches start with."""

    __slots__ = ("pattern", "stems", "_words")

    def __init__(self, pattern: re.Pattern[str], stems: Iterable[str]) -> None:
        self.pattern = pattern
        self.stems = tuple(stems)
        self._words = re.compile(
            r"[^a-z0-9](?=" + trie_pattern(self.stems) + ")(?:" + pattern.pattern + ")", pattern.flags
        )

    def spans(self, text: str, pos: int, endpos: int) -> list[Span]:
        """Non-overlapping matches in text[pos:endpos], leftmost first, as (start, end, match)."""
        out: list[Span] = []
        first = self.pattern.match(text, pos, endpos)
        if first is not None and first.end() > pos:
            out.append((pos, first.end(), first))
            pos = first.end()
        for m in self._words.finditer(text, pos, endpos):
            out.append((m.start() + 1, m.end(), m))
        return out
