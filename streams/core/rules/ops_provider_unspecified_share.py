"""OPS-PROVIDER-UNSPECIFIED-SHARE: over a rolling 30-day window, a provider has >= 20 LBP encounters and
>= 80% of them coded M54.50 (all three configurable). At most once per provider per window.

Runs over provider state, not patient state: the Faust worker re-keys a small observation of each LBP
encounter by `provider_id` (topic `provider-encounters`) so one provider's window lives on one worker;
`replay` keeps the same provider states in memory. A window ends at an observed encounter's date of
service. "Once per window" is made deterministic by naming the alert after the 30-day period (counted from
2015-10-01, the first date the reference data covers) its window ends in: one alert per provider and period.
Like a patient alert, it follows what is on file: late observations that take every window of the period
back under the threshold resolve it (`alert.resolved`), so the alerts open at the end do not depend on the
order the partitions were read in (`observe` says when they still can).

What a provider's state keeps, and why by count: its newest MAX_WINDOW_ENCOUNTERS LBP encounters by date of
service, and the periods with an open or a resolved alert from the oldest kept one on. Observations reach
the aggregate from many partitions, each at its own pace: in a backfill, one worker's partitions can be a
year of dates ahead of another's. A cut by dates ("more than a year behind the newest seen") then depends on
that pace and dropped real encounters (a provider planted far over the threshold was never flagged with two
workers). A cut by count depends only on the encounters themselves: below the cap, every order of arrival
counts the same encounters (at the cap, the periods whose windows reach back past the oldest kept encounter
stay as they were judged). Bound: MAX_WINDOW_ENCOUNTERS entries (about 50 bytes each encoded) and at most
2 * MAX_WINDOW_ENCOUNTERS / min_encounters alerted or resolved periods (an alerting window spans two periods
at most; amended encounters moved from date to date could add more, all cut at the oldest kept date).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

import orjson

from streams.core.alerts import Evidence, Verdict

RULE_ID = "OPS-PROVIDER-UNSPECIFIED-SHARE"
SUBJECT = "provider"
EPOCH = date(2015, 10, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
# per provider: far above any real 30-day volume, and months to years of history at real volumes; an
# encounter older than all of them when the state is full is not counted
MAX_WINDOW_ENCOUNTERS = 2000


@dataclass(slots=True)
class Observation:  # (not frozen, like the events: one per LBP encounter, and nothing changes it)
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
    alerted_periods: list[int] = field(default_factory=list)  # the periods with an open alert
    resolved_periods: list[int] = field(default_factory=list)  # never raised again (rules.md: once per subject)
    # (date of service as a proleptic ordinal, encounter_id, coded M54.50) of every `window` entry, sorted:
    # the newest and oldest dates and the entries near an observation by bisection (scans of the whole
    # window per observation were a tenth of replay's time), counted as integers (no ISO strings to make
    # and compare per window). Not persisted: None (after decode) means "rebuild from the window on first use".
    by_date: list[tuple[int, str, bool]] | None = field(default=None, repr=False, compare=False)

    def encode(self) -> bytes:
        """The persisted fields only (`resolved_periods` only when there are any: the bytes of every other
        state are those written before periods could be resolved, which decode as none resolved)."""
        d: dict[str, Any] = {
            "provider_id": self.provider_id,
            "window": self.window,
            "alerted_periods": self.alerted_periods,
        }
        if self.resolved_periods:
            d["resolved_periods"] = self.resolved_periods
        return orjson.dumps(d)

    def index(self) -> list[tuple[int, str, bool]]:
        """`by_date`, rebuilt from the window after a decode."""
        if self.by_date is None:
            self.by_date = sorted((_ordinal(v[0]), k, v[1]) for k, v in self.window.items())
        return self.by_date

    def newest(self) -> date | None:
        """The latest date of service on file: the provider's current window ends there."""
        by_date = self.index()
        return date.fromordinal(by_date[-1][0]) if by_date else None

    def window_stats(self, end: date, config: ShareConfig) -> tuple[int, float]:
        """(LBP encounters, share coded M54.50) in the window ending at `end`."""
        return _window(self.index(), end.toordinal(), config)

    @classmethod
    def decode(cls, raw: bytes) -> ProviderState:
        d = orjson.loads(raw)
        window = {k: (v[0], v[1]) for k, v in d["window"].items()}
        return cls(d["provider_id"], window, d["alerted_periods"], d.get("resolved_periods", []))


