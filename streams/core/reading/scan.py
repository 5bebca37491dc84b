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

Faster still, one `finditer` call does all of that for a text (`_fuse`). Per first character c of a stem
the scanner derives from the pattern what is left to match once c is read (the pattern's derivative by c:
the same alternatives in the same order, each past its first character), and compiles

    [^a-z0-9] (?: c (?= rest of the stems starting with c ) (?: derivative by c ) | ... )

The branch on c is decided by the engine's first-character test for each alternative; the stem trie after
it keeps the rule that only word starts with a stem are tried; the derivative matches exactly what the
pattern would from the word start. So the engine finds and matches every candidate without a return to
Python in between (the reader's main pass: about 170,000 machine instructions per assessment before, about
120,000 after). Two things differ in the match object, and the readers of these spans know them: its own
start is the character before the word (the span gives the word start), and a group that opens the match
reports a later start (its end and the match's lastgroup are exact; the reader takes such a group's text
from the span start). A construct the derivation does not know makes the scanner fall back to the loop.

The result equals `pattern.finditer` on lowercased text as long as every alternative of the pattern starts
a word with one of the stems; tests/test_reading_scan.py checks that on every sentence of the MTSamples
corpus and on the unit-test phrases, and that the one-call scan equals the loop.
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


class _Unsupported(Exception):
    """A construct `_Deriver.derive` does not handle: the scanner keeps its loop."""


class _Late(tuple):
    """A group item made by `_Deriver.derive`: it opens after the word's first character (only its end is exact)."""


_WORD_CHAR = re.compile(r"\w")


def _matches_char(op: object, av: object, ch: str, flags: int) -> bool:
    """Whether one consuming item (a literal, class or any-character) matches `ch`; a class is decided by
    the engine itself (compiled alone), so its categories and ranges mean exactly what they do in use."""
    if op is _C.LITERAL:
        return chr(av) == ch  # type: ignore[arg-type]
    if op is _C.NOT_LITERAL:
        return chr(av) != ch  # type: ignore[arg-type]
    if op is _C.ANY:
        return ch != "\n" or bool(flags & re.DOTALL)
    item = _sre_parser.SubPattern(_sre_parser.State(), [(op, av)])
    return _sre_compiler.compile(item, flags).match(ch) is not None


class _Deriver:
    """Derivatives of a parse tree by a first character (see the module docstring)."""

    def __init__(self, state: object, flags: int) -> None:
        self.state = state
        self.flags = flags

    def sub(self, data: list) -> object:
        return _sre_parser.SubPattern(self.state, data)

    def alternation(self, alts: list[list]) -> object:
        """One subpattern matching the alternatives in order."""
        if len(alts) == 1:
            return self.sub(alts[0])
        return self.sub([(_C.BRANCH, (None, [self.sub(alt) for alt in alts]))])

    def boundary_before(self, ch: str) -> tuple:
        """`\\b` at the position before `ch`, tested once `ch` is read: a look-behind over the two characters."""
        pair = self.sub([(_C.IN, [(_C.CATEGORY, _C.CATEGORY_WORD)]), (_C.LITERAL, ord(ch))])
        return (_C.ASSERT_NOT if _WORD_CHAR.match(ch) else _C.ASSERT, (-1, pair))

    def derive(self, items: list, ch: str) -> list[list]:
        """What the sequence `items` has left to match once its first character, `ch`, is read.

        A list of alternatives in the order the engine would try them (backtracking order kept: an optional
        part is tried first when greedy, last when lazy); empty when no match can begin with `ch`.
        """
        if not items:
            raise _Unsupported("a part that may match nothing")
        op, av = items[0]
        rest = list(items[1:])
        if op is _C.AT:
            if av is not _C.AT_BOUNDARY:
                raise _Unsupported(str(av))
            return [[self.boundary_before(ch), *alt] for alt in self.derive(rest, ch)]
        if op in (_C.LITERAL, _C.NOT_LITERAL, _C.IN, _C.ANY):
            return [rest] if _matches_char(op, av, ch, self.flags) else []
        if op is _C.SUBPATTERN:
            group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise _Unsupported("inline flags")
            if group is None:
                return self.derive(list(sub.data) + rest, ch)
            inner = self.derive(list(sub.data), ch)
            return [[_Late((_C.SUBPATTERN, (group, 0, 0, self.alternation(inner)))), *rest]] if inner else []
        if op is _C.BRANCH:
            return [alt for branch in av[1] for alt in self.derive(list(branch.data) + rest, ch)]
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            low, high, sub = av
            if sub.getwidth()[0] == 0:
                raise _Unsupported("a repeat that may match nothing")
            left = high if high == _C.MAXREPEAT else high - 1
            again = [(op, (max(low - 1, 0), left, sub))] if left else []
            more = self.derive(list(sub.data) + again + rest, ch)
            if low > 0:
                return more
            skip = self.derive(rest, ch)
            return more + skip if op is _C.MAX_REPEAT else skip + more
        raise _Unsupported(str(op))


def _without_check(alt: list, check: tuple) -> list | None:
    """`alt` without its leading `check` (looking into a leading group or every branch), or None."""
    if not alt:
        return None
    op, av = alt[0]
    if op is check[0] and av[0] == -1 and av[1].data == check[1][1].data:
        return alt[1:]
    if op is _C.SUBPATTERN and not av[1] and not av[2]:
        inner = _without_check(list(av[3].data), check)
        if inner is None:
            return None
        item = (_C.SUBPATTERN, (av[0], 0, 0, _sre_parser.SubPattern(av[3].state, inner)))
        return [_Late(item) if isinstance(alt[0], _Late) else item, *alt[1:]]
    if op is _C.BRANCH:
        branches = [_without_check(list(b.data), check) for b in av[1]]
        if any(b is None for b in branches):
            return None
        state = av[1][0].state
        return [(_C.BRANCH, (None, [_sre_parser.SubPattern(state, b) for b in branches])), *alt[1:]]
    return None


