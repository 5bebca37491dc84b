"""`observe` with its date-sorted index gives what a plain scan of the window gives.

The provider aggregate keeps a sorted (date, encounter id) list beside the window (not persisted) to find
the oldest entries to evict and the entries near an observation by bisection. The reference below scans
the whole window instead; random observation sequences with amended encounters, late arrivals, a small
window cap and states re-decoded midway must raise and resolve the same alerts, keep the same window (key order
included: it is persisted) and the same periods, and encode to the same bytes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from streams.core.rules import ops_provider_unspecified_share as share
from streams.core.rules.ops_provider_unspecified_share import EPOCH, Observation, ProviderState, ShareConfig


def _reference(
    state: ProviderState, obs: Observation, config: ShareConfig, cap: int
) -> tuple[list[tuple[str, int, float]], list[str]]:
    """((window end, total, share) of each alert raised, subject ids resolved), by scanning the whole window."""
    window = state.window
    changed = [obs.date_of_service] + (
        [date.fromisoformat(window[obs.encounter_id][0])] if obs.encounter_id in window else []
    )
    window[obs.encounter_id] = (obs.date_of_service.isoformat(), obs.unspecified)
    if len(window) > cap:
        kept = {k for _, k in sorted((v[0], k) for k, v in window.items())[-cap:]}
        state.window = window = {k: v for k, v in window.items() if k in kept}
        oldest = (date.fromisoformat(min(window.values())[0]) - EPOCH).days // config.window_days
        state.alerted_periods = [p for p in state.alerted_periods if p >= oldest]
        state.resolved_periods = [p for p in state.resolved_periods if p >= oldest]
    span = timedelta(days=config.window_days - 1)
    oldest_day = min(v[0] for v in window.values())
    periods = sorted({(d + k - EPOCH).days // config.window_days for d in changed for k in (timedelta(0), span)})
    raised, resolved = [], []
    for period in periods:
        first = EPOCH + timedelta(days=period * config.window_days)
        if len(window) >= cap and (first - span).isoformat() <= oldest_day or period in state.resolved_periods:
            continue
        over = None
        for end_iso in sorted({d for d, _ in window.values() if first.isoformat() <= d <= (first + span).isoformat()}):
            s = (date.fromisoformat(end_iso) - span).isoformat()
            in_window = [u for d, u in window.values() if s <= d <= end_iso]
            total, ratio = len(in_window), sum(in_window) / len(in_window)
            if total >= config.min_encounters and ratio >= config.min_share:
                over = (end_iso, total, ratio)
                break
        if over is not None and period not in state.alerted_periods:
            state.alerted_periods = [*state.alerted_periods, period]
            raised.append(over)
        elif over is None and period in state.alerted_periods:
            state.alerted_periods = [p for p in state.alerted_periods if p != period]
            state.resolved_periods = [*state.resolved_periods, period]
            resolved.append(f"{obs.provider_id}/{first.isoformat()}")
    return raised, resolved


def _scan_stats(state: ProviderState, end: date, config: ShareConfig) -> tuple[int, float]:
    s, e = (end - timedelta(days=config.window_days - 1)).isoformat(), end.isoformat()
    in_window = [u for d, u in state.window.values() if s <= d <= e]
    return len(in_window), (sum(in_window) / len(in_window) if in_window else 0.0)


def _evidence(end_iso: str, total: int, ratio: float, config: ShareConfig) -> str:
    start = date.fromisoformat(end_iso) - timedelta(days=config.window_days - 1)
    return f"{round(ratio * total)} of {total} LBP encounters from {start} to {end_iso} coded M54.50 ({ratio:.0%})"


@pytest.mark.parametrize("cap", [30, share.MAX_WINDOW_ENCOUNTERS])
def test_indexed_observe_matches_a_scan_of_the_window(monkeypatch: pytest.MonkeyPatch, cap: int) -> None:
    monkeypatch.setattr(share, "MAX_WINDOW_ENCOUNTERS", cap)
    for seed in range(150):
        rng = random.Random(seed)
        config = ShareConfig(rng.choice([5, 30]), rng.choice([2, 5, 20]), rng.choice([0.5, 0.8]))
        indexed, reference = ProviderState("p"), ProviderState("p")
        span, ids = rng.choice([60, 800, 2000]), rng.choice([10, 100, 1000])
        for i in range(rng.choice([50, 400])):
            obs = Observation(
                "p",
                f"e{rng.randrange(ids)}",  # repeated ids: amended encounters, possibly moved to another date
                date(2020, 1, 1) + timedelta(days=rng.randrange(span)),
                rng.random() < 0.85,
                f"v{i}",
                "2020-01-01T00:00:00Z",
            )
            verdicts, resolved = share.observe(indexed, obs, config)
            raised, expected_resolved = _reference(reference, obs, config, cap)
            assert [v.evidence[0].text for v in verdicts] == [_evidence(e, t, r, config) for e, t, r in raised]
            assert resolved == expected_resolved, (seed, i)
            assert list(indexed.window.items()) == list(reference.window.items()), (seed, i)
            assert indexed.alerted_periods == reference.alerted_periods
            assert indexed.resolved_periods == reference.resolved_periods
            assert indexed.encode() == reference.encode()
            assert indexed.window_stats(obs.date_of_service, config) == _scan_stats(
                reference, obs.date_of_service, config
            )
            if rng.random() < 0.05:  # a state read back from the changelog: the index is rebuilt
                indexed = ProviderState.decode(indexed.encode())
