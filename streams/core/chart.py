"""The patient's chart as the rules read it: episodes, imaging on file, what the documentation supports.

Rules stay one small function each because the questions they share ("which episode is this encounter in?",
"which imaging explains the pain?", "which LBP code does the documentation on file support?") are answered
here once, from the events' own dates, never from arrival order.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from streams.core import codes
from streams.core.state import EncounterRecord, ImagingRecord, Noted, PatientState

# The LBP family as rules.md defines it: M54.5 and its children, and lumbago with sciatica (M54.4-).
LBP_PREFIXES = ("M54.5", "M54.4")
UNSPECIFIED_LBP = "M54.50"
VERTEBROGENIC_LBP = "M54.51"
OTHER_LBP = "M54.59"

# Findings that can change which LBP code is right (they explain a code change, or make a carried-forward
# code stale). Contributing diagnoses (radiculopathy, stenosis, ...) are coded beside the LBP code instead.
LBP_RELEVANT = frozenset(
    {"vertebral_link", "modic_change", "endplate_degeneration", "sciatica", "myofascial", "sacroiliac_dysfunction"}
)
# Distinct causes that make M54.59 (other low back pain) supportable.
OTHER_LBP_CAUSES = ("myofascial", "sacroiliac_dysfunction")
DURATIONS = ("duration_acute", "duration_subacute", "duration_chronic")


def lbp_code_supported(enc: EncounterRecord) -> bool:
    """The visit's LBP code is the one its own assessment supports: M54.4- with sciatica, M54.51 with a
    vertebral link, M54.59 with a distinct cause, M54.50 (M54.5 before FY2022) with none of them."""
    code = enc.lbp_code
    if code is None:
        return False
    sciatica = enc.documents("sciatica") is not None
    if code.startswith("M54.4") or sciatica:
        return code.startswith("M54.4") and sciatica
    link = enc.documents("vertebral_link") is not None
    cause = any(enc.documents(k) for k in OTHER_LBP_CAUSES)
    if code == VERTEBROGENIC_LBP:
        return link
    if code == OTHER_LBP:
        return cause
    return not link and not cause


def sciatica_side(enc: EncounterRecord) -> str | None:
    """The side of all the sciatica the visit's assessment documents: left in one sentence and right in
    another is bilateral (both codes), as is "bilateral"; None when no sentence states one. Every rule that
    suggests M54.4- asks this, so they suggest the same codes for one visit."""
    sides = {n.side for n in enc.noted if n.key == "sciatica" and n.side}
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return next(iter(sides), None)


def visit_supported_codes(enc: EncounterRecord) -> tuple[str, ...]:
    """The LBP code(s) the visit's own assessment supports: lumbago with sciatica by side, else M54.51 for a
    documented link, else M54.59 for a distinct cause, else M54.50."""
    if enc.documents("sciatica") is not None:
        return sciatica_codes(sciatica_side(enc), enc.date_of_service)
    if enc.documents("vertebral_link") is not None:
        return (VERTEBROGENIC_LBP,)
    if any(enc.documents(k) for k in OTHER_LBP_CAUSES):
        return (OTHER_LBP,)
    return (UNSPECIFIED_LBP,)


def specific_code_supported(enc: EncounterRecord) -> bool:
    """The visit's own assessment supports its M54.51 (a vertebral link) and its M54.59 (a distinct cause):
    what COD-M5451-UNSUPPORTED and COD-M5459-UNSUPPORTED ask. A visit that fails this corrects nothing."""
    if VERTEBROGENIC_LBP in enc.codes and enc.documents("vertebral_link") is None:
        return False
    return OTHER_LBP not in enc.codes or any(enc.documents(k) for k in OTHER_LBP_CAUSES)


def is_lbp(code: str) -> bool:
    return code.startswith(LBP_PREFIXES)


def normalized(raw: str) -> str | None:
    try:
        return codes.normalize(raw)
    except codes.CodeShapeError:
        return None


def explains_pain(img: ImagingRecord) -> Noted | None:
    """Lumbar imaging showing Modic type 1/2 changes or endplate degeneration: what M54.51 is about."""
    if not img.lumbar:
        return None
    for n in img.noted:
        if n.key == "endplate_degeneration" or (n.key == "modic_change" and n.modic_type in (1, 2, None)):
            return n
    return None


def shown(n: Noted) -> str:
    """An imaging finding that explains the pain, in the report's terms: "Modic type 1 changes"."""
    if n.key == "modic_change":
        return f"Modic type {n.modic_type} changes" if n.modic_type else "Modic changes"
    return n.key.replace("_", " ")