def _open_late(items: list, depth: int = 0) -> list:
    """Open a leading late group after its leading literal, so the branch it is in can skip it on that
    character (the engine skips an alternative in one test only when it starts with a literal)."""
    if not items or depth > 3 or not isinstance(items[0], _Late):
        return items
    group, _, _, sub = items[0][1]
    content = list(sub.data)
    if content and content[0][0] is _C.LITERAL:
        rest = _Late((_C.SUBPATTERN, (group, 0, 0, _sre_parser.SubPattern(sub.state, content[1:]))))
        return [content[0], *_open_late([rest, *items[1:]], depth + 1)]
    if content and content[0][0] is _C.BRANCH:  # (?P<g>A|B)T -> (?P<g>AT)|(?P<g>BT): same group, same order
        branches = [
            _sre_parser.SubPattern(
                sub.state,
                _open_late(
                    [_Late((_C.SUBPATTERN, (group, 0, 0, _sre_parser.SubPattern(sub.state, [*b.data, *content[1:]]))))],
                    depth + 1,
                ),
            )
            for b in content[0][1][1]
        ]
        return [(_C.BRANCH, (None, branches)), *items[1:]]
    return items


def _groups(data: list, late: set[int], exact: set[int]) -> None:
    """Sort the capturing groups of a tree into late-opened ones and exact ones."""
    for item in data:
        op, av = item
        if op is _C.SUBPATTERN:
            if av[0] is not None:
                (late if isinstance(item, _Late) else exact).add(av[0])
            _groups(av[3].data, late, exact)
        elif op is _C.BRANCH:
            for branch in av[1]:
                _groups(branch.data, late, exact)
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            _groups(av[2].data, late, exact)
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            _groups(av[1].data, late, exact)


# Word-initial characters, most frequent first in clinical text (MTSamples): the engine tries the branches
# of the fused pattern in order, one character test each, so common first letters are found sooner. Each
# branch starts with a different character, so the order changes no match.
_FREQUENT_FIRST = "taswpoihcdrfbmlneug12v5304y96x7q8"


def _branch_order(ch: str) -> tuple[int, str]:
    i = _FREQUENT_FIRST.find(ch)
    return (i if i >= 0 else len(_FREQUENT_FIRST), ch)


def _fuse(
    pattern: re.Pattern[str], tree: object | None, stems: tuple[str, ...]
) -> tuple[re.Pattern[str], frozenset[str]] | None:
    """The one-call scanning pattern and the names of its late groups, or None if it cannot be made."""
    if tree is None:
        return None
    try:
        deriver = _Deriver(tree.state, pattern.flags)  # type: ignore[attr-defined]
        by_first: dict[str, list[str]] = {}
        for stem in stems:
            by_first.setdefault(stem[0], []).append(stem[1:])
        branches = []
        for ch in sorted(by_first, key=_branch_order):
            alts = deriver.derive(list(tree.data), ch)  # type: ignore[attr-defined]
            if not alts:
                continue
            head: list = [(_C.LITERAL, ord(ch))]
            if "" not in by_first[ch]:
                gate = _sre_parser.parse(trie_pattern(by_first[ch]), pattern.flags)
                head.append((_C.ASSERT, (1, deriver.sub(list(gate.data)))))
            check = deriver.boundary_before(ch)
            bare = [_without_check(alt, check) for alt in alts]
            if all(alt is not None for alt in bare):  # every alternative starts with \b: test it once
                alts = bare  # type: ignore[assignment]
                head.append(check)
            alts = [_open_late(alt) for alt in alts]
            branches.append(deriver.sub(head + [(_C.SUBPATTERN, (None, 0, 0, deriver.alternation(alts)))]))
        data = [
            (_C.IN, [(_C.NEGATE, None), (_C.RANGE, (97, 122)), (_C.RANGE, (48, 57))]),
            (_C.BRANCH, (None, branches)),
        ]
        late: set[int] = set()
        exact: set[int] = set()
        _groups(data, late, exact)
        if late & exact:
            raise _Unsupported("a group both opens a match and follows its start")
        names = {index: name for name, index in pattern.groupindex.items()}
        fused = _sre_compiler.compile(deriver.sub(data), pattern.flags)
        return fused, frozenset(names.get(g, str(g)) for g in late)
    except Exception:  # noqa: BLE001 - _Unsupported or an internals change: keep the loop
        return None


_PREFIX = 3  # characters a pruned copy is chosen by
_MAX_KEYS = 20_000  # text prefixes remembered per scanner (each refers to one of a few hundred copies)


class Scanner:
    """The matches of `pattern` in lowercased text, found through the stems its matches start with."""

    __slots__ = ("pattern", "stems", "_starts", "_tree", "_prefixes", "_by_prefix", "_fused", "late_groups")

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
        fused = _fuse(pattern, self._tree, self.stems)
        self._fused = fused[0] if fused else None
        # Groups whose reported start is late in a fused match (see the module docstring).
        self.late_groups: frozenset[str] = fused[1] if fused else frozenset()

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
        if self._fused is not None:
            for m in self._fused.finditer(text, pos, endpos):
                out.append((m.start() + 1, m.end(), m))
            return out
        return self._loop(text, pos, endpos, out)

    def _loop(self, text: str, pos: int, endpos: int, out: list[Span]) -> list[Span]:
        """The rest of `spans` one candidate word at a time (without a fused pattern, and for tests)."""
        by_prefix = self._by_prefix
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
