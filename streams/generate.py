"""Synthetic event streams with known answers: realistic low-back-pain care, and the alerts it must raise.

`generate(patients, seed)` writes what a practice's systems would send (signed encounters, imaging
results, prior-auth requests, claims) in a plausible arrival order, with the messes a real feed has
(imaging that results after the next visit, claims still carrying retired codes, typos, redelivered
events, malformed lines), and returns beside it the alerts the generator *planted*.

The expectations are computed here from what was planted (codes, dates, whether an assessment was written
to document the vertebral link, whether an imaging report shows Modic 1/2 or endplate degeneration) by an
oracle that reads rules.md, not the engine: it never reads text and never imports the engine, the rules or
the chart. So a replay that disagrees points at the reader, the engine or the oracle, and each is
checkable on its own. Planted rule ids are `PLANTED`; the engine also raises others (e.g.
COD-DURATION-UNDOCUMENTED, CLM-STALE-CODE) that the oracle does not predict.

What is planted (per patient: 0-1 non-LBP visit, sometimes a legacy episode ~2 years earlier coded M54.5
when that was valid, an episode of 1-6 visits 4-30 days apart, in 20% a second episode after a >90-day gap;
each episode follows a scenario):

- CLM-RETIRED-CODE: ~4% of claims map M54.50 back to the header M54.5 (date on/after 2021-10-01); half of
  the disc-degeneration claims dated on/after 2024-10-01 carry M51.36. Before those dates both are valid.
- CLM-INVALID-CODE: ~1.2% of claims carry a typo that no CMS file holds ("M54.5O", "M54.99", ...).
- PA-UNSPECIFIED-CODE / PA-RETIRED-CODE: MRI (72148), PT (97110/97161) and ESI (64483) requests carry the
  visit's codes (M54.50 often), M54.40 when the side was lost, M54.5 from an old order set (~5%).
- COD-IMAGING-UNLINKED: M54.50 visits without a documented link while lumbar MRI/XR with Modic 1/2 or
  endplate degeneration is on file (before the visit, or performed during the open episode and often
  arriving after the next visit).
- COD-LINKED-BUT-UNSPECIFIED / COD-M5451-UNSUPPORTED: the link documented but coded M54.50; M54.51 coded
  from the imaging report with no link in the assessment.
- COD-REPEAT-UNSPECIFIED: M54.50 on the 3rd+ visit of an episode.
- COD-CONTRIBUTING-DX-MISSING / COD-M5459-UNSUPPORTED: one radiculopathy visit in ten leaves the M54.1-
  code off; one myofascial visit in eight (coded M54.59) leaves the myofascial sentence out (both chosen
  by a hash of patient and date).
- OPS-PROVIDER-UNSPECIFIED-SHARE (patients >= 200): one provider per 2,500 patients codes ~97% of LBP
  visits M54.50 and sees 26 new patients within three weeks.

Deterministic: one `random.Random(seed)`, no clock, ids from the seed and counters.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import orjson

from streams.core import codes

# rules.md: M54.5 is a header from FY2022, M51.36 from FY2025; before FY2022 there is no M54.50/51/59.
FY2022 = date(2021, 10, 1)
FY2025 = date(2024, 10, 1)
EPOCH = date(2015, 1, 1)
EPOCH_ORD = EPOCH.toordinal()
DAY = 1440  # minutes
EPISODE_GAP = 90  # rules.md default
SHARE_WINDOW, SHARE_MIN, SHARE_RATIO = 30, 20, 0.8  # OPS-PROVIDER-UNSPECIFIED-SHARE defaults
DUPLICATE_RATE = 0.005
BAD_RATE = 0.005
MAX_SPAN_DAYS = 600

PLANTED = (
    "CLM-RETIRED-CODE",
    "CLM-INVALID-CODE",
    "PA-UNSPECIFIED-CODE",
    "PA-RETIRED-CODE",
    "COD-IMAGING-UNLINKED",
    "COD-LINKED-BUT-UNSPECIFIED",
    "COD-REPEAT-UNSPECIFIED",
    "COD-M5451-UNSUPPORTED",
    "COD-M5459-UNSUPPORTED",
    "COD-CONTRIBUTING-DX-MISSING",
    "OPS-PROVIDER-UNSPECIFIED-SHARE",
)

# Typos a coder makes (letter O for zero, transposed digits, a fifth character); kept only if the CMS
# files never held them, so each is a CLM-INVALID-CODE by construction.
_TYPO_CANDIDATES = ("M54.5O", "M54.99", "M45.50", "M54.505", "M5.450", "M54.55", "M54.05")
# Comorbidity categories; the codes themselves are drawn from the CMS index, billable on the date.
_COMORBIDITY_PREFIXES = ("I10", "E11.9", "E78", "F41", "G47.3", "K21", "E66", "J45")


@dataclass(frozen=True, slots=True)
class Expectation:
    """An alert the generator planted. For OPS-PROVIDER-UNSPECIFIED-SHARE `subject_id` is the provider id
    (the engine names the window after it: `provider/period-start`; match on the part before '/')."""

    rule_id: str
    patient_id: str | None
    subject_type: str
    subject_id: str

    def to_json(self) -> dict[str, str | None]:
        return {
            "rule_id": self.rule_id,
            "patient_id": self.patient_id,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
        }


@dataclass
class Generated:
    lines: list[bytes]
    expected: list[Expectation]
    stats: dict[str, int] = field(default_factory=dict)


# --- language -------------------------------------------------------------------------------------------
# Every phrase below was checked with `lbp-streams read`; the *_LINK ones document the vertebral link,
# none of the others does (negated, hypothetical, imaging without attribution, or no mention).

_TRIGGERS = (
    "lifting a heavy box",
    "shoveling snow",
    "a long drive",
    "gardening",
    "moving furniture",
    "a fall on ice",
    "picking up a grandchild",
)
_OPEN_ACUTE = (
    "Acute low back pain for {d} days after {t}.",
    "Low back pain that began {d} days ago after {t}, worse with bending and getting out of a chair.",
    "Acute mechanical low back pain since {t} {d} days ago.",
)
_OPEN_SUBACUTE = (
    "Subacute low back pain, now about {w} weeks since {t}.",
    "Low back pain for the past {w} weeks, slowly improving but still limiting work.",
    "Low back pain of {w} weeks' duration, worse at the end of the day.",
)
_OPEN_CHRONIC = (
    "Chronic low back pain for {m} months, worse with prolonged sitting.",
    "Chronic axial low back pain, intermittent over {y} years, flaring this month.",
    "Low back pain for {m} months with morning stiffness lasting about 30 minutes.",
)
_OPEN_NONE = (
    "Low back pain, mechanical in nature, worse with bending and lifting.",
    "Lumbar pain localized to the paraspinal muscles, aggravated by standing.",
)
_FOLLOW = (
    "Follow-up of {adj} low back pain.",
    "Returns for {adj} low back pain, {better}.",
    "Seen again for {adj} low back pain; {better}.",
)
_BETTER = ("somewhat better with therapy", "unchanged since the last visit", "slightly worse this week",
           "improving with home exercises")  # fmt: skip
_NO_RADIC = (
    "No radicular symptoms.",
    "Denies sciatica or leg weakness.",
    "No radiculopathy; straight leg raise is negative.",
    "Pain does not radiate below the knee and there is no numbness.",
)
_SCIATICA = (
    "{Side}-sided sciatica radiating to the posterior thigh and calf.",
    "Low back pain with {side} sciatica, positive straight leg raise.",
)
_RADICULOPATHY = (
    "{Side} L5 radiculopathy with numbness over the dorsum of the foot.",
    "{Side} S1 radiculopathy with a diminished ankle reflex.",
)
_HYPO_RADIC = ("Possible early {side} S1 radiculopathy; will monitor.",)
_LINK = (
    "Low back pain secondary to Modic type {t} endplate changes at {lvl}.",
    "Vertebrogenic low back pain, consistent with the Modic type {t} changes at {lvl} on MRI.",
    "{Pos} pain is attributed to Modic type {t} changes at {lvl} seen on the recent MRI.",
    "The Modic type {t} changes at {lvl} are the source of {pos} pain.",
)
_IMAGING_NO_LINK = (
    "Reviewed lumbar MRI, which shows Modic type {t} changes at {lvl}.",
    "MRI of the lumbar spine was reviewed with the patient today.",
    "Lumbar imaging reviewed with the patient.",
)
_LINK_HYPOTHETICAL = (
    "If MRI shows Modic changes, will discuss basivertebral nerve ablation.",
    "Possible vertebrogenic component; will review MRI when available.",
)
_MYOFASCIAL = ("Myofascial pain with trigger points in the {side} lumbar paraspinals.",)
_DISC = ("Degenerative disc disease at {lvl} on prior imaging.",)
_HISTORY = (
    "History of L4-5 fusion in {yr}.",
    "History of sciatica in {yr}, resolved with therapy.",
    "History of hypertension, well controlled.",
    "Prior episode of low back pain {n} years ago that resolved with physical therapy.",
)
_PLAN_THERAPY = (
    "Plan: home exercise program, ibuprofen 600 mg as needed, and heat.",
    "Start physical therapy, two visits a week.",
    "Continue physical therapy and core strengthening.",
)
_PLAN = (
    "Return in 2-3 weeks or sooner with new weakness, numbness, or bowel or bladder changes.",
    "No red flag symptoms; denies saddle anesthesia, fever or weight loss.",
    "Discussed posture, activity modification and a graded walking program.",
)
_ORDER_MRI = "Order MRI of the lumbar spine without contrast."
_REFER_ESI = "Refer for {side} L5-S1 transforaminal epidural steroid injection."
_NON_LBP = (
    "Annual wellness visit. Blood pressure at goal on current regimen; continue and recheck in six months. "
    "Lipid panel and basic metabolic panel ordered. Counseled on diet, exercise and sleep hygiene. "
    "Vaccinations reviewed and up to date.",
    "Chronic conditions reviewed. Glucose log reviewed, stable on current medication; A1c ordered. Foot exam "
    "normal. Weight discussed and a nutrition referral offered. Follow up in three months with labs.",
    "Seasonal allergies, improved with a nasal steroid. Reflux symptoms controlled with omeprazole; discussed "
    "tapering. Mood stable, sleeping better. Follow up as needed or at the next wellness visit.",
)
_HPI = (
    "Patient reports {adj} pain in the low back after {t}. Sleeping poorly.",
    "Pain rated 6/10, worse in the morning. Tried ibuprofen with partial relief.",
)
_EXAM = (
    "Tenderness over the lumbar paraspinals. Full strength in both legs. Reflexes symmetric.",
    "Limited lumbar flexion. Straight leg raise negative bilaterally. Gait normal.",
)
_LEVELS = ("L4-L5", "L5-S1", "L3-L4")

# Imaging reports: (report text, findings keys, explains the pain per rules.md: Modic 1/2 or endplate deg.)
_MRI_HEAD = "EXAM: MRI lumbar spine without contrast.\nFINDINGS: Normal lordosis. The conus ends at L1. "
_MRI_BODIES = {
    "modic1": (
        "At {lvl} there is Modic type 1 endplate edema with a mild disc bulge. {extra}\n"
        "IMPRESSION: Modic type 1 changes at {lvl}.",
        ["modic_type_1"],
    ),
    "modic2": (
        "At {lvl} there are Modic type 2 fatty marrow changes and disc desiccation. {extra}\n"
        "IMPRESSION: Modic type 2 changes at {lvl}.",
        ["modic_type_2"],
    ),
    "endplate": (
        "Degenerative endplate changes at {lvl} with disc space narrowing. {extra}\n"
        "IMPRESSION: Endplate degeneration at {lvl}.",
        ["endplate_degeneration"],
    ),
    "modic3": (
        "Modic type 3 changes at {lvl} with disc space narrowing. {extra}\n"
        "IMPRESSION: Chronic Modic type 3 changes at {lvl}. No Modic type 1 or 2 change.",
        ["modic_type_3"],
    ),
    "normal": (
        "Mild disc desiccation at {lvl} without herniation. No Modic endplate changes. {extra}\n"
        "IMPRESSION: Mild degenerative disc disease at {lvl}.",
        [],
    ),
    "herniation": (
        "Small {side} paracentral disc protrusion at L5-S1 contacting the traversing {side} S1 nerve root. "
        "No Modic endplate changes. {extra}\nIMPRESSION: {Side} paracentral disc protrusion at L5-S1.",
        ["disc_herniation"],
    ),
}
_MRI_EXTRA = (
    "No spinal canal stenosis.",
    "Mild bilateral facet arthropathy at L4-L5 and L5-S1.",
    "No fracture or marrow replacing lesion.",
)
_XR = {
    "xr_endplate": (
        "EXAM: Lumbar spine radiographs, 3 views.\nFINDINGS: Five lumbar vertebral bodies. Alignment is normal. "
        "Mild disc space narrowing at L5-S1 with endplate sclerosis. No acute fracture.\n"
        "IMPRESSION: Mild degenerative changes at L5-S1.",
        ["endplate_degeneration"],
    ),
    "xr_normal": (
        "EXAM: Lumbar spine radiographs, 2 views.\nFINDINGS: Five lumbar vertebral bodies. Alignment is normal. "
        "Disc spaces are preserved. No acute fracture.\nIMPRESSION: Normal lumbar spine radiographs.",
        [],
    ),
}
_CERVICAL = (
    "EXAM: MRI cervical spine without contrast.\nFINDINGS: Modic type 1 endplate changes at C5-C6 with a "
    "broad disc osteophyte complex.\nIMPRESSION: Modic type 1 changes at C5-C6.",
    ["modic_type_1"],
)
EXPLAINING = frozenset({"modic1", "modic2", "endplate", "xr_endplate"})
LUMBAR_SITES = ("lumbar spine", "L-spine", "lumbosacral spine")

# Episode scenarios and their weights; see `_Builder.episode`.
_SCENARIOS = (
    ("simple", 30),
    ("sciatica", 13),
    ("radiculopathy", 8),
    ("modic_unlinked", 11),
    ("linked_correct", 8),
    ("linked_unspecified", 7),
    ("m5451_unsupported", 6),
    ("myofascial", 4),
    ("disc", 6),
    ("mri_no_modic", 7),
)
_SCENARIO_NAMES = tuple(s for s, _ in _SCENARIOS)
_SCENARIO_WEIGHTS = tuple(w for _, w in _SCENARIOS)


# --- what was planted ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Enc:
    patient_id: str
    encounter_id: str
    provider_id: str
    dos: date
    codes: list[str]  # dotted, sequence order
    lbp: str | None  # first LBP-family code
    link: bool  # the assessment was written to document the vertebral link
    cause: bool = False  # the assessment documents a distinct cause (myofascial)
    radiculopathy_uncoded: bool = False  # radiculopathy documented, its code left off


@dataclass(slots=True)
class _Img:
    performed: date
    lumbar: bool
    explains: bool


@dataclass(slots=True)
class _Line:
    arrival: int
    seq: int
    raw: bytes
    kind: str  # "event", "duplicate", "bad"
    obs: tuple[str, str, date, bool] | None = None  # LBP encounter: (provider, encounter id, dos, M54.50)


def _is_lbp(code: str) -> bool:
    return code.startswith(("M54.5", "M54.4"))


def _undot(code: str) -> str:
    return code.replace(".", "")


class _Builder:
    """Builds one stream: patients, their events and what the oracle needs, then arrival order."""

    def __init__(self, patients: int, seed: int, start: date, providers: int | None, bad_lines: bool) -> None:
        if start < codes.COVERED_FROM + timedelta(days=30):
            raise ValueError(f"start {start} is before the ICD-10-CM reference data ({codes.COVERED_FROM})")
        last_day = codes.COVERED_UNTIL - timedelta(days=420)  # room for a second episode and its claims
        self.span = min(MAX_SPAN_DAYS, (last_day - start).days)
        if self.span < 30:
            raise ValueError(f"start {start} is too late: dates would pass {codes.COVERED_UNTIL}")
        self.rng = random.Random(seed)
        self.seed = seed
        self.patients = patients
        self.start = start
        self.bad_lines = bad_lines
        if providers is not None and providers < 1:
            raise ValueError("providers must be >= 1")
        self.n_providers = providers if providers is not None else max(4, patients // 40)
        self.heavy: set[str] = set()
        self.idx = codes.index()
        self.counter = 0
        self.lines: list[_Line] = []
        self.encounters: dict[str, list[_Enc]] = {}
        self.imaging: dict[str, list[_Img]] = {}
        self.expected: list[Expectation] = []
        self._billable_cache: dict[tuple[str, int], tuple[str, ...]] = {}
        self._iso: dict[int, str] = {}
        self.typos = tuple(t for t in _TYPO_CANDIDATES if not self._ever(t))

    # --- small helpers ----------------------------------------------------------------------------

    def _ever(self, code: str) -> bool:
        try:
            return self.idx.ever_existed(code)
        except codes.CodeShapeError:
            return False

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    def iso_day(self, day: int) -> str:
        s = self._iso.get(day)
        if s is None:
            s = self._iso[day] = date.fromordinal(EPOCH_ORD + day).isoformat()
        return s

    def stamp(self, minute: int) -> str:
        day, rest = divmod(minute, DAY)
        return f"{self.iso_day(day)}T{rest // 60:02d}:{rest % 60:02d}:00Z"

    @staticmethod
    def minute(d: date, hour: int, minute: int = 0) -> int:
        return (d.toordinal() - EPOCH_ORD) * DAY + hour * 60 + minute

    def billable_under(self, prefix: str, on: date) -> tuple[str, ...]:
        """Billable codes under a category on a date, from the CMS index (the category itself if billable)."""
        fy = codes.fiscal_year(on)
        key = (prefix, fy)
        found = self._billable_cache.get(key)
        if found is None:
            found = self.idx.billable_descendants(prefix, on) or ((prefix,) if self.idx.is_billable(prefix, on) else ())
            self._billable_cache[key] = found
        return found

    def emit(self, doc: dict, arrival: int, obs: tuple[str, str, date, bool] | None = None) -> None:
        # orjson's bytes keep its ~4 KB work buffer; an exact copy keeps a million lines at ~600 MB, not 4 GB
        self.lines.append(_Line(arrival, len(self.lines), memoryview(orjson.dumps(doc)).tobytes(), "event", obs))

    # --- era-aware codes -----------------------------------------------------------------------------

    @staticmethod
    def unspecified(on: date) -> str:
        return "M54.50" if on >= FY2022 else "M54.5"

    @staticmethod
    def vertebrogenic(on: date) -> str:
        return "M54.51" if on >= FY2022 else "M54.5"

    @staticmethod
    def other_lbp(on: date) -> str:
        return "M54.59" if on >= FY2022 else "M54.5"

    def disc_degeneration(self, on: date) -> str:
        if on < FY2025:
            return "M51.36"
        return self.rng.choice(self.billable_under("M51.36", on))

    def radiculopathy_code(self, on: date) -> str:
        return "M54.17" if self.rng.random() < 0.3 else "M54.16"

    # --- text -----------------------------------------------------------------------------------------

    def duration_opening(self, kind: str) -> str:
        r = self.rng
        t = r.choice(_TRIGGERS)
        if kind == "acute":
            return r.choice(_OPEN_ACUTE).format(d=r.randint(3, 20), t=t)
        if kind == "subacute":
            return r.choice(_OPEN_SUBACUTE).format(w=r.randint(7, 11), t=t)
        if kind == "chronic":
            return r.choice(_OPEN_CHRONIC).format(m=r.randint(4, 14), y=r.randint(2, 9))
        return r.choice(_OPEN_NONE)

    def assessment(self, parts: list[str]) -> str:
        """Join required parts, then add plan sentences until the text is 200-600 characters."""
        text = " ".join(parts)
        plans = list(_PLAN)
        self.rng.shuffle(plans)
        plans.insert(0, self.rng.choice(_PLAN_THERAPY))
        for p in plans:
            if len(text) >= 200 and (len(text) + len(p) > 600 or self.rng.random() < 0.4):
                break
            if len(text) + len(p) + 1 > 600:
                continue
            text += " " + p
        return text

    # --- the population ------------------------------------------------------------------------------

    def build(self) -> None:
        r = self.rng
        provider_ids = [f"PRV-{self.seed % 1000:03d}-{i:05d}" for i in range(1, self.n_providers + 1)]
        clusters: dict[int, str] = {}
        if self.patients >= 200:
            # OPS plant: a provider who codes nearly every LBP visit M54.50 and sees a burst of new
            # patients within three weeks (>= 20 LBP encounters in 30 days, well above 80% M54.50).
            n_heavy = max(1, self.patients // 2500)
            heavy_ids = [
                f"PRV-{self.seed % 1000:03d}-{i:05d}"
                for i in range(self.n_providers + 1, self.n_providers + 1 + n_heavy)
            ]
            self.heavy = set(heavy_ids)
            provider_ids += heavy_ids
            pool = list(range(self.patients))
            r.shuffle(pool)
            lo = max(0, (FY2022 - self.start).days)
            for h, hid in enumerate(heavy_ids):
                members = pool[h * 26 : (h + 1) * 26]
                if len(members) < 26 or lo > self.span - 25:
                    break
                w = r.randint(lo, self.span - 25)
                for m in members:
                    clusters[m] = f"{hid}|{w}"
        normal = provider_ids[: self.n_providers]
        practices = max(1, self.n_providers // 6)
        for n in range(self.patients):
            self.patient(n, normal, practices, clusters.get(n))

    def patient(self, n: int, providers: list[str], practices: int, cluster: str | None) -> None:
        r = self.rng
        pid = f"pat-{self.seed:x}-{n:06d}"
        provider = r.choice(providers)
        payer = f"PYR-{r.randint(1, 6):02d}"
        pronoun = r.choice(("her", "his"))
        comorbid = [(p, r.randrange(64)) for p in r.sample(_COMORBIDITY_PREFIXES, r.choice((0, 0, 1, 1, 2)))]
        self.encounters[pid] = []
        self.imaging[pid] = []
        ctx = {"pid": pid, "payer": payer, "pos": pronoun, "comorbid": comorbid, "practices": practices}

        if cluster is not None:
            hid, w = cluster.split("|")
            first = self.start + timedelta(days=int(w) + r.randint(0, 20))
            episode_provider = hid
        else:
            first = self.start + timedelta(days=r.randint(0, self.span))
            episode_provider = provider

        # legacy episode, years earlier (before FY2022 with the default start): M54.5 was valid then
        if r.random() < 0.06:
            legacy = first - timedelta(days=r.randint(500, 760))
            if legacy >= codes.COVERED_FROM + timedelta(days=30):
                last = self.episode(
                    ctx, legacy, r.choice(("simple", "sciatica", "radiculopathy")), provider, r.randint(1, 3)
                )
                first = max(first, last + timedelta(days=EPISODE_GAP + 10))
        # a non-LBP visit now and then (it does not belong to any LBP episode)
        if r.random() < 0.25:
            self.non_lbp_visit(ctx, first - timedelta(days=r.randint(30, 200)), provider)

        scenario = r.choices(_SCENARIO_NAMES, _SCENARIO_WEIGHTS)[0]
        last = self.episode(ctx, first, scenario, episode_provider, self.visit_count())
        if r.random() < 0.2:
            second = last + timedelta(days=r.randint(EPISODE_GAP + 10, 250))
            scenario = r.choices(_SCENARIO_NAMES, _SCENARIO_WEIGHTS)[0]
            self.episode(ctx, second, scenario, provider, self.visit_count())

    def visit_count(self) -> int:
        return self.rng.choices((1, 2, 3, 4, 5, 6), (30, 27, 18, 12, 8, 5))[0]

    def non_lbp_visit(self, ctx: dict, dos: date, provider: str) -> None:
        r = self.rng
        if dos < codes.COVERED_FROM:
            return
        dx = self.comorbidities(ctx["comorbid"] or [(r.choice(_COMORBIDITY_PREFIXES), r.randrange(64))], dos)
        if not dx:
            return
        enc = _Enc(ctx["pid"], f"ENC-{self.seed}-{self.next_id():07d}", provider, dos, dx, None, False)
        self.encounter_event(ctx, enc, r.choice(_NON_LBP), provider, new=False)

    # --- one episode -----------------------------------------------------------------------------------

    def episode(self, ctx: dict, first: date, scenario: str, provider: str, visits: int) -> date:
        """Visits of one LBP episode (each within 90 days of the previous), imaging, PAs and claims.

        Returns the last date of service."""
        r = self.rng
        dates = [first]
        for _ in range(visits - 1):
            dates.append(dates[-1] + timedelta(days=r.randint(4, 30)))
        side = r.choice(("left", "right"))
        lvl = r.choice(_LEVELS)
        mtype = r.choice((1, 2))

        # imaging: when and what
        image_kind: str | None = None
        if scenario in ("modic_unlinked", "linked_correct", "linked_unspecified", "m5451_unsupported"):
            image_kind = {1: "modic1", 2: "modic2"}[mtype] if r.random() < 0.8 else "endplate"
        elif scenario == "mri_no_modic":
            image_kind = r.choice(("normal", "normal", "modic3", "herniation"))
        elif scenario == "simple" and r.random() < 0.15:
            image_kind = r.choice(("xr_normal", "xr_normal", "xr_endplate"))
        elif scenario == "disc" and r.random() < 0.5:
            image_kind = "normal"
        cervical = r.random() < 0.03
        performed: date | None = None
        order_at: int | None = None  # visit index at which imaging is ordered (imaging performed after it)
        if image_kind is not None:
            if visits >= 2 and r.random() < 0.6:
                order_at = r.randint(0, visits - 2)
                performed = dates[order_at] + timedelta(days=r.randint(3, 12))
                performed = min(performed, dates[order_at + 1] - timedelta(days=1))
            else:
                performed = first - timedelta(days=r.randint(10, 400))
            if performed < codes.COVERED_FROM:
                performed = None
                image_kind = None

        if cervical:
            self.imaging_event(ctx, first - timedelta(days=r.randint(60, 700)), "cervical", side, lvl, late=False)

        for i, dos in enumerate(dates):
            after_image = performed is not None and performed < dos
            parts, codes_, link = self.visit_text_and_codes(
                ctx, scenario, i, dos, side, lvl, mtype, after_image, provider
            )
            if order_at == i and image_kind is not None and not image_kind.startswith("xr"):
                parts.append(_ORDER_MRI)
            lbp = next((c for c in codes_ if _is_lbp(c)), None)
            enc = _Enc(ctx["pid"], f"ENC-{self.seed}-{self.next_id():07d}", provider, dos, codes_, lbp, link)
            enc.cause = scenario == "myofascial" and any(p.startswith("Myofascial") for p in parts)
            enc.radiculopathy_uncoded = scenario == "radiculopathy" and not any(c.startswith("M54.1") for c in codes_)
            self.encounter_event(ctx, enc, self.assessment(parts), provider, new=i == 0)
            self.prior_auths(ctx, enc, scenario, i, order_at, performed, side)
            if order_at == i and performed is not None and image_kind is not None:
                self.imaging_event(ctx, performed, image_kind, side, lvl, late=r.random() < 0.35)
        if order_at is None and performed is not None and image_kind is not None:
            self.imaging_event(ctx, performed, image_kind, side, lvl, late=False)
        return dates[-1]

    def visit_text_and_codes(
        self,
        ctx: dict,
        scenario: str,
        i: int,
        dos: date,
        side: str,
        lvl: str,
        mtype: int,
        after_image: bool,
        provider: str,
    ) -> tuple[list[str], list[str], bool]:
        """The assessment's sentences, the encounter's codes and whether the text documents the link."""
        r = self.rng
        pos = ctx["pos"]
        duration = r.choices(("acute", "subacute", "chronic", "none"), (35, 25, 30, 10))[0]
        if i == 0:
            parts = [self.duration_opening(duration)]
        elif duration == "none":
            parts = [r.choice(_OPEN_NONE)]
        else:
            adj = {"acute": "acute", "subacute": "subacute", "chronic": "chronic"}[duration]
            parts = [r.choice(_FOLLOW).format(adj=adj, better=r.choice(_BETTER))]
        link = False
        lbp = self.unspecified(dos)
        extra: list[str] = []
        fmt = {"side": side, "Side": side.capitalize(), "lvl": lvl, "t": mtype, "pos": pos, "Pos": pos.capitalize()}
        if scenario == "sciatica":
            parts.append(r.choice(_SCIATICA).format(**fmt))
            lbp = "M54.42" if side == "left" else "M54.41"
            if r.random() < 0.1:
                lbp = self.unspecified(dos)  # under-coded: COD-SCIATICA-SPECIFICITY (not planted)
        elif scenario == "radiculopathy":
            parts.append(r.choice(_RADICULOPATHY).format(**fmt))
            code = self.radiculopathy_code(dos)
            if hash_int(f"{ctx['pid']}/{dos}/radiculopathy") % 10:  # one visit in ten leaves the code off
                extra.append(code)
            if i > 0 and r.random() < 0.5:
                parts.append(_REFER_ESI.format(side=side))
        elif scenario == "myofascial":
            cause = r.choice(_MYOFASCIAL).format(**fmt)
            if hash_int(f"{ctx['pid']}/{dos}/m5459") % 8:  # one visit in eight leaves the cause unwritten
                parts.append(cause)
            parts.append(r.choice(_NO_RADIC))
            lbp = self.other_lbp(dos)
        elif scenario == "disc":
            parts.append(r.choice(_DISC).format(**fmt))
            parts.append(r.choice(_NO_RADIC))
            extra.append(self.disc_degeneration(dos))
        else:
            parts.append(r.choice(_NO_RADIC + _HYPO_RADIC).format(**fmt))
            if scenario in ("linked_correct", "linked_unspecified") and after_image:
                parts.append(r.choice(_LINK).format(**fmt))
                link = True
                lbp = self.vertebrogenic(dos) if scenario == "linked_correct" else self.unspecified(dos)
            elif scenario in ("modic_unlinked", "m5451_unsupported") and after_image:
                parts.append(r.choice(_IMAGING_NO_LINK).format(**fmt))
                if scenario == "m5451_unsupported":
                    lbp = self.vertebrogenic(dos)
            elif scenario in ("modic_unlinked", "linked_correct", "linked_unspecified") and r.random() < 0.3:
                parts.append(r.choice(_LINK_HYPOTHETICAL))
        if r.random() < 0.3:
            parts.append(r.choice(_HISTORY).format(yr=r.randint(2005, 2019), n=r.randint(2, 9)))
        if provider in self.heavy and r.random() < 0.97:
            lbp = self.unspecified(dos)  # codes almost everything M54.50
        return parts, [lbp, *extra, *self.comorbidities(ctx["comorbid"], dos)], link

    def comorbidities(self, picks: list[tuple[str, int]], on: date) -> list[str]:
        """The patient's own comorbidity codes (a fixed pick per category), billable on the date."""
        out = []
        for prefix, k in picks:
            choices = self.billable_under(prefix, on)
            if choices:
                out.append(choices[k % len(choices)])
        return out

    # --- events -----------------------------------------------------------------------------------------

    def common(self, ctx: dict, event_type: str, occurred: int) -> dict:
        return {
            "event_id": f"evt-{self.seed}-{self.next_id():08d}",
            "event_type": event_type,
            "patient_id": ctx["pid"],
            "occurred_at": self.stamp(occurred),
            "schema_version": 1,
        }

    def encounter_event(self, ctx: dict, enc: _Enc, assessment: str, provider: str, new: bool) -> None:
        r = self.rng
        occurred = self.minute(enc.dos, r.randint(9, 17), r.randint(0, 59)) + r.randint(30, 36 * 60)
        arrival = occurred + r.randint(0, 90)
        undotted = r.random() < 0.1
        doc = self.common(ctx, "encounter.signed", occurred)
        doc.update(
            encounter_id=enc.encounter_id,
            provider_id=provider,
            practice_id=f"PRC-{hash_int(provider) % ctx['practices'] + 1:03d}",
            date_of_service=enc.dos.isoformat(),
            diagnoses=[{"code": _undot(c) if undotted else c, "sequence": k} for k, c in enumerate(enc.codes, 1)],
            assessment=assessment,
        )
        if r.random() < 0.3:
            doc["note_sections"] = {
                "hpi": r.choice(_HPI).format(adj=r.choice(("acute", "chronic")), t=r.choice(_TRIGGERS)),
                "exam": r.choice(_EXAM),
            }
        obs = (provider, enc.encounter_id, enc.dos, enc.lbp == "M54.50") if enc.lbp else None
        self.emit(doc, arrival, obs)
        self.encounters[ctx["pid"]].append(enc)
        self.claim_event(ctx, enc, provider, new)

    def claim_event(self, ctx: dict, enc: _Enc, provider: str, new: bool) -> None:
        r = self.rng
        dx = list(enc.codes)
        if enc.dos >= FY2022 and "M54.50" in dx and r.random() < 0.04:
            dx[dx.index("M54.50")] = "M54.5"  # billing still maps "low back pain" to the old header
        if enc.dos >= FY2025 and r.random() < 0.5:
            dx = ["M51.36" if c.startswith("M51.36") else c for c in dx]  # charge master not updated
        undotted = r.random() < 0.15
        sent = [_undot(c) if undotted else c for c in dx]
        typo = None
        if self.typos and r.random() < 0.012:
            k = r.randrange(len(dx))
            typo = dx[k] = sent[k] = r.choice(self.typos)
        occurred = self.minute(enc.dos, 20) + r.randint(1, 14) * DAY + r.randint(0, 600)
        doc = self.common(ctx, "claim.submitted", occurred)
        claim_id = f"CLM-{self.seed}-{self.next_id():07d}"
        em = ("99203", "99204") if new else ("99213", "99214")
        doc.update(
            claim_id=claim_id,
            provider_id=provider,
            payer_id=ctx["payer"],
            date_of_service=enc.dos.isoformat(),
            diagnoses=[{"code": c, "sequence": k} for k, c in enumerate(sent, 1)],
            lines=[
                {
                    "procedure_code": r.choice(em),
                    "date_of_service": enc.dos.isoformat(),
                    "diagnosis_pointers": list(range(1, min(4, len(dx)) + 1)),
                }
            ],
        )
        doc["encounter_id"] = enc.encounter_id
        self.emit(doc, occurred + r.randint(0, 120))
        pid = ctx["pid"]
        if any(_retired(c, enc.dos) for c in dx):
            self.expected.append(Expectation("CLM-RETIRED-CODE", pid, "claim", claim_id))
        if typo is not None:
            self.expected.append(Expectation("CLM-INVALID-CODE", pid, "claim", claim_id))

    def prior_auths(
        self, ctx: dict, enc: _Enc, scenario: str, i: int, order_at: int | None, performed: date | None, side: str
    ) -> None:
        r = self.rng
        requests: list[tuple[str, str, list[str], date | None]] = []
        if order_at == i and performed is not None:
            requests.append(("72148", "MRI lumbar spine without contrast", list(enc.codes[:2]), performed))
        if i <= 1 and r.random() < 0.3:
            code = r.choice(("97110", "97161"))
            what = "Therapeutic exercise" if code == "97110" else "Physical therapy evaluation"
            when = enc.dos + timedelta(days=r.randint(2, 10)) if r.random() < 0.8 else None
            requests.append((code, what, list(enc.codes[:2]), when))
        if scenario in ("radiculopathy", "sciatica") and i >= 1 and r.random() < 0.5:
            primary = next((c for c in enc.codes if c.startswith("M54.1")), None) or (
                "M51.27" if r.random() < 0.3 else "M51.26"
            )
            if scenario == "sciatica" and r.random() < 0.15:
                primary = "M54.40"  # side not carried over to the request: unspecified
            requests.append(
                (
                    "64483",
                    "Transforaminal epidural steroid injection, lumbar",
                    [primary, *enc.codes[:1]],
                    enc.dos + timedelta(days=r.randint(7, 21)),
                )
            )
        for service, what, dx, when in requests:
            dx = list(dict.fromkeys(dx))
            on = when or enc.dos
            if on >= FY2022 and "M54.50" in dx and r.random() < 0.05:
                dx[dx.index("M54.50")] = "M54.5"  # an old order set
            occurred = self.minute(enc.dos, 18) + r.randint(0, 2 * DAY)
            if when is None:
                on = date.fromordinal(EPOCH_ORD + occurred // DAY)
            doc = self.common(ctx, "priorauth.requested", occurred)
            request_id = f"PA-{self.seed}-{self.next_id():07d}"
            doc.update(
                request_id=request_id,
                provider_id=enc.provider_id,
                payer_id=ctx["payer"],
                service_code=service,
                service_description=what,
                diagnoses=[{"code": c, "sequence": k} for k, c in enumerate(dx, 1)],
                date_of_service=when.isoformat() if when else None,
            )
            self.emit(doc, occurred + r.randint(0, 60))
            pid = ctx["pid"]
            if any(c in ("M54.50", "M54.40") for c in dx) or self.idx.is_unspecified(dx[0], on):
                self.expected.append(Expectation("PA-UNSPECIFIED-CODE", pid, "prior_auth", request_id))
            if any(_retired(c, on) for c in dx):
                self.expected.append(Expectation("PA-RETIRED-CODE", pid, "prior_auth", request_id))

    def imaging_event(self, ctx: dict, performed: date, kind: str, side: str, lvl: str, late: bool) -> None:
        r = self.rng
        fmt = {"lvl": lvl, "side": side, "Side": side.capitalize(), "extra": r.choice(_MRI_EXTRA)}
        if kind == "cervical":
            text, keys = _CERVICAL
            modality, site = "MRI", "cervical spine"
        elif kind.startswith("xr"):
            text, keys = _XR[kind]
            modality, site = "XR", r.choice(LUMBAR_SITES)
        else:
            body, keys = _MRI_BODIES[kind]
            text = _MRI_HEAD + body.format(**fmt)
            modality, site = "MRI", r.choice(LUMBAR_SITES)
        start = self.minute(performed, r.randint(7, 19), r.randint(0, 59))
        occurred = start + r.randint(2 * 60, 30 * 60)
        arrival = occurred + (r.randint(5, 40) * DAY if late else r.randint(0, 60))
        doc = self.common(ctx, "imaging.resulted", occurred)
        doc.update(
            accession=f"ACC-{self.seed}-{self.next_id():07d}",
            modality=modality,
            body_site=site,
            performed_at=self.stamp(start) if r.random() < 0.7 else performed.isoformat(),
            report_text=text,
        )
        if keys and r.random() < 0.6:
            doc["findings"] = list(keys)
        self.emit(doc, arrival)
        self.imaging[ctx["pid"]].append(_Img(performed, kind != "cervical", kind in EXPLAINING))

    # --- messes: duplicates and malformed lines ----------------------------------------------------------

    def messes(self) -> dict[str, int]:
        r = self.rng
        events = len(self.lines)
        n_dup = max(1, round(events * DUPLICATE_RATE)) if events else 0
        n_bad = max(1, round(events * BAD_RATE)) if events and self.bad_lines else 0
        originals = self.lines[:]
        for line in r.sample(originals, n_dup):
            later = line.arrival + r.randint(1, 3 * DAY)
            self.lines.append(_Line(later, len(self.lines), line.raw, "duplicate", line.obs))
        for line in r.sample(originals, n_bad):
            self.lines.append(_Line(line.arrival + r.randint(0, 600), len(self.lines), self.corrupt(line.raw), "bad"))
        return {"events": events, "duplicates": n_dup, "bad_lines": n_bad}

    def corrupt(self, raw: bytes) -> bytes:
        """A malformed copy (new event id) that the contract rejects: truncated, wrong type, impossible date."""
        r = self.rng
        doc = orjson.loads(raw)
        doc["event_id"] = f"{doc['event_id']}-bad"
        how = r.choice(("truncate", "type", "date", "version_type", "diagnoses"))
        if how == "truncate":
            body = orjson.dumps(doc)
            return body[: r.randint(10, len(body) - 10)]
        if how == "type":
            key = {
                "encounter.signed": "date_of_service",
                "imaging.resulted": "report_text",
                "priorauth.requested": "service_code",
                "claim.submitted": "lines",
            }[doc["event_type"]]
            doc[key] = 20210230 if key != "lines" else "99213"
        elif how == "date":
            field_ = "performed_at" if doc["event_type"] == "imaging.resulted" else "date_of_service"
            doc[field_] = "2021-02-30"
            if doc["event_type"] == "priorauth.requested":
                doc["occurred_at"] = "2021-02-30T10:00:00Z"
        elif how == "version_type":
            doc["schema_version"] = "1"
        else:
            doc["diagnoses" if "diagnoses" in doc else "modality"] = "M54.50"
        return orjson.dumps(doc)

    # --- order and the oracle for cross-event rules -------------------------------------------------------

    def finish(self) -> Generated:
        stats = self.messes()
        self.lines.sort(key=lambda ln: (ln.arrival, ln.seq))
        for pid in self.encounters:
            self.expected += _imaging_unlinked(pid, self.encounters[pid], self.imaging[pid])
            self.expected += _encounter_rules(pid, self.encounters[pid])
        self.expected += _provider_share(ln.obs for ln in self.lines if ln.obs is not None)
        stats["lines"] = len(self.lines)
        stats["patients"] = self.patients
        order = {r: i for i, r in enumerate(PLANTED)}
        expected = sorted(set(self.expected), key=lambda e: (order[e.rule_id], e.patient_id or "", e.subject_id))
        return Generated([ln.raw for ln in self.lines], expected, stats)


def hash_int(text: str) -> int:
    """A stable small hash (Python's hash() is salted per process)."""
    h = 0
    for ch in text.encode():
        h = (h * 131 + ch) & 0xFFFFFFFF
    return h


def _retired(code: str, on: date) -> bool:
    """rules.md's headers: M54.5 from FY2022, M51.36 from FY2025 (the only retired codes planted)."""
    return (code == "M54.5" and on >= FY2022) or (code == "M51.36" and on >= FY2025)


# --- the oracle -----------------------------------------------------------------------------------------


def _episodes(encs: list[_Enc]) -> list[list[_Enc]]:
    """LBP episodes (rules.md): LBP encounters by date of service, each within 90 days of the previous."""
    out: list[list[_Enc]] = []
    for e in sorted((e for e in encs if e.lbp is not None), key=lambda e: (e.dos, e.encounter_id)):
        if out and (e.dos - out[-1][-1].dos).days <= EPISODE_GAP:
            out[-1].append(e)
        else:
            out.append([e])
    return out


def _encounter_rules(pid: str, encs: list[_Enc]) -> list[Expectation]:
    """COD-LINKED-BUT-UNSPECIFIED (M54.50 with the link documented), COD-REPEAT-UNSPECIFIED (M54.50 on the
    3rd+ visit of an episode), COD-M5451-UNSUPPORTED (M54.51 without the link), COD-M5459-UNSUPPORTED
    (M54.59 without a cause), COD-CONTRIBUTING-DX-MISSING (radiculopathy documented, not coded): each judged
    on the visit itself. A patient's visits arrive in date order (days apart, signed within two days), so the episode
    position seen at signing is the final one."""
    out = []
    for episode in _episodes(encs):
        for position, e in enumerate(episode, 1):
            if e.lbp == "M54.50" and e.link:
                out.append(Expectation("COD-LINKED-BUT-UNSPECIFIED", pid, "encounter", e.encounter_id))
            if e.lbp == "M54.50" and position >= 3:
                out.append(Expectation("COD-REPEAT-UNSPECIFIED", pid, "encounter", e.encounter_id))
            if "M54.51" in e.codes and not e.link:
                out.append(Expectation("COD-M5451-UNSUPPORTED", pid, "encounter", e.encounter_id))
            if "M54.59" in e.codes and not e.cause:
                out.append(Expectation("COD-M5459-UNSUPPORTED", pid, "encounter", e.encounter_id))
            if e.radiculopathy_uncoded:
                out.append(Expectation("COD-CONTRIBUTING-DX-MISSING", pid, "encounter", e.encounter_id))
    return out


def _imaging_unlinked(pid: str, encs: list[_Enc], imgs: list[_Img]) -> list[Expectation]:
    """COD-IMAGING-UNLINKED: a visit coded M54.50 whose assessment does not document the link, with lumbar
    imaging on file showing Modic 1/2 or endplate degeneration, performed on/before the visit or while its
    episode is open (up to 90 days after its last visit).

    Judged on the final chart: the rule is re-evaluated over every LBP visit when imaging arrives and over
    the episode when a visit arrives, and both only widen with time, so the last of those arrivals sees it.
    A later visit that documents the link resolves the alert but does not unplant it (rules.md, alert
    lifecycle: it stays open until corrected), so arrival order does not change what is raised."""
    explaining = [i for i in imgs if i.lumbar and i.explains]
    if not explaining:
        return []
    out = []
    for episode in _episodes(encs):
        first, last = episode[0].dos, episode[-1].dos + timedelta(days=EPISODE_GAP)
        for e in episode:
            if e.lbp != "M54.50" or e.link:
                continue
            if any(i.performed <= e.dos or first <= i.performed <= last for i in explaining):
                out.append(Expectation("COD-IMAGING-UNLINKED", pid, "encounter", e.encounter_id))
    return out


def _provider_share(observations: Iterable[tuple[str, str, date, bool]]) -> list[Expectation]:
    """OPS-PROVIDER-UNSPECIFIED-SHARE over the LBP visits in arrival order: the 30 days ending at each
    visit's date hold >= 20 LBP visits of the provider, >= 80% of them coded M54.50."""
    windows: dict[str, dict[str, tuple[date, bool]]] = {}
    flagged: set[str] = set()
    for provider, encounter_id, dos, unspecified in observations:
        w = windows.setdefault(provider, {})
        w[encounter_id] = (dos, unspecified)
        if provider in flagged:
            continue
        newest = max(d for d, _ in w.values())
        keep_from = newest - timedelta(days=2 * SHARE_WINDOW)
        if min(d for d, _ in w.values()) < keep_from:
            windows[provider] = w = {k: v for k, v in w.items() if v[0] >= keep_from}
        lo = dos - timedelta(days=SHARE_WINDOW - 1)
        inside = [u for d, u in w.values() if lo <= d <= dos]
        if len(inside) >= SHARE_MIN and sum(inside) >= SHARE_RATIO * len(inside):
            flagged.add(provider)
    return [Expectation("OPS-PROVIDER-UNSPECIFIED-SHARE", None, "provider", p) for p in sorted(flagged)]


# --- public API ---------------------------------------------------------------------------------------------


def generate(
    patients: int,
    seed: int,
    *,
    start: date = date(2023, 1, 9),
    providers: int | None = None,
    bad_lines: bool = True,
) -> Generated:
    """A deterministic stream for `patients` patients (first visits from `start` over up to 600 days) and
    the alerts planted in it."""
    if patients < 0:
        raise ValueError("patients must be >= 0")
    builder = _Builder(patients, seed, start, providers, bad_lines)
    # a million small long-lived objects: the cyclic GC would rescan them over and over for nothing
    enabled = gc.isenabled()
    gc.disable()
    try:
        builder.build()
        return builder.finish()
    finally:
        if enabled:
            gc.enable()


def dumps(expected: Iterable[Expectation]) -> bytes:
    """Expectations as JSON lines."""
    return b"".join(orjson.dumps(e.to_json()) + b"\n" for e in expected)


def write(generated: Generated, path: Path | str) -> None:
    """The event lines as a JSONL file."""
    with open(path, "wb") as f:
        f.writelines(line + b"\n" for line in generated.lines)
