"""The pure core: `apply(state, event) -> (state, outputs)`. The Faust agents and `replay` both call it.

No Kafka, no I/O, no clock: `raised_at`/`resolved_at` are the triggering event's own `occurred_at`, and
rules judge by the events' own dates (date of service, performed_at), so the same events give the same
alerts in any interleaving of the four topics. The state passed in is updated in place and returned.

Per event: (1) an event id already applied changes nothing; (2) the event is recorded in the state (the
assessment and the imaging report are read once, here); (3) the rules are evaluated over the subjects the
event can affect; (4) a verdict whose alert id was never raised becomes an `Alert`; an open alert about an
evaluated subject that no longer holds (the subject was corrected, or a later visit superseded it) becomes
a `Resolution`. Ids already raised are remembered, so nothing fires twice for the same subject.

Which subjects are evaluated (`_subjects`) is part of the behaviour, not only of the cost: an encounter
event evaluates every visit of its episode and the claims dated on or after it, an imaging event every LBP
visit, a claim or prior-auth request itself. Evaluating fewer (only what the event changed, e.g. the new
visit and the later ones of its episode) would be exact only if every subject's alerts were settled before
the event, and they are not always: a re-signed visit that moves to another episode (or loses its LBP code)
changes the visits it left behind, and the 25th visit drops the oldest one and changes its episode, without
those visits being evaluated then; a claim naming a visit dated after the claim is not re-evaluated when
that visit changes. Their pending alerts and resolutions come out when a later event evaluates them, and
`apply(state, event)` cannot tell such a patient from another (the state does not record what was last
evaluated). So the subject sets stay as they are; the speed comes from answering the same questions
cheaper (codes looked up once per spelling, Excludes1 pairs once per codes tuple, episodes indexed by id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from types import ModuleType

from streams.core import codes, reading
from streams.core.alerts import Alert, Output, Resolution, Verdict, alert_id
from streams.core.chart import DURATIONS, Chart, is_lbp, normalized
from streams.core.events import Claim, Diagnosis, Encounter, Event, Imaging, PriorAuth, instant
from streams.core.memo import Memo
from streams.core.reading import context
from streams.core.rules import CLAIM_RULES, ENCOUNTER_RULES, PRIOR_AUTH_RULES
from streams.core.rules.ops_provider_unspecified_share import RULE_ID as SHARE_RULE
from streams.core.rules.ops_provider_unspecified_share import SUBJECT as PROVIDER
from streams.core.rules.ops_provider_unspecified_share import Observation, ProviderState, ShareConfig, observe
from streams.core.state import (
    MAX_CODES,
    MAX_NOTED,
    ClaimRecord,
    EncounterRecord,
    ImagingRecord,
    Noted,
    PatientState,
    PriorAuthRecord,
    Raised,
    cut,
)


@dataclass(frozen=True, slots=True)
class Config:
    episode_gap_days: int = 90
    share: ShareConfig = field(default_factory=ShareConfig)


DEFAULT = Config()
# "l spine" as a word: "cervical spine" ends in "l spine" too
LUMBAR_SITE = re.compile(r"lumb|\bl-spine\b|\bl spine\b|\bl/s\b|\bls spine\b|\bl-s spine\b|low back")


# --- recording: event -> compact record --------------------------------------------------------------


_SEQUENCE = attrgetter("sequence")


def _in_sequence(diagnoses: tuple[Diagnosis, ...]) -> list[Diagnosis]:
    return sorted(diagnoses, key=_SEQUENCE)[:MAX_CODES]


# code as sent (a string: the schema says so) -> as an encounter records it, for the spellings seen (a few hundred)
_RECORDED: Memo[str, str] = Memo(lambda raw: normalized(raw) or raw.strip())


def _codes(diagnoses: tuple[Diagnosis, ...]) -> list[str]:
    """Normalized where the shape allows (encounters); claims and requests keep codes as sent."""
    recorded = _RECORDED
    return [recorded[d.code] for d in _in_sequence(diagnoses)]


def _lbp_code(codes: list[str]) -> str | None:
    """The first low-back-pain-family code, by sequence."""
    for c in codes:
        if is_lbp(c):
            return c
    return None


# A finding placed in the neck or the thoracic spine ("cervical radiculopathy at C6", "T7-8 disc herniation",
# "cervical myofascial pain") says nothing about the low back: recorded, it made COD-CONTRIBUTING-DX-MISSING
# suggest the lumbar code (M54.16 for a C6 radiculopathy, M51.26 for a thoracic disc) and would count as a
# distinct cause of low back pain (M54.59). A finding whose level is lumbar, lumbosacral, thoracolumbar or
# sacral, or is not stated, or names regions together ("cervical and lumbar stenosis"), is kept.
# A finding with no level of its own is placed by its clause: "C5-C6 disc herniation with right arm
# radiculopathy", "disc herniation in the neck", "cervical myelopathy due to spinal stenosis", "myofascial
# pain of the upper trapezius" name only the neck or the upper back, and nothing of the low back.
UPPER_SPINE = frozenset({"cervical", "thoracic", "cervicothoracic"})
LOWER_SPINE = frozenset({"lumbar", "lumbosacral", "thoracolumbar", "sacral"})
_PLACED_BY_SENTENCE = frozenset(
    {"radiculopathy", "disc_herniation", "disc_degeneration", "spondylosis", "stenosis", "myofascial", "fracture"}
)
# Where a sentence places things: an arm or a shoulder is too often how it happened ("lifting a box with both
# arms", "a fall on his shoulder") to place a finding; an upper extremity's symptoms are not.
_UPPER_REGION = re.compile(
    r"\b(?:cervical|thoracic|c-spine|t-spine|neck|trapezius|upper\s+back"
    r"|upper\s+extremit\w*\s+(?:radicul\w*|pain|numbness|paresthesi\w*|symptoms|weakness))\b"
)
_LOWER_REGION = re.compile(
    r"\b(?:lumb\w*|sacr\w*|low(?:er)?\s+back|l-spine|sciatica|buttocks?|glute\w*|legs?|lower\s+(?:extremit\w*|limbs?)"
    r"|hips?|thighs?|knees?|calf|calves|ankles?|foot|feet|lbp|[ls]\d|throughout\s+the\s+spine|(?:entire|whole)\s+spine)\b"
)


def _upper_only(sentence: str, findings: list[reading.Finding], finding: reading.Finding) -> bool:
    """The finding's clause (its sentence up to a ";") places what it says in the neck or the upper back, by a
    documented finding's level or by an affirmed word ("no cervical involvement" places nothing), and nowhere
    lower."""
    levels = {f.level for f in findings if f.sentence == sentence and f.documented()}
    low = sentence.lower()
    if ";" in low:  # "Spinal stenosis; cervical MRI was normal": the clause, not the sentence
        low = next((part for part in low.split(";") if _mentions(part, finding.finding)), low)
    if (levels & LOWER_SPINE) or _LOWER_REGION.search(low) is not None:
        return False
    if levels & UPPER_SPINE:
        return True
    words = list(_UPPER_REGION.finditer(low))
    found = context.triggers(low) if words else []
    return any(context.status_at(low, found, m.start(), m.end()) == ("affirmed", "patient") for m in words)


def _mentions(clause: str, key: str) -> bool:
    """Whether the clause holds the finding (read again: the reader reports sentences, not clauses)."""
    return any(f.finding == key for f in reading.read(clause, "assessment"))


def _noted(findings: list[reading.Finding], sections: tuple[str, ...]) -> list[Noted]:
    """The documented findings (affirmed, about the patient) of these sections that concern the low back."""
    out = []
    upper_only: dict[tuple[str, str], bool] = {}  # (sentence, key) -> _upper_only, for findings without a level
    for f in findings:
        if f.level is None and f.finding in _PLACED_BY_SENTENCE and f.documented():
            placed = upper_only.get((f.sentence, f.finding))
            if placed is None:
                placed = upper_only[(f.sentence, f.finding)] = _upper_only(f.sentence, findings, f)
            if placed:
                continue
        if f.documented() and f.section in sections and f.level not in UPPER_SPINE:
            out.append(Noted(f.finding, cut(f.sentence), f.side, f.level, f.modic_type))
            if len(out) == MAX_NOTED:
                break
    return out


# `findings` keys an imaging event may carry (events.md), as reader findings
_IMAGING_KEYS = {
    "modic_type_1": ("modic_change", 1),
    "modic_type_2": ("modic_change", 2),
    "modic_type_3": ("modic_change", 3),
    "endplate_degeneration": ("endplate_degeneration", None),
    "disc_herniation": ("disc_herniation", None),
    "compression_fracture": ("fracture", None),
    "stenosis": ("stenosis", None),
}


# "pain since 2019", "sciatica since March 2024": a start the reader cannot turn into a duration (it has no
# date); the visit dates it. Only right after the pain's words ("on and off since 2015", "present since"):
# a review found "pain-free since 2019 until yesterday", "employed at the warehouse since 2019", "worse since
# October" and "sciatica resolved since 2022" beside a low back pain.
_SINCE = re.compile(
    r"\b(?:pain|lbp|lumbago|sciatica|symptoms|present|ongoing|intermittent|intermittently|off)[\s,]+since\s+"
    r"(?:(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?(?P<year>(?:19|20)\d\d)\b"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _dated_onset(text: str, findings: list[reading.Finding], noted: list[Noted], on: date) -> Noted | None:
    """The duration of a documented low back pain or sciatica "since 2019" (or "since March 2024") on the date
    of service, when the whole month or year gives one answer: "since 2019" on 2024-11-04 is chronic, "since
    2024" on 2024-11-04 may be weeks or months, so it says nothing (COD-DURATION-UNDOCUMENTED still asks).
    None as well when the reader found a duration."""
    if "since" not in text.lower() or any(n.key in DURATIONS for n in noted):
        return None
    for f in findings:
        if f.finding not in ("low_back_pain", "sciatica") or not f.documented() or f.section != "assessment":
            continue
        m = _SINCE.search(f.sentence.lower())
        if m is None:
            continue
        year, month = int(m["year"]), m["month"]
        first = date(year, _MONTHS.index(month) + 1 if month else 1, 1)
        last = date(year + 1, 1, 1) if month in (None, "dec") else date(year, _MONTHS.index(month) + 2, 1)
        if first > on:
            continue
        shortest = reading.duration_key(max(0, (on - last).days) / 7)
        if shortest == reading.duration_key((on - first).days / 7):
            return Noted(shortest, cut(f.sentence))
    return None


def encounter_record(e: Encounter) -> EncounterRecord:
    codes = _codes(e.diagnoses)
    findings = reading.read(e.assessment, "assessment")
    noted = _noted(findings, ("assessment",))
    if len(noted) < MAX_NOTED and (onset := _dated_onset(e.assessment, findings, noted, e.date_of_service)):
        noted.append(onset)
    return EncounterRecord(
        encounter_id=e.encounter_id,
        event_id=e.event_id,
        occurred_at=e.occurred_at,
        provider_id=e.provider_id,
        date_of_service=e.date_of_service,
        codes=codes,
        lbp_code=_lbp_code(codes),
        noted=noted,
        link_denied=any(
            f.finding == "vertebral_link"
            and f.status == "negated"
            and f.section == "assessment"
            and f.experiencer == "patient"
            for f in findings
        ),
    )


def imaging_record(i: Imaging) -> ImagingRecord:
    noted = _noted(reading.read(i.report_text, "imaging"), ("imaging", "assessment"))
    for key in i.findings:
        finding, modic = _IMAGING_KEYS.get(key, (None, None))
        if finding and not any(n.key == finding and n.modic_type == modic for n in noted):
            noted.append(Noted(finding, f"{key} (structured finding on accession {i.accession})", modic_type=modic))
    site = i.body_site.lower()
    return ImagingRecord(
        accession=i.accession,
        event_id=i.event_id,
        performed_on=i.performed_on,
        modality=i.modality,
        body_site=i.body_site,
        lumbar=LUMBAR_SITE.search(site) is not None,
        noted=noted[:MAX_NOTED],
    )


def claim_record(c: Claim) -> ClaimRecord:
    ordered = _in_sequence(c.diagnoses)
    return ClaimRecord(
        claim_id=c.claim_id,
        event_id=c.event_id,
        occurred_at=c.occurred_at,
        provider_id=c.provider_id,
        encounter_id=c.encounter_id,
        date_of_service=c.date_of_service,
        codes=[d.code.strip() for d in ordered],
        billed_on=_billed_on(c, ordered),
    )


def _billed_on(c: Claim, ordered: list[Diagnosis]) -> list[list[date]]:
    """Each code's dates of service, by the lines that point to it (`diagnosis_pointers` name sequences): a
    payer judges a line's diagnoses on the line's own date, so M51.36 on a line dated 2024-10-02 is rejected
    although the claim's date (its first day) is 2024-09-30. A line without a date of its own, and a code no
    line points to, take the claim's. A code's validity changes only from one fiscal year to the next, so
    the first of its dates in each fiscal year stands for the rest (at most one date per year: bounded,
    however many lines). Empty when every line is dated as the claim (the usual claim)."""
    claim_dos = c.date_of_service
    if all(line.date_of_service in (None, claim_dos) for line in c.lines):
        return []
    billed_on = []
    for d in ordered:
        first_in_year: dict[int, date] = {}  # fiscal year -> the code's first date in it
        for line in c.lines:
            if d.sequence in line.diagnosis_pointers:
                on = line.date_of_service or claim_dos
                year = codes.year_in_force(on)
                if year not in first_in_year or on < first_in_year[year]:
                    first_in_year[year] = on
        billed_on.append(sorted(first_in_year.values()) or [claim_dos])
    return billed_on


def prior_auth_record(p: PriorAuth) -> PriorAuthRecord:
    ordered = _in_sequence(p.diagnoses)
    primary = next((d.code.strip() for d in ordered if d.sequence == 1), None)
    return PriorAuthRecord(
        request_id=p.request_id,
        event_id=p.event_id,
        occurred_at=p.occurred_at,
        provider_id=p.provider_id,
        service_code=p.service_code,
        on=p.effective_date,
        codes=[d.code.strip() for d in ordered],
        primary=primary,
    )


# --- evaluation ----------------------------------------------------------------------------------------


def _encounter_verdicts(chart: Chart, enc: EncounterRecord, out: list[tuple[Verdict, EncounterRecord | None]]) -> None:
    """Encounter rules on one visit, each with the later visit of its episode that already corrected it, if
    one did (then it does not hold: raised if it never was, so the raised set does not depend on arrival
    order, and resolved at once by that visit); appended to `out`."""
    later: list[EncounterRecord] | None = None  # the visits after it in its episode, once a rule fires
    for rule in ENCOUNTER_RULES:
        v = rule.check(chart, enc)
        if v is None:
            continue
        if later is None:
            episode = chart.episode_of(enc)
            later = [e for e in episode.encounters if e.date_of_service > enc.date_of_service] if episode else []
        out.append((v, _superseded(rule, chart, v, later) if later else None))


def _superseded(rule: ModuleType, chart: Chart, v: Verdict, later: list[EncounterRecord]) -> EncounterRecord | None:
    superseded_by = getattr(rule, "superseded_by", None)
    if superseded_by is None:
        return None
    raised = Raised(v.rule_id, v.subject_type, v.subject_id, list(v.codes), list(v.suggested_codes))
    return next((e for e in later if superseded_by(raised, e) and rule.check(chart, e) is None), None)


def _subjects(state: PatientState, chart: Chart, event: Event) -> tuple[list, list, list]:
    """(encounters, claims, prior-auths) the event can affect; rules are evaluated over these only."""
    if isinstance(event, Encounter):
        enc = chart.encounter(event.encounter_id)
        episode = chart.episode_of(enc) if enc else None
        encounters = list(episode.encounters) if episode else ([enc] if enc else [])
        # the claims a visit can change: those dated from its day on, and those naming it whatever their
        # date (a claim dated the day before the visit it names waits for it: a billing review)
        dos, encounter_id = event.date_of_service, event.encounter_id
        claims = [c for c in state.claims if c.date_of_service >= dos or c.encounter_id == encounter_id]
        return encounters, claims, []
    if isinstance(event, Imaging):
        encounters = [e for e in state.encounters if e.lbp_code is not None]
        return encounters, [], []
    if isinstance(event, Claim):
        claim_id = event.claim_id
        return [], [c for c in state.claims if c.claim_id == claim_id], []
    request_id = event.request_id
    return [], [], [p for p in state.prior_auths if p.request_id == request_id]


def evaluate(state: PatientState, event: Event, config: Config) -> list[Output]:
    chart = Chart(state, config.episode_gap_days)
    encounters, claims, prior_auths = _subjects(state, chart, event)
    verdicts: list[tuple[Verdict, EncounterRecord | None]] = []  # (verdict, the later visit that corrected it)
    for enc in encounters:
        _encounter_verdicts(chart, enc, verdicts)  # each rule says which visits it judges
    for claim in claims:
        for rule in CLAIM_RULES:
            if (v := rule.check(chart, claim)) is not None:
                verdicts.append((v, None))
    for pa in prior_auths:
        for rule in PRIOR_AUTH_RULES:
            if (v := rule.check(chart, pa)) is not None:
                verdicts.append((v, None))

    outputs: list[Output] = []
    holding: set[str] = set()
    corrected_by: dict[str, str] = {}  # alert id -> event id of the later visit that corrected it
    patient_id, raised = state.patient_id, state.raised
    for v, superseded in verdicts:
        aid = alert_id(v.rule_id, patient_id, v.subject_type, v.subject_id)
        if superseded is None:
            holding.add(aid)
        else:
            corrected_by[aid] = superseded.event_id
        if aid not in raised:  # most verdicts repeat an alert already raised: no Alert is built for them
            raised_at = event.occurred_at  # kept: a resolution is never dated before it (_not_before)
            state.remember(
                aid,
                Raised(
                    v.rule_id, v.subject_type, v.subject_id, list(v.codes), list(v.suggested_codes), True, raised_at
                ),
            )
            outputs.append(Alert.from_verdict(v, patient_id, event.event_id, event.occurred_at))

    if not raised or not (encounters or claims or prior_auths):
        return outputs
    # subject type -> the ids evaluated: an open alert about one of them that no longer holds is resolved
    evaluated = {
        "encounter": {e.encounter_id for e in encounters},
        "claim": {c.claim_id for c in claims},
        "prior_auth": {p.request_id for p in prior_auths},
    }
    # resolved by this event, or by the later visit that had corrected it (imaging arriving after both
    # visits raises the first visit's alert and resolves it at once: the visit answered, not the imaging);
    # resolved_at is this event's time either way, never before the alert's raised_at
    for aid, r in raised.items():  # (the loop changes no key: no copy needed)
        if r.open and aid not in holding and r.subject_id in evaluated.get(r.subject_type, ()):
            r.open = False
            by = corrected_by.get(aid, event.event_id)
            at = _not_before(event.occurred_at, r.raised_at)
            outputs.append(Resolution(aid, r.rule_id, patient_id, r.subject_type, r.subject_id, by, at))
    return outputs


def _not_before(occurred_at: str, raised_at: str | None) -> str:
    """A resolution's time: its event's, unless that is earlier than the alert's raised_at (the events'
    own times disagree with their order of arrival: a claim resubmitted at 10:00 arriving after a visit
    signed at 15:00 that raised the alert). A consumer's time-to-resolve is never negative (a billing
    review found one)."""
    if raised_at is None or raised_at == occurred_at:
        return occurred_at
    return raised_at if instant(raised_at) > instant(occurred_at) else occurred_at


def record(state: PatientState, event: Event) -> None:
    if isinstance(event, Encounter):
        state.record_encounter(encounter_record(event))
    elif isinstance(event, Imaging):
        state.record_imaging(imaging_record(event))
    elif isinstance(event, Claim):
        state.record_claim(claim_record(event))
    else:
        state.record_prior_auth(prior_auth_record(event))


def apply(state: PatientState | None, event: Event, config: Config = DEFAULT) -> tuple[PatientState, list[Output]]:
    """One event into one patient's state: the new state and the alerts / resolutions it produces."""
    if state is None:
        state = PatientState(event.patient_id)
    if event.event_id in state.applied:
        return state, []
    record(state, event)
    state.mark_applied(event.event_id)
    return state, evaluate(state, event, config)