def _ordinal(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def _after(by_date: list[tuple[int, str, bool]], day: int) -> int:
    """The index of the first entry dated after `day` (a tuple (day + 1,) sorts before every entry of that day)."""
    return bisect_left(by_date, (day + 1,))


def _window(by_date: list[tuple[int, str, bool]], end: int, config: ShareConfig) -> tuple[int, float]:
    """(LBP encounters, share coded M54.50) in the window ending on day `end` (an ordinal), by bisection."""
    in_window = [u for _, _, u in by_date[bisect_left(by_date, (end - config.window_days + 1,)) : _after(by_date, end)]]
    return len(in_window), (sum(in_window) / len(in_window) if in_window else 0.0)


@dataclass(frozen=True, slots=True)
class ShareConfig:
    window_days: int = 30
    min_encounters: int = 20
    min_share: float = 0.8


def observe(state: ProviderState, obs: Observation, config: ShareConfig) -> tuple[list[Verdict], list[str]]:
    """Add one observation; return (a verdict for each period that now holds a window over the threshold
    and had no open alert, the subject ids of open alerts whose period no longer holds one).

    Observations of one provider come from many patients' partitions, so they arrive out of date order, and
    a provider's share is not monotone in the data: a late unspecified visit can push a window over 80%, a
    late specific one back under. So a period's alert follows the data on file, as a patient alert follows
    the chart: raised when some window ending in the period (at an observed date) is over the threshold,
    resolved when later observations take every such window back under, and then never raised again (no
    rule fires twice for the same subject). An observation changes only the windows ending from its date
    to `window_days` later (and, for an amended encounter, from its old date), which lie in two periods at
    most; those periods are judged again, whole. Below the cap the alerts open at the end are then the same
    in every order of arrival, unless late data took a period over, back under and over again.

    The windows of a judged period are counted in one pass over the entries they hold, found by bisection
    in date order (`_first_window_over`; the same counts as `_window`, which `window_stats` uses), without
    a scan of the whole window per end date.
    """
    window, by_date = state.window, state.index()
    day, replaced = obs.date_of_service.toordinal(), window.get(obs.encounter_id)
    changed = [day]
    if replaced is not None:  # an amended encounter: its earlier observation leaves the window
        changed.append(_ordinal(replaced[0]))
        del by_date[bisect_left(by_date, (changed[1], obs.encounter_id))]
    insort(by_date, (day, obs.encounter_id, obs.unspecified))
    window[obs.encounter_id] = (obs.date_of_service.isoformat(), obs.unspecified)  # (an amended one keeps its place)
    if len(by_date) > MAX_WINDOW_ENCOUNTERS:  # full: the oldest (by date of service, then id) leave
        gone = len(by_date) - MAX_WINDOW_ENCOUNTERS
        for _, encounter_id, _ in by_date[:gone]:
            del window[encounter_id]
        del by_date[:gone]
        # windows end at kept dates, so a period before the oldest kept date is never judged again
        oldest = (by_date[0][0] - _EPOCH_ORDINAL) // config.window_days
        state.alerted_periods = [p for p in state.alerted_periods if p >= oldest]
        state.resolved_periods = [p for p in state.resolved_periods if p >= oldest]
    span = config.window_days - 1
    periods = sorted({(d + k - _EPOCH_ORDINAL) // config.window_days for d in changed for k in (0, span)})
    verdicts, resolved = [], []
    for period in periods:
        first_end = _EPOCH_ORDINAL + period * config.window_days
        # a full state may have let go of encounters a window of this period counted: it stays as judged
        if len(by_date) >= MAX_WINDOW_ENCOUNTERS and first_end - span <= by_date[0][0]:
            continue
        if period in state.resolved_periods:
            continue
        over = _first_window_over(by_date, first_end, first_end + span, config)
        if over is not None and period not in state.alerted_periods:
            state.alerted_periods = [*state.alerted_periods, period]
            verdicts.append(_verdict(obs, *over, period, config))
        elif over is None and period in state.alerted_periods:
            state.alerted_periods = [p for p in state.alerted_periods if p != period]
            state.resolved_periods = [*state.resolved_periods, period]
            resolved.append(_subject(obs.provider_id, period, config))
    return verdicts, resolved


def _first_window_over(
    by_date: list[tuple[int, str, bool]], first_end: int, last_end: int, config: ShareConfig
) -> tuple[date, int, float] | None:
    """(end, encounters, share) of the earliest window over the threshold among those ending at an observed
    date from `first_end` to `last_end` (ordinals); None if there is none.

    One pass over the entries these windows hold, counting M54.50 as it goes: each window's counts are then
    two differences, not a count of its whole list per end date (a busy provider's window holds hundreds).
    The same counts and the same division as `_window`."""
    entries = by_date[bisect_left(by_date, (first_end - config.window_days + 1,)) : _after(by_date, last_end)]
    days = [d for d, _, _ in entries]
    unspecified_before = list(accumulate((u for _, _, u in entries), initial=0))  # M54.50 among entries[:i]
    start = 0  # the first entry in the window ending at days[i]
    for i in range(bisect_left(days, first_end), len(days)):
        end = days[i]
        if i + 1 < len(days) and days[i + 1] == end:
            continue  # a window ends after the last entry of its day
        while days[start] <= end - config.window_days:
            start += 1
        total = i + 1 - start
        share = (unspecified_before[i + 1] - unspecified_before[start]) / total
        if total >= config.min_encounters and share >= config.min_share:
            return date.fromordinal(end), total, share
    return None


def _subject(provider_id: str, period: int, config: ShareConfig) -> str:
    """'<provider>/<first day of the period>': one alert per provider per period."""
    return f"{provider_id}/{(EPOCH + timedelta(days=period * config.window_days)).isoformat()}"


def _verdict(obs: Observation, end: date, total: int, share: float, period: int, config: ShareConfig) -> Verdict:
    start = end - timedelta(days=config.window_days - 1)
    unspecified = round(share * total)
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=_subject(obs.provider_id, period, config),
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
