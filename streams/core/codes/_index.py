"""The loaded code index: date-effective billability, descriptions, descendants and Excludes1 checks."""

from __future__ import annotations

import bisect
import functools
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from streams.core.codes import _build
from streams.core.codes._excludes1 import Ref, covers
from streams.core.codes._shape import FIRST_FY, LAST_FY, YEARS, dotted, fiscal_year, normalize
from streams.core.memo import Memo

_MAX_LISTED = 10


def _fy_list(mask: int) -> tuple[int, ...]:
    return tuple(fy for fy in YEARS if mask >> (fy - FIRST_FY) & 1)


@dataclass(frozen=True, slots=True)
class CodeStatus:
    """Everything a rule needs to judge one code on one date of service, and to explain it."""

    code: str
    on: date
    fiscal_year: int
    exists: bool
    billable: bool
    description: str | None
    billable_descendants: tuple[str, ...]
    first_billable_fy: int | None
    last_billable_fy: int | None
    ever_existed: bool
    header_since_fy: int | None = None
    """First fiscal year of the run of header years ending at `fiscal_year` (None unless a header)."""
    present_years: tuple[int, ...] = ()

    def describe(self, prefer: Sequence[str] = ()) -> str:
        """One sentence a coder can act on: what the code is, whether it is billable then, what to use
        (`prefer` first: the replacements the patient's documentation supports, in the alert's order)."""
        when = self.on.isoformat()
        if not self.ever_existed:
            return f"{self.code}: not an ICD-10-CM code in any fiscal year FY{FIRST_FY}-FY{LAST_FY}"
        head = f"{self.code} {self.description}" if self.description else self.code
        if self.billable:
            return f"{head}: billable on {when} (FY{self.fiscal_year})"
        if self.exists:
            why = f"a header since FY{self.header_since_fy}"
        elif any(fy > self.fiscal_year for fy in self.present_years):
            added = min(fy for fy in self.present_years if fy > self.fiscal_year)
            why = f"FY{self.fiscal_year}; not in the code set until FY{added}"
        else:
            last = max(self.present_years)
            why = f"deleted from the code set in FY{last + 1}; last valid in FY{last}"
        sentence = f"{head}: not billable on {when} ({why})"
        if self.billable_descendants:
            ordered = [c for c in prefer if c in self.billable_descendants]
            ordered += [c for c in self.billable_descendants if c not in ordered]
            listed = ", ".join(ordered[:_MAX_LISTED])
            more = len(ordered) - _MAX_LISTED
            sentence += f"; use one of {listed}" + (f" (and {more} more)" if more > 0 else "")
        elif prefer:
            sentence += f"; use {', '.join(prefer[:_MAX_LISTED])}"
        return sentence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings, tuples as lists)."""
        out = asdict(self)
        out["on"] = self.on.isoformat()
        out["billable_descendants"] = list(self.billable_descendants)
        out["present_years"] = list(self.present_years)
        out["describe"] = self.describe()
        return out


class CodeIndex:
    """All ICD-10-CM codes of FY2016-FY2026 with per-year presence/billability bitmasks (bit 0 = FY2016).

    Built from the dict stored by `_build`; every lookup is a dict probe plus bit tests.
    """

    def __init__(self, data: dict[str, Any], *, key: str = "", path: Path | None = None) -> None:
        self.key = key
        self.path = path
        self._codes: list[str] = data["codes"]
        self._present = array("H")
        self._present.frombytes(data["present"])
        self._billable = array("H")
        self._billable.frombytes(data["billable"])
        self._text_blob: str = data["text_blob"]
        self._text_offsets = array("I")
        self._text_offsets.frombytes(data["text_offsets"])
        self._latest = array("I")
        self._latest.frombytes(data["latest"])
        self._changed: dict[int, tuple[tuple[int, int], ...]] = data["changed"]
        x1 = data["excludes1"]
        self._x1_own: dict[str, tuple[Ref, ...]] = x1["own"]
        self._x1_category: dict[str, tuple[Ref, ...]] = x1["category"]
        self._x1_texts: list[str] = x1["texts"]
        self.excludes1_source: str = x1["source"]
        # code as given -> (undotted key, position or None): the rules ask about the same few hundred codes
        # code as sent -> (key, position); a malformed code raises CodeShapeError and is not remembered
        self._located: Memo[str, tuple[str, int | None]] = Memo(self._search)

    def __len__(self) -> int:
        return len(self._codes)

    def _locate(self, code: str) -> tuple[str, int | None]:
        return self._located[code] if type(code) is str else self._search(code)

    def _search(self, code: str) -> tuple[str, int | None]:
        key = normalize(code).replace(".", "")
        # binary search in the sorted list: as fast as a dict here, and ~8 MB less than one
        pos = bisect.bisect_left(self._codes, key)
        return key, pos if pos < len(self._codes) and self._codes[pos] == key else None

    # --- dates of service -------------------------------------------------------------------------
    def is_billable(self, code: str, on: date) -> bool:
        """Valid on a claim for that date of service (billable in the fiscal year then in force)."""
        bit = fiscal_year(on) - FIRST_FY
        _, pos = self._locate(code)
        return pos is not None and bool(self._billable[pos] >> bit & 1)

    def ever_existed(self, code: str) -> bool:
        """In any FY2016-FY2026 order file, billable or header (tells a retired code from a typo)."""
        return self._locate(code)[1] is not None

    def exists(self, code: str, on: date) -> bool:
        """In that fiscal year's order file, billable or header."""
        bit = fiscal_year(on) - FIRST_FY
        _, pos = self._locate(code)
        return pos is not None and bool(self._present[pos] >> bit & 1)

    def _text(self, idx: int) -> str:
        return self._text_blob[self._text_offsets[idx] : self._text_offsets[idx + 1]]

    def _description(self, pos: int, fy: int | None) -> str:
        changes = self._changed.get(pos)
        if changes is None or fy is None or not self._present[pos] >> (fy - FIRST_FY) & 1:
            return self._text(self._latest[pos])
        text_idx = changes[0][1]
        for start, idx in changes:
            if start > fy:
                break
            text_idx = idx
        return self._text(text_idx)

    def description(self, code: str, on: date | None = None) -> str | None:
        """Official long description in force on `on` (if the code existed then), else the latest one."""
        fy = fiscal_year(on) if on is not None else None
        _, pos = self._locate(code)
        return None if pos is None else self._description(pos, fy)

    def is_unspecified(self, code: str, on: date) -> bool:
        """The official description that year says "unspecified" (PA-UNSPECIFIED-CODE)."""
        fy = fiscal_year(on)
        _, pos = self._locate(code)
        if pos is None or not self._present[pos] >> (fy - FIRST_FY) & 1:
            return False
        return "unspecified" in self._description(pos, fy).lower()

    def _descendants(self, key: str, bit: int) -> tuple[str, ...]:
        start = bisect.bisect_right(self._codes, key)
        out = []
        for i in range(start, len(self._codes)):
            other = self._codes[i]
            if not other.startswith(key):
                break
            if self._billable[i] >> bit & 1:
                out.append(dotted(other))
        return tuple(out)

    def billable_descendants(self, code: str, on: date) -> tuple[str, ...]:
        """Billable codes that year under this one (sorted, itself excluded): what to use for a header."""
        bit = fiscal_year(on) - FIRST_FY
        key, _ = self._locate(code)
        return self._descendants(key, bit)

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one index per process; CodeStatus is frozen
    def status(self, code: str, on: date) -> CodeStatus:
        """The full picture for one code on one date; raises CodeShapeError / NotCovered like the rest."""
        fy = fiscal_year(on)
        bit = fy - FIRST_FY
        key, pos = self._locate(code)
        present = self._present[pos] if pos is not None else 0
        billable = self._billable[pos] if pos is not None else 0
        billable_years = _fy_list(billable)
        header_since = None
        if present >> bit & 1 and not billable >> bit & 1:
            header_since = fy
            while header_since > FIRST_FY and (present & ~billable) >> (header_since - 1 - FIRST_FY) & 1:
                header_since -= 1
        return CodeStatus(
            code=dotted(key),
            on=on,
            fiscal_year=fy,
            exists=bool(present >> bit & 1),
            billable=bool(billable >> bit & 1),
            description=self._description(pos, fy) if pos is not None else None,
            billable_descendants=self._descendants(key, bit),
            first_billable_fy=billable_years[0] if billable_years else None,
            last_billable_fy=billable_years[-1] if billable_years else None,
            ever_existed=pos is not None,
            header_since_fy=header_since,
            present_years=_fy_list(present),
        )

    def history(self, code: str) -> list[dict[str, Any]]:
        """Per fiscal year: present, billable, description (for `lbp-streams codes CODE`)."""
        _, pos = self._locate(code)
        rows = []
        for fy in YEARS:
            bit = fy - FIRST_FY
            exists = pos is not None and bool(self._present[pos] >> bit & 1)
            rows.append(
                {
                    "fiscal_year": fy,
                    "exists": exists,
                    "billable": exists and bool(self._billable[pos] >> bit & 1),  # type: ignore[index]
                    "description": self._description(pos, fy) if exists and pos is not None else None,
                }
            )
        return rows

    # --- Excludes1 ----------------------------------------------------------------------------------
    def _x1_refs(self, key: str) -> list[tuple[str, Ref]]:
        """Excludes1 references in force for `key`: its own notes first, then its ancestors'."""
        refs: list[tuple[str, Ref]] = []
        for n in range(len(key), 2, -1):
            refs.extend((key[:n], r) for r in self._x1_own.get(key[:n], ()))
        refs.extend((key[:3], r) for r in self._x1_category.get(key[:3], ()))
        return refs

    def excludes1_conflict(self, a: str, b: str) -> str | None:
        """None if the two codes may stand together, else the Excludes1 note that forbids it."""
        return self._excludes1_pair(normalize(a).replace(".", ""), normalize(b).replace(".", ""))

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one index per process, lives as long as it
    def _excludes1_pair(self, ka: str, kb: str) -> str | None:
        if ka == kb or ka.startswith(kb) or kb.startswith(ka):
            return None
        for this, other in ((ka, kb), (kb, ka)):
            for _, ref in self._x1_refs(this):
                if covers(ref, other):
                    return f"{dotted(this)} Excludes1 {ref[5]} ({self._x1_texts[ref[6]]})"
        return None


def load_index(icd_dir: Path, cache_dir: Path, *, rebuild: bool = False) -> CodeIndex:
    """Load the index for the zips in `icd_dir`, building and caching it first when needed."""
    key = _build.cache_key(icd_dir)
    path = _build.cache_path(cache_dir, key)
    data = None if rebuild else _build.load(path)
    if data is None:
        data = _build.build(icd_dir)
        try:
            _build.save(data, path)
        except OSError:
            path = None  # read-only cache dir: still serve from memory
        else:
            for stale in cache_dir.glob("icd10cm-*.bin"):
                if stale != path:
                    stale.unlink(missing_ok=True)  # an index of older reference files or format
    return CodeIndex(data, key=key, path=path)


@functools.cache
def index() -> CodeIndex:
    """The process-wide index from `settings.ICD10CM_DIR`, cached in `settings.CACHE_DIR`."""
    from streams import settings

    return load_index(settings.ICD10CM_DIR, settings.CACHE_DIR)


def excludes1_conflict(a: str, b: str) -> str | None:
    """May codes `a` and `b` stand together? None if so, else a short reason naming the Excludes1 note."""
    return index().excludes1_conflict(a, b)
