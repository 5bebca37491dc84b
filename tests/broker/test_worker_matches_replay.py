"""The worker on Kafka gives the alert ids `replay` gives on the same events: with one worker, and with two
workers splitting the partitions of one consumer group."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import pytest

from streams.generate import generate
from streams.replay import Replay
from tests.broker.harness import ALERT_TOPICS, Deployment, Worker

PATIENTS = 300


def replay_outputs(lines: list[bytes]) -> tuple[set[str], set[str], int, dict[str, str]]:
    """(alert ids, resolved alert ids, dead-lettered lines, OPS alert id -> provider) of the offline engine."""
    alerts, resolved, dead, ops = set(), set(), 0, {}
    for item in Replay().outputs(lines):
        if isinstance(item, dict):
            dead += 1
        elif item.to_json()["record_type"] == "alert":
            alerts.add(item.alert_id)
            if item.rule_id.startswith("OPS-"):
                ops[item.alert_id] = item.subject_id.split("/")[0]
        else:
            resolved.add(item.alert_id)
    return alerts, resolved, dead, ops


def events_consumed(worker: Worker) -> int:
    """Input records this worker consumed, from its own /metrics."""
    return int(worker.metric("lbp_events_consumed_total") or 0)


def all_open(want: set[str]) -> Callable[[list[tuple[str, bytes | None, dict]]], bool]:
    """True once every alert id in `want` is raised and not resolved in the records read."""

    def seen(records: list[tuple[str, bytes | None, dict]]) -> bool:
        raised = {r["alert_id"] for _, _, r in records if r.get("record_type") == "alert"}
        resolved = {r["alert_id"] for _, _, r in records if r.get("record_type") == "alert.resolved"}
        return want <= raised - resolved

    return seen


@pytest.fixture(scope="module")
def stream() -> tuple[list[bytes], set[str], set[str], int, dict[str, str], set[str]]:
    generated = generate(PATIENTS, seed=11)
    planted_ops = {e.subject_id for e in generated.expected if e.rule_id.startswith("OPS-")}
    return (generated.lines, *replay_outputs(generated.lines), planted_ops)


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_alert_ids_equal_replay(deployment: Deployment, stream: tuple, workers: int) -> None:
    lines, want_alerts, want_resolved, want_dead, want_ops, planted_ops = stream
    running = [Worker(deployment, f"w{i}").start() for i in range(workers)]
    try:
        if workers == 2:
            time.sleep(3)  # let the group settle with both members before the stream starts
        start = time.monotonic()
        deployment.produce(lines)
        at_least = len(want_alerts - want_resolved) + want_dead  # the worker writes at least these
        # the OPS alerts come one hop later (observations -> the provider agent), so wait for every alert replay
        # leaves open rather than for 5 quiet seconds only; at worst until the timeout, then the assertions say which
        records = deployment.read(
            [*ALERT_TOPICS, "dead-letter"],
            until=at_least,
            idle=5,
            timeout=240,
            seen=all_open(want_alerts - want_resolved),
        )
        elapsed = time.monotonic() - start
        consumed = [events_consumed(w) for w in running]
    finally:
        for w in running:
            w.stop()
    got_alerts = {r["alert_id"] for t, _, r in records if r.get("record_type") == "alert"}
    got_resolved = {r["alert_id"] for t, _, r in records if r.get("record_type") == "alert.resolved"}
    got_dead = sum(1 for t, _, r in records if t == "dead-letter")
    print(f"\n{workers} worker(s): {len(lines)} events -> {len(got_alerts)} alerts in {elapsed:.1f}s")
    by_rule = Counter(r["rule_id"] for t, _, r in records if r.get("record_type") == "alert")
    print(dict(sorted(by_rule.items())))
    # the alerts open at the end are exactly replay's, OPS-PROVIDER-UNSPECIFIED-SHARE included (a period's alert
    # follows the provider's data on file, so the pace each partition was read at does not change it)
    assert got_alerts - got_resolved == want_alerts - want_resolved, running[0].log_tail()
    # and so are the ids raised, except an alert raised on partial data and resolved when the rest arrived
    # in one order only (COD-INCONSISTENT-CHANGE: imaging that explains a code change arriving after the
    # second visit; an OPS window over 80% until later specific visits arrived); README "Order of arrival"
    differ = got_alerts ^ want_alerts
    assert differ <= got_resolved | want_resolved, f"{len(differ)} alert ids differ from replay"
    # every provider the generator planted is flagged
    got_ops = {r["subject_id"].split("/")[0] for _, _, r in records if r.get("rule_id", "").startswith("OPS-")}
    assert planted_ops and planted_ops <= set(want_ops.values())
    missing = planted_ops - got_ops
    assert not missing, f"planted providers not flagged: {sorted(missing)}"
    assert got_dead == want_dead
    # and the group committed every record it handled (offsets are held until a batch is done, not lost)
    assert deployment.uncommitted() == 0
    assert sum(consumed) == len(lines)
    assert all(n > 0 for n in consumed), f"a worker of the group consumed nothing: {consumed}"