def uncovered_year(event: Event) -> int | None:
    """The fiscal year an encounter, claim or prior-auth request is coded in, when no code set on file
    holds it; None when one does, and for imaging (its rules judge no code).

    Code validity is judged by the code set in force on the date of service (rules.md) and never by the
    nearest year, so such an event is not checked for retired codes or against the codes' official
    descriptions, and gets no code suggestions: after October 1 of a year whose CMS order file is not yet
    in the folder, every new claim would pass unchecked without a word. The shells count and report these
    events instead.
    """
    if isinstance(event, Encounter | Claim):
        on = event.date_of_service
    elif isinstance(event, PriorAuth):
        on = event.effective_date
    else:
        return None
    return codes.uncovered_year(on)


# --- provider aggregate (OPS-PROVIDER-UNSPECIFIED-SHARE) -----------------------------------------------


def observation(event: Event) -> Observation | None:
    """What the provider aggregate needs from a signed LBP encounter; None for anything else."""
    if not isinstance(event, Encounter):
        return None
    lbp = _lbp_code(_codes(event.diagnoses))
    if lbp is None:
        return None
    return Observation(
        event.provider_id, event.encounter_id, event.date_of_service, lbp == "M54.50", event.event_id, event.occurred_at
    )


def apply_provider(
    state: ProviderState | None, obs: Observation, config: Config = DEFAULT
) -> tuple[ProviderState, list[Output]]:
    if state is None:
        state = ProviderState(obs.provider_id)
    verdicts, resolved = observe(state, obs, config.share)
    outputs: list[Output] = [Alert.from_verdict(v, None, obs.event_id, obs.occurred_at) for v in verdicts]
    for subject_id in resolved:
        aid = alert_id(SHARE_RULE, None, PROVIDER, subject_id)
        outputs.append(Resolution(aid, SHARE_RULE, None, PROVIDER, subject_id, obs.event_id, obs.occurred_at))
    return state, outputs


__all__ = ["Config", "DEFAULT", "apply", "apply_provider", "observation", "uncovered_year", "alert_id"]
