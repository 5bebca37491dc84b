"""Excludes1 checks, with the expected answer derived from the packaged CMS tabular (not hand-copied).

The derivation here is deliberately naive (codes in parentheses, prefix match, ancestors from the
package) and independent of the index's note parser; the LBP-relevant notes are all of that simple form.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from streams.core import codes
from streams.core.codes._excludes1 import covers, parse_note


@pytest.fixture(scope="module")
def icd() -> Any:
    import simple_icd_10_cm

    return simple_icd_10_cm


def _named(icd: Any, code: str) -> list[str]:
    """Undotted prefixes named in parentheses by the Excludes1 notes of `code` and its ancestors."""
    out = []
    for item in [code, *icd.get_ancestors(code)]:
        for note in icd.get_excludes1(item):
            for group in re.findall(r"\(([^()]*)\)", note):
                out += [
                    c.replace(".", "").rstrip("-") for c in re.findall(r"\b[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]+)?-?", group)
                ]
    return out


def _expected(icd: Any, a: str, b: str) -> bool:
    ka, kb = a.replace(".", ""), b.replace(".", "")
    return any(kb.startswith(p) for p in _named(icd, a)) or any(ka.startswith(p) for p in _named(icd, b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("M54.50", "M54.41"),
        ("M54.50", "M51.26"),
        ("M54.50", "M54.16"),
        ("M54.51", "M54.42"),
        ("M54.59", "M51.360"),
        ("M54.50", "S39.012A"),
        ("M54.50", "M47.816"),
        ("M54.41", "M51.16"),
        ("M54.16", "M51.16"),
        ("M54.50", "F45.41"),
        ("M54.50", "M54.2"),
    ],
)
def test_excludes1_matches_the_tabular(icd: Any, a: str, b: str) -> None:
    expected = _expected(icd, a, b)
    assert (codes.excludes1_conflict(a, b) is not None) is expected
    assert (codes.excludes1_conflict(b, a) is not None) is expected


def test_the_named_lbp_conflicts_are_in_the_tabular(icd: Any) -> None:
    assert _expected(icd, "M54.50", "M54.41")
    assert _expected(icd, "M54.50", "M51.26")


def test_undotted_input_is_accepted() -> None:
    assert codes.excludes1_conflict("m5450", "M5441") == codes.excludes1_conflict("M54.50", "M54.41")


@pytest.mark.parametrize(
    ("note", "inside", "outside"),
    [
        ("lumbago with sciatica (M54.4-)", ["M5441", "M544"], ["M545", "M5450"]),
        ("dorsopathies (M50-M54)", ["M5126", "M5450", "M50"], ["M4781", "M5500"]),
        ("diabetic polyneuropathy (E08-E13 with .42)", ["E1142", "E0842"], ["E1140", "E119", "E1442"]),
        ("open skull fracture (S02.- with 7th character B)", ["S02101B"], ["S02101A"]),
        ("stuttering after stroke (I69. with final characters -23)", ["I69323"], ["I69320"]),
        ("leukemia in remission C91.0-C95.9 with 5th character 1", ["C9101"], ["C9100"]),
    ],
)
def test_note_references(note: str, inside: list[str], outside: list[str]) -> None:
    _, refs = parse_note(note)
    assert refs
    full = [(*r, 0) for r in refs]
    for key in inside:
        assert any(covers(r, key) for r in full), key
    for key in outside:
        assert not any(covers(r, key) for r in full), key


def test_a_qualifier_not_understood_drops_the_reference() -> None:
    assert parse_note("open fracture (S52.- with open fracture 7th character)")[1] == []


def test_every_pair_in_the_lbp_neighbourhood_matches_the_tabular(icd: Any) -> None:
    family = [c for c in icd.get_all_codes() if c[:3] in {"M51", "M54"} and icd.is_leaf(c)]
    assert len(family) > 50
    named = {c: _named(icd, c) for c in family}
    for a in family:
        for b in family:
            if a == b:
                continue
            ka, kb = a.replace(".", ""), b.replace(".", "")
            want = any(kb.startswith(p) for p in named[a]) or any(ka.startswith(p) for p in named[b])
            assert (codes.excludes1_conflict(a, b) is not None) is want, (a, b)
