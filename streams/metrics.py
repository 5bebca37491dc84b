"""Prometheus metrics on the worker's web port (`/metrics`): Faust's own sensor plus the product's counters.

Labels are bounded: topic, rule id, dead-letter reason, partition, and for the M54.50 share only the
`TOP_PROVIDERS` busiest providers this worker aggregates (never patients, never claims).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from aiohttp.web import Response
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.types import EventT
from faust.web import Request, View
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from streams import settings
from streams.app import app
from streams.core import codes
from streams.topics import INPUT_TOPICS, PROVIDER_TOPIC

log = logging.getLogger(__name__)

TOP_PROVIDERS = 20

EVENTS = Counter("lbp_events_consumed_total", "Input records consumed, by topic", ["topic"])
ALERTS = Counter("lbp_alerts_raised_total", "Alerts raised, by rule and alert topic", ["rule_id", "topic"])
RESOLVED = Counter("lbp_alerts_resolved_total", "alert.resolved records written, by rule", ["rule_id"])
DEAD_LETTERS = Counter("lbp_dead_letters_total", "Inputs sent to dead-letter, by reason", ["error_class"])
LATENCY = Histogram(
    "lbp_processing_latency_seconds",
    "From the input record's Kafka timestamp to its alerts confirmed by the broker",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DELIVERY_RETRIES = Counter(
    "lbp_delivery_retries_total", "Batches of records sent again because the broker did not confirm them"
)
BATCH_SECONDS = Histogram(
    "lbp_batch_seconds", "From taking a batch of input records to its alerts and states confirmed by the broker"
)
OLDEST_BATCH = Gauge(
    "lbp_oldest_unfinished_batch_age_seconds",
    "Seconds since the oldest batch not yet confirmed by the broker was taken (0 if none): a stall shows at once",
)
LAG = Gauge("lbp_consumer_lag", "Records not yet committed, by input partition", ["topic", "partition"])
PATIENTS = Gauge("lbp_patient_state_keys", "Patients in this worker's state table")
RESTORED = Counter(
    "lbp_table_restored_records_total", "Changelog records read by the store's bulk restore, by table", ["table"]
)
RESTORE_SECONDS = Counter(
    "lbp_table_restore_seconds_total", "Time the store's bulk restores took (a rebalance waits for it)", ["table"]
)
SHARE = Gauge(
    "lbp_provider_unspecified_share",
    "Share of LBP encounters coded M54.50 in the provider's 30-day window (busiest providers only)",
    ["provider_id"],
)
SHARE_ENCOUNTERS = Gauge(
    "lbp_provider_lbp_encounters", "LBP encounters in the provider's 30-day window (busiest only)", ["provider_id"]
)
UNCOVERED = Counter(
    "lbp_events_outside_code_sets_total",
    "Encounters, claims and prior-auths dated in a fiscal year no ICD-10-CM code set on file holds (their codes "
    "are not checked for retired codes or against their descriptions), by topic and fiscal year",
    ["topic", "fiscal_year"],
)
BUILD = Gauge("lbp_build_info", "Build information", ["version", "kafka_release"])


def _patient_keys() -> int:
    from streams.agents import patients  # agents import this module

    return len(patients.data)


PATIENTS.set_function(_patient_keys)  # read at scrape time: right from the first scrape after a restore


@functools.cache
def child(metric: Counter, *labels: str) -> Counter:
    """A labelled child, looked up once per label set: `.labels()` per event showed up in the worker's
    profile (7% of its samples)."""
    return metric.labels(*labels)


_warned_years: set[str] = set()


# fiscal years labelled as such: the next few after the files on file (a code set to add); a date before
# ICD-10-CM or far ahead is a date to check, not a code set to add, and one label each keeps the series bounded
NEXT_YEARS_LABELLED = 5


def fiscal_year_label(fiscal_year: int) -> str:
    if fiscal_year < codes.FIRST_FY:
        return "before"
    return str(fiscal_year) if fiscal_year <= codes.LAST_FY + NEXT_YEARS_LABELLED else "later"


def outside_code_sets(topic: str, fiscal_year: int) -> None:
    """Count an event no code set on file can judge; say once per fiscal year what to do about it (the
    counter is what an alert rule watches: ops/prometheus/alerts.yml, LbpCodeSetMissing)."""
    label = fiscal_year_label(fiscal_year)
    child(UNCOVERED, topic, label).inc()
    if label not in _warned_years:
        _warned_years.add(label)
        if label.isdigit():
            log.warning(codes.uncovered_advice(fiscal_year))
        else:
            log.warning(
                "events dated %s the ICD-10-CM code sets on file (FY%d-FY%d) are not checked: check their dates",
                "before" if label == "before" else "years after",
                codes.FIRST_FY,
                codes.LAST_FY,
            )


def batch_finished(batch: Sequence[EventT], started: float) -> None:
    """A batch of input records is done: its alerts and states are confirmed by the broker."""
    now = time.time()
    for ev in batch:
        LATENCY.observe(max(0.0, now - ev.message.timestamp))
    BATCH_SECONDS.observe(time.monotonic() - started)


try:
    _VERSION = version("lbp-streams")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    _VERSION = "unknown"
BUILD.labels(version=_VERSION, kafka_release="3.9.2").set(1)

# Faust's own sensor (faust_* metrics: messages, events and commits per topic, rebalances, send and commit
# timings) works per message: it cost about 17% of a worker's CPU (11.4-12.2 s against 13.5-15.4 s of CPU
# for the same 25,800 events, two runs each). The product's lbp_* metrics cover the dashboard and alert rules.
if settings.FAUST_METRICS:
    setup_prometheus_sensors(app, name_prefix="faust")  # it serves /metrics too
else:

    @app.page("/metrics")
    async def metrics_page(self: View, request: Request) -> Response:
        """What faust's sensor would serve, without it: the product's metrics (prometheus_client's registry)."""
        return Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


# provider -> (its provider-encounters partition, encounters in its current window, share), refreshed by the
# provider agent; exported for the busiest only, of the partitions this worker owns
provider_windows: dict[str, tuple[int, int, float]] = {}


def export_shares(owned: set[int] | None) -> None:
    """The busiest providers' current shares; a provider whose partition moved to another worker is
    forgotten here (the new owner exports it), so no provider is exported twice or frozen. `owned` None:
    the assignment is not known (between generations): nothing is exported or forgotten."""
    SHARE.clear()
    SHARE_ENCOUNTERS.clear()
    if owned is None:
        return
    for provider in [p for p, (partition, _, _) in provider_windows.items() if partition not in owned]:
        del provider_windows[provider]
    busiest = sorted(provider_windows.items(), key=lambda kv: kv[1][1], reverse=True)[:TOP_PROVIDERS]
    for provider, (_, total, share) in busiest:
        SHARE.labels(provider_id=provider).set(share)
        SHARE_ENCOUNTERS.labels(provider_id=provider).set(total)


def export_lag(monitor: object, assigned: set, consumed: set[str]) -> None:
    """Lag of the partitions this worker owns now, of the topics its agents consume: a partition that moved
    to another worker is not exported twice, and the changelogs faust reads for recovery and standby
    replicas (never committed) are not lag."""
    LAG.clear()
    committed_offsets = getattr(monitor, "tp_committed_offsets", {})
    for tp, end in list(getattr(monitor, "tp_end_offsets", {}).items()):
        if tp in assigned and tp.topic in consumed:
            committed = committed_offsets.get(tp, 0)
            LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(max(0, end - committed))


@app.timer(interval=5.0)
async def export_gauges() -> None:
    try:
        assigned: set | None = set(app.consumer.assignment())
    except Exception:  # not started or between generations: nothing is owned for certain
        assigned = None
    export_lag(app.monitor, assigned or set(), {*INPUT_TOPICS, PROVIDER_TOPIC})
    export_shares(None if assigned is None else {tp.partition for tp in assigned if tp.topic == PROVIDER_TOPIC})