@dataclass(slots=True)
class Episode:
    """A run of LBP encounters, each within `gap_days` of the previous one."""

    encounters: tuple[EncounterRecord, ...]
    gap_days: int
    # encounter id -> position (1-based): rules ask for positions and previous visits over and over
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._positions = {e.encounter_id: i for i, e in enumerate(self.encounters, 1)}

    @property
    def first_date(self) -> date:
        return self.encounters[0].date_of_service

    @property
    def last_date(self) -> date:
        return self.encounters[-1].date_of_service

    def open_on(self, day: date) -> bool:
        """Still open on `day`: the day is within the gap of the episode's last encounter."""
        return self.first_date <= day <= self.last_date + timedelta(days=self.gap_days)

    def position(self, enc: EncounterRecord) -> int:
        """1 for the first encounter of the episode."""
        pos = self._positions.get(enc.encounter_id)
        if pos is None:
            raise StopIteration(enc.encounter_id)  # not in this episode (as before: callers ask about members)
        return pos

    def previous(self, enc: EncounterRecord) -> EncounterRecord | None:
        pos = self.position(enc)
        return self.encounters[pos - 2] if pos > 1 else None


class Chart:
    """Read-only questions over one PatientState."""

    def __init__(self, state: PatientState, gap_days: int) -> None:
        self.state = state
        self.gap_days = gap_days
        self._episode_list: list[Episode] | None = None
        self._episode_by_id: dict[str, Episode] | None = None
        self._explaining: list[tuple[ImagingRecord, Noted]] | None = None

    @property
    def episodes(self) -> list[Episode]:
        """Built on first use: claim and prior-auth rules never ask, and a Chart is made per event.
        (Not functools.cached_property: on Python 3.11 it takes a lock on every access.)"""
        if self._episode_list is None:
            self._episode_list = self._episodes()
        return self._episode_list

    def _episodes(self) -> list[Episode]:
        episodes: list[list[EncounterRecord]] = []
        for enc in self.state.encounters:  # sorted by date of service
            if enc.lbp_code is None:
                continue
            if episodes and (enc.date_of_service - episodes[-1][-1].date_of_service).days <= self.gap_days:
                episodes[-1].append(enc)
            else:
                episodes.append([enc])
        return [Episode(tuple(e), self.gap_days) for e in episodes]

    def episode_of(self, enc: EncounterRecord) -> Episode | None:
        by_id = self._episode_by_id
        if by_id is None:
            by_id = self._episode_by_id = {e.encounter_id: ep for ep in self.episodes for e in ep.encounters}
        return by_id.get(enc.encounter_id)

    @property
    def explaining(self) -> list[tuple[ImagingRecord, Noted]]:
        """Every imaging result on file that explains the pain, with its finding, in date order: asked for
        each visit by two rules, so found once per chart."""
        if self._explaining is None:
            self._explaining = [(img, n) for img in self.state.imaging if (n := explains_pain(img)) is not None]
        return self._explaining

    def imaging_explaining(self, enc: EncounterRecord, episode: Episode) -> tuple[ImagingRecord, Noted] | None:
        """Imaging that explains the pain for this encounter: on file before its date of service, or
        performed later while its episode is still open (it arrived after the visit it explains)."""
        for img, finding in reversed(self.explaining):
            if img.performed_on <= enc.date_of_service or episode.open_on(img.performed_on):
                return img, finding
        return None

    def imaging_between(self, after: date, upto: date) -> list[ImagingRecord]:
        return [i for i in self.state.imaging if after < i.performed_on <= upto]

    def encounter(self, encounter_id: str) -> EncounterRecord | None:
        for e in self.state.encounters:
            if e.encounter_id == encounter_id:
                return e
        return None

    def encounter_billed(self, encounter_id: str | None, on: date) -> EncounterRecord | None:
        """The signed encounter a claim bills: by id, else the latest signed one on or before the date.
        A named encounter not on file yet is None (the claim is re-evaluated when it arrives), not another."""
        if encounter_id:
            return self.encounter(encounter_id)
        before = [e for e in self.state.encounters if e.date_of_service <= on]
        return before[-1] if before else None

    def documented(self, key: str, upto: date | None = None) -> tuple[EncounterRecord, Noted] | None:
        """The latest encounter (on or before `upto`) whose assessment documents `key`; for the vertebral
        link, None when a later assessment rules it out ("not vertebrogenic"): the provider's latest word."""
        if key == "vertebral_link":
            enc = self._latest_word_on_link(upto)
            n = enc.documents(key) if enc is not None else None
            return (enc, n) if enc is not None and n is not None else None
        for enc in reversed(self.state.encounters):
            if upto is not None and enc.date_of_service > upto:
                continue
            n = enc.documents(key)
            if n is not None:
                return enc, n
        return None

    def link_ruled_out(self, upto: date | None = None) -> EncounterRecord | None:
        """The encounter whose assessment ruled the vertebral link out, when that is the provider's latest
        word on it (on or before `upto`)."""
        enc = self._latest_word_on_link(upto)
        return enc if enc is not None and enc.documents("vertebral_link") is None else None

    def _latest_word_on_link(self, upto: date | None) -> EncounterRecord | None:
        """The latest encounter (on or before `upto`) whose assessment documents the vertebral link or rules
        it out."""
        for enc in reversed(self.state.encounters):
            if upto is not None and enc.date_of_service > upto:
                continue
            if enc.link_denied or enc.documents("vertebral_link") is not None:
                return enc
        return None

    def supported_lbp_codes(self, upto: date | None = None) -> tuple[str, ...]:
        """The LBP code(s) the documentation on file supports best: lumbago with sciatica, else M54.51 for a
        documented link, else M54.59 for a distinct cause, else M54.50."""
        return self.supported_lbp_groups(upto)[0]

    def supported_lbp_groups(self, upto: date | None = None) -> list[tuple[str, ...]]:
        """Every LBP code the documentation on file supports, in that order, a group per reason. A retired
        M54.5 is replaced by the first of its children among them: M54.51 for a patient with sciatica on
        file (M54.4-, no child of M54.5) and a link documented later."""
        out: list[tuple[str, ...]] = []
        sciatica = self.documented("sciatica", upto)
        if sciatica is not None:
            out.append(sciatica_codes(sciatica_side(sciatica[0]), upto or sciatica[0].date_of_service))
        if self.documented("vertebral_link", upto):
            out.append((VERTEBROGENIC_LBP,))
        if any(self.documented(k, upto) for k in OTHER_LBP_CAUSES):
            out.append((OTHER_LBP,))
        return out or [(UNSPECIFIED_LBP,)]

    def imaging_on_file(self, upto: date | None = None) -> list[tuple[ImagingRecord, Noted]]:
        if upto is None:
            return list(self.explaining)
        return [(img, n) for img, n in self.explaining if img.performed_on <= upto]


