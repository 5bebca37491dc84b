"""OPS-PROVIDER-UNSPECIFIED-SHARE: over a rolling 30-day window, a provider has >= 20 LBP encounters and
>= 80% of them coded M54.50 (all three configurable). At most once per provider per window.

Runs over provider state, not patient state: the Faust worker re-keys a small observation of each LBP
encounter by `provider_id` (topic `provider-encounters`) so one provider's window lives on one worker;
`replay` keeps the same provider states in memory. The window ends at the observed encounter's date of
service. "Once per window" is made deterministic by naming the window after the 30-day period (counted from
2015-10-01, the first date the reference data covers) in which the condition first held.

What a provider's state keeps, and why by count: its newest MAX_WINDOW_ENCOUNTERS LBP encounters by date of
service, and the periods already alerted from the oldest kept one on. Observations reach the aggregate from
many partitions, each at its own pace: in a backfill, one worker's partitions can be a year of dates ahead
of another's. A cut by dates ("more than a year behind the newest seen") then depends on that pace and
dropped real encounters (a provider planted far over the threshold was never flagged with two workers). A
cut by count depends only on the encounters themselves: below the cap, every order of arrival counts the
same encounters. Bound: MAX_WINDOW_ENCOUNTERS entries (about 50 bytes each encoded) and at most
2 * MAX_WINDOW_ENCOUNTERS / min_encounters alerted periods (an alerting window spans two periods at most).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

import orjson

from streams.core.alerts import Evidence, Verdict

RULE_ID = "OPS-PROVIDER-UNSPECIFIED-SHARE"
SUBJECT = "provider"
EPOCH = date(2015, 10, 1)
# per provider: far above any real 30-day volume, and months to years of history at real volumes; an
# encounter older than all of them when the state is full is not counted
MAX_WINDOW_ENCOUNTERS = 2000
_DATE = itemgetter(0)


@dataclass(frozen=True, slots=True)
class Observation:
    """One signed LBP encounter, as the provider aggregate sees it (no patient data beyond the ids)."""

    provider_id: str
    encounter_id: str
    date_of_service: date
    unspecified: bool  # coded M54.50
    event_id: str
    occurred_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "encounter_id": self.encounter_id,
            "date_of_service": self.date_of_service.isoformat(),
            "unspecified": self.unspecified,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Observation:
        return cls(**{**d, "date_of_service": date.fromisoformat(d["date_of_service"])})


@dataclass(slots=True)
class ProviderState:
    provider_id: str
    # encounter_id -> (date of service ISO, coded M54.50): an amended encounter replaces its entry
    window: dict[str, tuple[str, bool]] = field(default_factory=dict)
    alerted_periods: list[int] = field(default_factory=list)
    # (date of service ISO, encounter_id) of every `window` entry, sorted: the newest and oldest dates and
    # the entries near an observation by bisection (scans of the whole window per observation were a tenth
    # of replay's time). Not persisted: None (after decode) means "rebuild from the window on first use".
    by_date: list[tuple[str, str]] | None = field(default=None, repr=False, compare=False)

    def encode(self) -> bytes:
        """The persisted fields only (the same bytes as before the date bounds were kept)."""
        return orjson.dumps(
            {"provider_id": self.provider_id, "window": self.window, "alerted_periods": self.alerted_periods}
        )

    def index(self) -> list[tuple[str, str]]:
        """`by_date`, rebuilt from the window after a decode."""
        if self.by_date is None:
            self.by_date = sorted((v[0], k) for k, v in self.window.items())
        return self.by_date

    def window_stats(self, end: date, config: ShareConfig) -> tuple[int, float]:
        """(LBP encounters, share coded M54.50) in the window ending at `end`."""
        s, e = (end - timedelta(days=config.window_days - 1)).isoformat(), end.isoformat()
        by_date = self.index()
        ids = by_date[bisect_left(by_date, s, key=_DATE) : bisect_right(by_date, e, key=_DATE)]
        in_window = [self.window[encounter_id][1] for _, encounter_id in ids]
        return len(in_window), (sum(in_window) / len(in_window) if in_window else 0.0)

    @classmethod
    def decode(cls, raw: bytes) -> ProviderState:
        d = orjson.loads(raw)
        return cls(d["provider_id"], {k: (v[0], v[1]) for k, v in d["window"].items()}, d["alerted_periods"])


@dataclass(frozen=True, slots=True)
class ShareConfig:
    window_days: int = 30
    min_encounters: int = 20
    min_share: float = 0.8


def observe(state: ProviderState, obs: Observation, config: ShareConfig) -> list[Verdict]:
    """Add one observation; return a verdict for each window it completes that crosses the threshold.

    Observations of one provider come from many patients' partitions, so they arrive out of date order:
    every window the observation falls in (those ending at an observed date from its own date to
    `window_days` later) is re-checked, not only the one ending at its date.

    The entries near the observation (the only ones the re-checked windows can hold) are found by bisection
    in the window's date order; the windows are counted from those. Same result as `window_stats` for each
    end date, without a scan of the whole window per end date.
    """
    window, by_date = state.window, state.index()
    day, replaced = obs.date_of_service.isoformat(), window.get(obs.encounter_id)
    if replaced is not None:  # an amended encounter: its earlier observation leaves the window
        del by_date[bisect_left(by_date, (replaced[0], obs.encounter_id))]
    insort(by_date, (day, obs.encounter_id))
    window[obs.encounter_id] = (day, obs.unspecified)  # (an amended one keeps its place in the dict)
    if len(by_date) > MAX_WINDOW_ENCOUNTERS:  # full: the oldest (by date of service, then id) leave
        gone = len(by_date) - MAX_WINDOW_ENCOUNTERS
        for _, encounter_id in by_date[:gone]:
            del window[encounter_id]
        del by_date[:gone]
        # windows end at kept dates, so a period before the oldest kept date is never checked again
        oldest = _period(date.fromisoformat(by_date[0][0]), config)
        state.alerted_periods = [p for p in state.alerted_periods if p >= oldest]
        if obs.encounter_id not in window:  # older than everything kept: not counted
            return []
    span = timedelta(days=config.window_days - 1)
    first, last = obs.date_of_service, obs.date_of_service + span
    lo, first_iso, last_iso = (first - span).isoformat(), first.isoformat(), last.isoformat()
    # every window ending in first..last
    near_ids = by_date[bisect_left(by_date, lo, key=_DATE) : bisect_right(by_date, last_iso, key=_DATE)]
    near = [window[encounter_id] for _, encounter_id in near_ids]
    ends = sorted({d for d, _ in near if first_iso <= d})
    verdicts = []
    for end_iso in ends:
        end = date.fromisoformat(end_iso)
        s = (end - span).isoformat()
        in_window = [u for d, u in near if s <= d <= end_iso]
        total, share = len(in_window), (sum(in_window) / len(in_window) if in_window else 0.0)
        period = _period(end, config)
        if total < config.min_encounters or share < config.min_share or period in state.alerted_periods:
            continue
        state.alerted_periods = [*state.alerted_periods, period]
        verdicts.append(_verdict(obs, end, total, share, period, config))
    return verdicts


def _period(day: date, config: ShareConfig) -> int:
    """The 30-day period (counted from EPOCH) a window ending on `day` is named after."""
    return (day - EPOCH).days // config.window_days


def _verdict(obs: Observation, end: date, total: int, share: float, period: int, config: ShareConfig) -> Verdict:
    start = end - timedelta(days=config.window_days - 1)
    unspecified = round(share * total)
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=f"{obs.provider_id}/{(EPOCH + timedelta(days=period * config.window_days)).isoformat()}",
        codes=("M54.50",),
        evidence=(
            Evidence(
                obs.event_id,
                "window",
                f"{unspecified} of {total} LBP encounters from {start} to {end} coded M54.50 ({share:.0%})",
            ),
        ),
        message=f"Provider {obs.provider_id} coded {share:.0%} of {total} low-back-pain encounters M54.50 in the "
        f"30 days to {end} (threshold {config.min_share:.0%} of at least {config.min_encounters}); "
        "offer documentation education.",
    )
