"""Code shape and fiscal years: the two checks every lookup starts with, kept free of any data."""

from __future__ import annotations

import re
from datetime import date

FIRST_FY = 2016
"""ICD-10-CM went live in the US on 2015-10-01 (FY2016); the reference files start there."""
LAST_FY = 2026
"""The newest order file on disk (FY2026, in force until 2026-09-30)."""
YEARS: tuple[int, ...] = tuple(range(FIRST_FY, LAST_FY + 1))
COVERED_FROM = date(FIRST_FY - 1, 10, 1)
COVERED_UNTIL = date(LAST_FY, 9, 30)

# a letter and two alphanumerics (the category: a digit second, but FY2026 added QA0-QA08), then an optional
# dot and 1-4 alphanumerics.
_SHAPE = re.compile(r"([A-Z][0-9A-Z][0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?")
_EXPECTED = "expected a letter, two characters, then up to four more (e.g. M54.50)"


class CodeShapeError(ValueError):
    """The text cannot be an ICD-10-CM code at all (typo, junk, injection attempt)."""


class NotCovered(ValueError):
    """The date falls outside the fiscal years the reference files cover."""


# raw spelling -> normalized form, for the spellings seen (a few hundred in practice); cleared when full
_NORMALIZED: dict[str, str] = {}
_NORMALIZED_MAX = 65536


def normalize(raw: str) -> str:
    """Return the dotted, upper-case form (`m5450` -> `M54.50`) so every lookup uses one spelling."""
    if type(raw) is str:
        hit = _NORMALIZED.get(raw)
        if hit is not None:
            return hit
        code = _normalize(raw)
        if len(_NORMALIZED) >= _NORMALIZED_MAX:
            _NORMALIZED.clear()
        _NORMALIZED[raw] = code
        return code
    return _normalize(raw)


def _normalize(raw: str) -> str:
    text = raw.strip().upper() if isinstance(raw, str) else ""
    match = _SHAPE.fullmatch(text)
    if match is None:
        shown = raw if isinstance(raw, str) else repr(raw)
        if len(shown) > 40:
            shown = shown[:40] + "..."
        raise CodeShapeError(f"'{shown}' is not an ICD-10-CM code: {_EXPECTED}")
    category, rest = match.groups()
    return f"{category}.{rest}" if rest else category


def undotted(code: str) -> str:
    """The key form used inside the index (CMS order files carry codes without the dot)."""
    return normalize(code).replace(".", "")


def dotted(key: str) -> str:
    """Inverse of `undotted` for keys that came from the index (no validation: hot path)."""
    return f"{key[:3]}.{key[3:]}" if len(key) > 3 else key


def year_in_force(d: date) -> int:
    """The ICD-10-CM fiscal year in force on `d`: FY N runs from Oct 1 of N-1 to Sep 30 of N (whether or
    not a code set on file holds it; `fiscal_year` refuses those that none does)."""
    return d.year + 1 if d.month >= 10 else d.year


def uncovered_year(d: date) -> int | None:
    """The fiscal year in force on `d` when no code set on file holds it, else None."""
    fy = year_in_force(d)
    return None if FIRST_FY <= fy <= LAST_FY else fy


def fiscal_year(d: date) -> int:
    """The ICD-10-CM fiscal year in force on `d` (FY N = Oct 1 N-1 .. Sep 30 N); refuses uncovered dates.

    Refusing (rather than clamping to the nearest year) keeps a claim from 2014 or 2027 from being
    judged against a code set that was not in force then.
    """
    fy = year_in_force(d)
    if not FIRST_FY <= fy <= LAST_FY:
        raise NotCovered(
            f"{d.isoformat()} is not covered: the reference data covers FY{FIRST_FY}-FY{LAST_FY} "
            f"({COVERED_FROM.isoformat()}..{COVERED_UNTIL.isoformat()}) only; expected a date in that range"
        )
    return fy


def uncovered_advice(fy: int, count: int | None = None) -> str:
    """What an operator is told about events dated in a fiscal year no code set on file holds, and how many
    there were when `count` is given (no patient, claim or note in it: it goes to logs, stderr, reports)."""
    if count is not None:
        return f"{count:,} of the events are dated in FY{fy}. {uncovered_advice(fy)}"
    if fy < FIRST_FY:
        return (
            f"Events dated in FY{fy}, before ICD-10-CM took effect on {COVERED_FROM.isoformat()}, are not checked "
            "for retired codes or against the codes' descriptions (there is no ICD-10-CM code set for them)."
        )
    return (
        f"Events dated in FY{fy} (from {fy - 1}-10-01) are not checked for retired codes or against the codes' "
        f"official descriptions, and get no code suggestions: the ICD-10-CM reference data covers "
        f"FY{FIRST_FY}-FY{LAST_FY} only. Add CMS's cms_{fy}_dx.zip to the reference folder (STREAMS_ICD10CM_DIR) "
        "and raise LAST_FY in streams/core/codes/_shape.py; the index rebuilds itself on the next start."
    )