def family_codes(prefix: str, on: date, *, level: str | None = None, side: str | None = None) -> tuple[str, ...]:
    """Billable codes under `prefix` on `on`, narrowed by the level and side the text states, from the
    official descriptions (e.g. "Radiculopathy, lumbar region" vs "..., lumbosacral region").
    The date matters through its fiscal year only (the code set in force): answered once per year."""
    try:
        fy = codes.fiscal_year(on)
    except codes.NotCovered:
        return ()
    return _family_codes(codes.index(), prefix, fy, level, side)


def _in_year(fy: int) -> date:
    """A day of fiscal year `fy` (Oct 1 of fy - 1 to Sep 30 of fy): the index reads a date's fiscal year only."""
    return date(fy, 4, 1)


@functools.lru_cache(maxsize=4096)
def _family_codes(idx: codes.CodeIndex, prefix: str, fy: int, level: str | None, side: str | None) -> tuple[str, ...]:
    on = _in_year(fy)
    children = idx.billable_descendants(prefix, on) or ((prefix,) if idx.is_billable(prefix, on) else ())

    def desc(c: str) -> str:
        return (idx.description(c, on) or "").lower()

    picked = list(children)
    if level in ("lumbar", "lumbosacral", "thoracolumbar"):
        words = re.compile(rf"\b{level} region")  # a word: "thoracolumbar region" is not "lumbar region"
        narrowed = [c for c in picked if words.search(desc(c))]
        picked = narrowed or picked
    if side in ("left", "right"):
        narrowed = [c for c in picked if f"{side} side" in desc(c)]
        picked = narrowed or picked
    return tuple(picked[:4])


def sciatica_codes(side: str | None, on: date) -> tuple[str, ...]:
    """Lumbago with sciatica by documented side: right, left, both sides coded for bilateral (per fiscal year,
    like family_codes)."""
    try:
        fy = codes.fiscal_year(on)
    except codes.NotCovered:
        return ()
    return _sciatica_codes(codes.index(), side, fy)


@functools.lru_cache(maxsize=1024)
def _sciatica_codes(idx: codes.CodeIndex, side: str | None, fy: int) -> tuple[str, ...]:
    on = _in_year(fy)
    if side == "bilateral":
        return family_codes("M54.4", on, side="right")[:1] + family_codes("M54.4", on, side="left")[:1]
    if side in ("left", "right"):
        return family_codes("M54.4", on, side=side)[:1]
    return tuple(c for c in family_codes("M54.4", on) if "unspecified" in (idx.description(c, on) or ""))[:1]


def new_findings(chart: Chart, prev: EncounterRecord, enc: EncounterRecord) -> list[tuple[str, str, str]]:
    """Findings that arrived between two consecutive visits and bear on the LBP code, as (event_id, key,
    text): lumbar imaging resulted in between (a cervical MRI says nothing about the low back), or a finding
    the later assessment documents and the earlier did not."""
    found = [
        (img.event_id, n.key, n.sentence)
        for img in chart.imaging_between(prev.date_of_service, enc.date_of_service)
        if img.lumbar
        for n in img.noted
        if n.key in LBP_RELEVANT
    ][:1]
    found += [
        (enc.event_id, n.key, n.sentence) for n in enc.noted if n.key in LBP_RELEVANT and prev.documents(n.key) is None
    ]
    return found
