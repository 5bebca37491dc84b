"""lbp_consumer_lag exports the partitions this worker owns now, of the topics it consumes: a partition that
moved to another worker must not stay exported here at its last value (both workers' series would be
summed), and a changelog faust reads for recovery or a standby replica (never committed) is not lag."""

from __future__ import annotations

from types import SimpleNamespace

from faust.types import TP
from prometheus_client import REGISTRY

from streams import metrics


def _lag() -> dict[tuple[str, str], float]:
    return {
        (s.labels["topic"], s.labels["partition"]): s.value
        for family in REGISTRY.collect()
        if family.name == "lbp_consumer_lag"
        for s in family.samples
    }


def test_only_owned_consumed_partitions_are_exported() -> None:
    inputs = TP("encounter-signed", 0), TP("encounter-signed", 3)
    changelog = TP("lbp-streams-patient-state-changelog", 0)
    monitor = SimpleNamespace(
        tp_end_offsets={inputs[0]: 100, inputs[1]: 8000, changelog: 250_000},
        tp_committed_offsets={inputs[0]: 90, inputs[1]: 0},
    )
    metrics.export_lag(monitor, {inputs[0], inputs[1], changelog}, {"encounter-signed"})
    assert _lag() == {("encounter-signed", "0"): 10.0, ("encounter-signed", "3"): 8000.0}
    # partition 3 went to another worker at a rebalance: its series goes
    metrics.export_lag(monitor, {inputs[0], changelog}, {"encounter-signed"})
    assert _lag() == {("encounter-signed", "0"): 10.0}


def _shares() -> dict[str, float]:
    return {
        s.labels["provider_id"]: s.value
        for family in REGISTRY.collect()
        if family.name == "lbp_provider_unspecified_share"
        for s in family.samples
    }


def test_provider_shares_of_partitions_moved_away_are_forgotten() -> None:
    metrics.provider_windows.clear()
    metrics.provider_windows.update({"PRV-A": (0, 30, 0.9), "PRV-B": (3, 25, 0.5)})
    metrics.export_shares({0, 3})
    assert _shares() == {"PRV-A": 0.9, "PRV-B": 0.5}
    metrics.export_shares(None)  # between generations: nothing exported, nothing forgotten
    assert _shares() == {} and set(metrics.provider_windows) == {"PRV-A", "PRV-B"}
    metrics.export_shares({0})  # partition 3 went to another worker
    assert _shares() == {"PRV-A": 0.9} and set(metrics.provider_windows) == {"PRV-A"}
    metrics.provider_windows.clear()
