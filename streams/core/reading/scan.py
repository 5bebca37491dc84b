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
    _READ = frozenset(("",))  # the whole prefix is read
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


def _advance(items: list, rests: frozenset[str]) -> frozenset[str]:
    """What may be left of a text prefix after the sequence matched its start.

    `rests` are the parts of the prefix still to be read ("" once it is all read: whatever follows is
    beyond it, so "" stays). An empty result means no match of the sequence can begin with the prefix.
    Unsure constructs may read any part of it.
    """
    for op, av in items:
        if not rests or rests == _READ:
            return rests
        if op in _ZERO_WIDTH:
            continue  # a look-around or \\b might pass: assume it does
        if op is _C.LITERAL:
            ch = chr(av)
            rests = frozenset(r[1:] if r else r for r in rests if not r or r[0] == ch)
        elif op is _C.NOT_LITERAL:
            ch = chr(av)
            rests = frozenset(r[1:] if r else r for r in rests if not r or r[0] != ch)
        elif op is _C.IN:
            rests = frozenset(r[1:] if r else r for r in rests if not r or _in_set(av, r[0]))
        elif op is _C.SUBPATTERN and not av[1] and not av[2]:  # a group without inline flags
            rests = _advance(av[3].data, rests)
        elif op is _C.BRANCH:
            rests = frozenset().union(*(_advance(alt.data, rests) for alt in av[1]))
        elif op in _REPEATS:
            low, high, sub = av
            for _ in range(low):
                rests = _advance(sub.data, rests)
            seen = rests
            for _ in range(high - low):  # each further repeat, until it adds nothing (prefixes are short)
                rests = _advance(sub.data, rests)
                if rests <= seen:
                    break
                seen = seen | rests
            rests = seen
        else:
            rests = frozenset(r[i:] for r in rests for i in range(len(r) + 1))
    return rests


def _prune(items: list, prefix: str) -> list:
    """The sequence without the alternatives, at its first position, that cannot begin a match with `prefix`.

    Only the first consuming element is pruned (after zero-width ones): it is where the match begins, so
    an alternative there that cannot read the start of `prefix` fails in the full pattern too. Nested groups
    and alternations at that position are pruned the same way; an alternative that may read only part of
    the prefix is kept (what follows it may read the rest).
    """
    out = list(items)
    for i, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        if op is _C.SUBPATTERN and not av[1] and not av[2]:
            inner = av[3]
            out[i] = (op, (*av[:3], _sre_parser.SubPattern(inner.state, _prune(inner.data, prefix))))
        elif op is _C.BRANCH:
            start = frozenset((prefix,))
            kept = [
                _sre_parser.SubPattern(alt.state, _prune(alt.data, prefix))
                for alt in av[1]
                if _advance(alt.data, start)
            ]
            out[i] = (op, (av[0], kept or av[1][:1]))  # none left: keep one, it fails as before
        break
    return out


def _parse(pattern: re.Pattern[str]) -> object | None:
    """The parse tree of `pattern`, or None if it cannot be pruned (flags, or `re` internals missing)."""
    if _sre_parser is None or pattern.flags & ~re.UNICODE:
        return None
    try:
        return _sre_parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an internals change: fall back to the full pattern
        return None


def _pruned(pattern: re.Pattern[str], tree: object | None, prefix: str) -> re.Pattern[str]:
    """`pattern` for matches that begin with `prefix` (same groups, same match); the pattern itself if unsure."""
    if tree is None:
        return pattern
    try:
        data = _prune(tree.data, prefix)  # type: ignore[attr-defined]
        return _sre_compiler.compile(_sre_parser.SubPattern(tree.state, data), pattern.flags)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an internals change: fall back to the full pattern
        return pattern


_PREFIX = 3  # characters a pruned copy is chosen by
_MAX_KEYS = 20_000  # text prefixes remembered per scanner (each refers to one of a few hundred copies)


class Scanner:
    """The matches of `pattern` in lowercased text, found through the stems its matches start with."""

    __slots__ = ("pattern", "stems", "_starts", "_tree", "_prefixes", "_by_prefix")

    def __init__(self, pattern: re.Pattern[str], stems: Iterable[str]) -> None:
        self.pattern = pattern
        self.stems = tuple(stems)
        self._starts = re.compile(r"[^a-z0-9](?=" + trie_pattern(self.stems) + ")")
        self._tree = _parse(pattern)
        # Copies are pruned for the first up to _PREFIX characters of a stem, made on first use (a copy
        # takes about a millisecond, and most prefixes never occur).
        self._prefixes = frozenset(stem[:n] for stem in self.stems for n in range(1, _PREFIX + 1))
        # Text prefix (up to _PREFIX characters) -> the copy for its longest part that begins a stem.
        self._by_prefix: dict[str, re.Pattern[str]] = {}

    def _pattern_for(self, key: str) -> re.Pattern[str]:
        """The copy for the longest start of `key` that starts a stem (the plain pattern if none does)."""
        for n in range(len(key), 0, -1):
            prefix = key[:n]
            if prefix in self._prefixes:
                pattern = self._by_prefix.get(prefix)
                if pattern is None:
                    pattern = self._by_prefix[prefix] = _pruned(self.pattern, self._tree, prefix)
                break
        else:
            return self.pattern  # not cached: any character may start the range
        if len(self._by_prefix) < _MAX_KEYS:
            self._by_prefix[key] = pattern
        return pattern

    def spans(self, text: str, pos: int, endpos: int) -> list[Span]:
        """Non-overlapping matches in text[pos:endpos], leftmost first, as (start, end, match)."""
        out: list[Span] = []
        by_prefix = self._by_prefix
        if pos < endpos:
            # The range's first position need not start a word or a stem: any character, full-pattern result.
            key = text[pos : min(pos + _PREFIX, endpos)]
            first = (by_prefix.get(key) or self._pattern_for(key)).match(text, pos, endpos)
            if first is not None and first.end() > pos:
                out.append((pos, first.end(), first))
                pos = first.end()
        for cand in self._starts.finditer(text, pos, endpos):
            start = cand.end()
            if start <= pos:
                continue  # inside the previous match
            # The copy for the characters at `start`, never past the range's end (the engine sees no further).
            key = text[start : start + _PREFIX] if start + _PREFIX <= endpos else text[start:endpos]
            m = (by_prefix.get(key) or self._pattern_for(key)).match(text, start, endpos)
            if m is not None:
                pos = m.end()
                out.append((start, pos, m))
        return out
