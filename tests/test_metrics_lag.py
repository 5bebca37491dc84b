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
