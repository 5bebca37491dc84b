"""Fast `finditer` for big alternations, so the regex engine does the scanning in C.

Python's `re` tries every alternative of a pattern at every position of the text unless the pattern starts
with a literal or a character class; ours start with `\\b(?:...)` and named groups, which made reading an
assessment cost hundreds of microseconds. Every match of our patterns starts a word, right after a
character that is not a letter or digit, with one of a known set of stems ("radicul", "no", "history").
So a scanner first finds the candidate word starts with

    [^a-z0-9] (?= stem trie )

which starts with a character class (the engine jumps between word starts in C) and rejects a word in a
few character comparisons unless it starts with a stem. Only there does it try the pattern, and not the
whole pattern: for each first character a stem can have, the scanner keeps a copy of the pattern without
the alternatives whose match cannot begin with that character (`_pruned`). At one position only
alternatives beginning with its character can match, in the same order, so the copy's match is the full
pattern's match, groups included, while the engine no longer enters hundreds of alternatives that fail on
their first character (a word start costs about 0.7 instead of 2 microseconds; the reader's one pass over
an assessment went from about 28 to 19). The first position of the range has no character before it and
is tried with the copy for its character too (the plain pattern if no stem starts with that character),
so it matches whatever the plain pattern matches there, stem or not.

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


# Pruning works on the parse tree of `re` (its documented-as-internal parser and compiler, unchanged in
# substance since Python 3.5). Anything it does not recognise counts as "may start with any character",
# so an unknown construct only makes the copy less pruned, never different; and if the internals are
# missing altogether the scanner uses the full pattern everywhere.
try:
    from re import _compiler as _sre_compiler
    from re import _constants as _sre_constants
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - other Python versions
    _sre_parser = None

if _sre_parser is not None:
    _C = _sre_constants
    _ZERO_WIDTH = (_C.AT, _C.ASSERT, _C.ASSERT_NOT)
    _REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT))
    _CATEGORIES = {
        _C.CATEGORY_DIGIT: re.compile(r"\d"),
        _C.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
        _C.CATEGORY_SPACE: re.compile(r"\s"),
        _C.CATEGORY_NOT_SPACE: re.compile(r"\S"),
        _C.CATEGORY_WORD: re.compile(r"\w"),
        _C.CATEGORY_NOT_WORD: re.compile(r"\W"),
    }


def _in_set(items: list, ch: str) -> bool:
    """Whether a character class ([...], \\s, \\d) matches `ch`; True when unsure."""
    hit = negate = False
    for op, arg in items:
        if op is _C.NEGATE:
            negate = True
        elif op is _C.LITERAL:
            hit = hit or chr(arg) == ch
        elif op is _C.RANGE:
            hit = hit or arg[0] <= ord(ch) <= arg[1]
        elif op is _C.CATEGORY and arg in _CATEGORIES:
            hit = hit or _CATEGORIES[arg].match(ch) is not None
        else:
            return True
    return hit != negate


def _may_start(items: list, ch: str) -> tuple[bool, bool]:
    """(may a match of this sequence begin with `ch`, may it be empty); (True, True) when unsure."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # a look-around or \\b might pass: assume it does
        if op is _C.LITERAL:
            may, empty = chr(av) == ch, False
        elif op is _C.NOT_LITERAL:
            may, empty = chr(av) != ch, False
        elif op is _C.IN:
            may, empty = _in_set(av, ch), False
        elif op is _C.SUBPATTERN and not av[1] and not av[2]:  # a group without inline flags
            may, empty = _may_start(av[3].data, ch)
        elif op is _C.BRANCH:
            results = [_may_start(alt.data, ch) for alt in av[1]]
            may, empty = any(r[0] for r in results), any(r[1] for r in results)
        elif op in _REPEATS:
            may, empty = _may_start(av[2].data, ch)
            empty = empty or av[0] == 0
        else:
            return True, True
        if may:
            return True, empty
        if not empty:
            return False, False
    return False, True


def _prune(items: list, ch: str) -> list:
    """The sequence without the alternatives, at its first position, that cannot begin a match with `ch`.

    Only the first consuming element is pruned (after zero-width ones): it is where the match begins, so
    an alternative there that needs another first character fails at once in the full pattern too.
    Nested groups and alternations at that position are pruned the same way; empty-able ones are kept.
    """
    out = list(items)
    for i, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        if op is _C.SUBPATTERN and not av[1] and not av[2]:
            inner = av[3]
            out[i] = (op, (*av[:3], _sre_parser.SubPattern(inner.state, _prune(inner.data, ch))))
        elif op is _C.BRANCH:
            kept = [
                _sre_parser.SubPattern(alt.state, _prune(alt.data, ch))
                for alt in av[1]
                if any(_may_start(alt.data, ch))
            ]
            out[i] = (op, (av[0], kept or av[1][:1]))  # none left: keep one, it fails as before
        break
    return out


def _pruned(pattern: re.Pattern[str], ch: str) -> re.Pattern[str]:
    """`pattern` for matches that begin with `ch` (same groups, same match); the pattern itself if unsure."""
    if _sre_parser is None or pattern.flags & ~re.UNICODE:
        return pattern
    try:
        tree = _sre_parser.parse(pattern.pattern, pattern.flags)
        return _sre_compiler.compile(_sre_parser.SubPattern(tree.state, _prune(tree.data, ch)), pattern.flags)
    except Exception:  # noqa: BLE001 - an internals change: fall back to the full pattern
        return pattern


class Scanner:
    """The matches of `pattern` in lowercased text, found through the stems its matches start with."""

    __slots__ = ("pattern", "stems", "_starts", "_by_char")

    def __init__(self, pattern: re.Pattern[str], stems: Iterable[str]) -> None:
        self.pattern = pattern
        self.stems = tuple(stems)
        self._starts = re.compile(r"[^a-z0-9](?=" + trie_pattern(self.stems) + ")")
        self._by_char = {ch: _pruned(pattern, ch) for ch in sorted({stem[0] for stem in self.stems})}

    def spans(self, text: str, pos: int, endpos: int) -> list[Span]:
        """Non-overlapping matches in text[pos:endpos], leftmost first, as (start, end, match)."""
        out: list[Span] = []
        by_char = self._by_char
        if pos < endpos:
            # The range's first position need not start a word or a stem: any character, full-pattern result.
            first = by_char.get(text[pos], self.pattern).match(text, pos, endpos)
            if first is not None and first.end() > pos:
                out.append((pos, first.end(), first))
                pos = first.end()
        for cand in self._starts.finditer(text, pos, endpos):
            start = cand.end()
            if start <= pos:
                continue  # inside the previous match
            m = by_char[text[start]].match(text, start, endpos)
            if m is not None:
                pos = m.end()
                out.append((start, pos, m))
        return out
