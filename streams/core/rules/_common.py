"""Small pieces several rules share: code validity on a date, evidence records, message fragments."""

from __future__ import annotations

from datetime import date

from streams.core import codes
from streams.core.alerts import Evidence
from streams.core.chart import Chart, is_lbp, normalized
from streams.core.state import EncounterRecord, Noted

# (code as sent, fiscal year) pairs whose answer is None: that answer reads the date's fiscal year only
_NOTHING_TO_SAY: set[tuple[str, int]] = set()
_NOTHING_MAX = 65536


def not_billable(raw: str, on: date) -> codes.CodeStatus | None:
    """The code's status if it existed in some fiscal year but is not billable on `on`; None if it is
    billable, malformed, never existed, or the date is outside the reference data (no guess)."""
    key = (raw, on.year + 1 if on.month >= 10 else on.year)  # (codes.fiscal_year, without its range check)
    if key in _NOTHING_TO_SAY:
        return None
    status = _not_billable(raw, on)
    if status is None and type(raw) is str:
        if len(_NOTHING_TO_SAY) >= _NOTHING_MAX:
            _NOTHING_TO_SAY.clear()
        _NOTHING_TO_SAY.add(key)
    return status


def _not_billable(raw: str, on: date) -> codes.CodeStatus | None:
    code = normalized(raw)
    if code is None:
        return None
    idx = codes.index()
    try:
        # the usual answer (billable, or never a code) without building the full status
        if idx.is_billable(code, on) or not idx.ever_existed(code):
            return None
        return idx.status(code, on)
    except codes.NotCovered:
        return None


def replacements(chart: Chart, status: codes.CodeStatus) -> tuple[str, ...]:
    """The valid children of a retired code, the one the documentation supports first. For a code not yet
    in the code set on that date (M54.50 before 2021-10-01), the code in force then: its nearest billable
    parent (M54.5)."""
    children = list(status.billable_descendants)
    if not children and not status.exists and any(fy > status.fiscal_year for fy in status.present_years):
        return _parent_in_force(status.code, status.on)
    if any(is_lbp(c) for c in children):
        supported = [c for group in chart.supported_lbp_groups(status.on) for c in group if c in children]
        children = supported + [c for c in children if c not in supported]
    return tuple(children)


def _parent_in_force(code: str, on: date) -> tuple[str, ...]:
    idx = codes.index()
    parent = code
    while len(parent) > 3:
        parent = parent[:-1].removesuffix(".")
        if idx.is_billable(parent, on):
            return (parent,)
    return ()


def code_evidence(event_id: str, code: str, where: str) -> Evidence:
    return Evidence(event_id, "code", f"{code} on the {where}")


def finding_evidence(enc: EncounterRecord, n: Noted) -> Evidence:
    return Evidence(enc.event_id, "assessment", n.sentence)
