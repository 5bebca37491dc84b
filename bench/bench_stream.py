"""Stream benchmarks on a real Apache Kafka broker, reported as ratios measured in one run.

Run from the repository root (a fresh broker is started on a free port and stopped at the end):

    .venv/bin/python -m bench.bench_stream [--patients 4000] [--seed 5] [--only passthrough,worker,...]

Measures, on the same generated events, broker and partitions:
  passthrough  raw limit of the stack: an aiokafka consumer (one group member) reads the pre-loaded input
               topics, parses every event with orjson, and produces 10% of them; events/s
  worker       the product: one worker drains the same pre-loaded topics; events/s from the worker's
               "Ready" to the broker's timestamp of its last alert; alert ids checked against replay
  scale        two workers in one group on the same backlog vs one worker
  latency      events produced at a fixed offered rate (default 2,000/s) with occurred_at stamped at
               produce time; p50/p95/p99 of (alert arrival - raised_at), raised_at being that stamp;
               the cores each process used meanwhile, and 10 s windows; after the same load through the
               broker without a worker for --latency-warmup-seconds (the JVM warm)
  recovery     a worker with --recovery-patients patients in its table is restarted; time from process
               start to /readyz, against an empty worker's, and patients/s; and the store's bulk restore
               (records, seconds) from the worker's own metrics
  memory       a burst of 200,000 events for 50,000 patients through one worker: its peak RSS (sampled
               from /proc every 0.5 s); and one patient fed 100,000 events in the pure core: state size
The passthrough and the worker also report CPU microseconds per event (the process's own user + system
time), a figure the other load on a shared machine moves less than events/s.
Prints a table and writes bench/results/stream.json. The machine is shared and noisy: compare the
ratios of one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streams import settings
from streams.generate import generate
from streams.localkafka import LocalBroker
from streams.replay import Replay
from tests.broker.harness import ALERT_TOPICS, TOPIC_OF_TYPE, Deployment, Worker

RESULTS = settings.REPO_ROOT / "bench" / "results"


def _patient_level(alert_ids: set[str]) -> set[str]:
    """Alert ids without the OPS ones (reported apart: they come one hop later, through the provider agent)."""
    return alert_ids - _OPS_IDS


_OPS_IDS: set[str] = set()


def _replay_open_alerts(lines: list[bytes]) -> set[str]:
    """Alert ids replay leaves open (raised and not resolved): what the worker must end with."""
    raised, resolved = set(), set()
    for o in Replay().outputs(lines):
        if not isinstance(o, dict):
            (raised if hasattr(o, "severity") else resolved).add(o.alert_id)
            if o.rule_id.startswith("OPS-"):
                _OPS_IDS.add(o.alert_id)
    return raised - resolved


def _preload(d: Deployment, lines: list[bytes]) -> None:
    d.produce(lines)


def _last_output_time(d: Deployment, want_open: set[str], timeout: float = 900) -> tuple[float, set[str], int]:
    """Wait until the worker's open alerts are replay's; return (broker timestamp of its last record, its
    open alert ids, records read)."""
    from kafka import KafkaConsumer

    names = [d.topic(t) for t in ALERT_TOPICS]
    consumer = KafkaConsumer(
        *names,
        bootstrap_servers=d.broker.bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    raised: set[str] = set()
    resolved: set[str] = set()
    last_ts, n = 0.0, 0
    start = quiet_since = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            got = consumer.poll(timeout_ms=300)
            for records in got.values():
                for r in records:
                    n += 1
                    last_ts = max(last_ts, r.timestamp / 1000)
                    doc = orjson.loads(r.value)
                    (raised if doc.get("record_type") == "alert" else resolved).add(doc["alert_id"])
                quiet_since = time.monotonic()
            quiet, open_now = time.monotonic() - quiet_since, raised - resolved
            # every alert replay leaves open, or (if some never come) the patient-level ones and 30 quiet seconds
            if quiet > 3 and (want_open <= open_now or (_patient_level(want_open) <= open_now and quiet > 30)):
                break
    finally:
        consumer.close()
    return last_ts, raised - resolved, n


def bench_passthrough(d: Deployment, events: int) -> dict:
    """aiokafka: read every input record, parse it, produce 10% of them; the raw limit of this stack."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    inputs = list(_topics(d).values())
    out_topic = d.topic("alerts-operations")

    async def main() -> dict:
        consumer = AIOKafkaConsumer(
            *inputs,
            bootstrap_servers=d.broker.bootstrap,
            group_id=f"{d.prefix}-raw",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        producer = AIOKafkaProducer(bootstrap_servers=d.broker.bootstrap, acks="all", linger_ms=5)
        await producer.start()
        await consumer.start()
        seen = produced = 0
        start = None
        cpu_start = 0.0
        futures = []
        while seen < events:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            if start is None and batch:
                start, cpu_start = time.monotonic(), time.process_time()
            for records in batch.values():
                for r in records:
                    seen += 1
                    try:
                        doc = orjson.loads(r.value)
                    except orjson.JSONDecodeError:
                        continue
                    if seen % 10 == 0:
                        futures.append(await producer.send(out_topic, key=r.key, value=orjson.dumps(doc)))
                        produced += 1
            if batch:
                await asyncio.gather(*futures)
                futures.clear()
                await consumer.commit()
        elapsed = time.monotonic() - (start or time.monotonic())
        cpu = time.process_time() - cpu_start
        await consumer.stop()
        await producer.stop()
        return {
            "events": seen,
            "produced": produced,
            "seconds": elapsed,
            "events_per_s": seen / elapsed,
            "cpu_us_per_event": cpu / seen * 1e6,
        }

    return asyncio.run(main())


def bench_worker(d: Deployment, lines: list[bytes], want: set[str], workers: int = 1) -> dict:
    running = [Worker(d, f"w{i}").start(ready_timeout=180) for i in range(workers)]
    cpu_at_ready = [_cpu_seconds(w.proc.pid) for w in running]  # type: ignore[union-attr]
    broker_at_ready = _cpu_seconds(d.broker.process.pid)  # type: ignore[union-attr]
    try:
        end, got, _ = _last_output_time(d, want)
        ready = max(w.ready_at for w in running)  # /readyz polled every 50 ms
        cpu = sum(_cpu_seconds(w.proc.pid) for w in running) - sum(cpu_at_ready)  # type: ignore[union-attr]
        broker_cpu = _cpu_seconds(d.broker.process.pid) - broker_at_ready  # type: ignore[union-attr]
    finally:
        for w in running:
            w.stop()
    elapsed = end - ready
    return {
        "workers": workers,
        "events": len(lines),
        "seconds": elapsed,
        "events_per_s": len(lines) / elapsed,
        # CPU the worker processes spent, per event: steadier than events/s on a shared machine (it includes
        # the few seconds the reader above waits for quiet after the last alert, an idle worker's timers)
        "cpu_us_per_event": cpu / len(lines) * 1e6,
        # the cores the broker and the workers took over the drain (the events were loaded before it: no
        # producer runs); CPU counted until the reader above had waited out its quiet seconds, which adds a
        # little idle time to both
        "broker_cores": broker_cpu / elapsed,
        "worker_cores": cpu / elapsed,
        "open_alerts": len(got),
        "open_alerts_match_replay": got == want,
        "patient_alerts_match_replay": _patient_level(got) == _patient_level(want),
        "ops_alerts": [len(got & _OPS_IDS), len(want & _OPS_IDS)],
    }


def warm_broker(d: Deployment, lines: list[bytes], rate: float, seconds: float) -> None:
    """The same offered load through the broker for `seconds`, produced and read back by plain clients,
    with no worker: the JVM compiles its produce and fetch paths before latency is measured on it.

    On a fresh broker the compiler threads took most of a core for the first half minute here (broker CPU
    0.81-0.88 cores in the first 20 s of 500 events/s, 0.45-0.54 from 30 s on), which on 2 cores is CPU the
    worker lacks. Runs on a deployment of its own (`d`), so no worker ever sees these records."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(*_topics(d).values(), bootstrap_servers=d.broker.bootstrap, group_id=None)
    consumer.poll(timeout_ms=1000)
    producer, _ = _load_generator(d, lines[: int(rate * seconds)], rate)
    try:
        producer.start()
        while producer.is_alive():
            consumer.poll(timeout_ms=50)
    finally:
        producer.join()
        consumer.close()


def bench_latency(d: Deployment, lines: list[bytes], rate: float) -> dict:
    """Offered load at a fixed rate; occurred_at stamped at produce time, alert latency at arrival.

    The producer runs in a process of its own, so its pacing never waits on the alert consumer here (they
    shared one process before, the consumer polling every 200 events produced). `input_p50_ms` /
    `input_p99_ms`: the same consumer's delay on the input records themselves (encounter-signed's),
    produce stamp to arrival, i.e. the part of an alert's latency that is the broker and this harness
    rather than the worker.

    `cpu_cores`: the cores each process used while the load was offered (CPU seconds / seconds): on a
    machine with few cores the broker and this harness's own clients take a share the worker then lacks.
    `windows`: the alerts that arrived in each `WINDOW_SECONDS`, with their p50/p99 and the broker's and
    the worker's cores: latency that grows window after window is a backlog (offered over capacity); a
    first window slower than the rest on a fresh broker is the JVM compiling its hot paths."""
    from kafka import KafkaConsumer

    worker = Worker(d, "lat").start(ready_timeout=180)
    # the input delay from one topic only (all four share the producer and the broker): kafka-python spends
    # a few hundred us per record read here, and this process shares the cores with the worker
    inputs = {d.topic("encounter-signed")}
    consumer = KafkaConsumer(
        *[d.topic(t) for t in ALERT_TOPICS],
        *inputs,
        bootstrap_servers=d.broker.bootstrap,
        group_id=None,
        auto_offset_reset="latest",
        enable_auto_commit=False,
        fetch_max_wait_ms=10,
    )
    consumer.poll(timeout_ms=1000)  # join and seek to the end before producing
    latencies: list[float] = []
    input_delays: list[float] = []
    producer, report = _load_generator(d, lines, rate)
    pids = {"broker": d.broker.process.pid, "worker": worker.proc.pid}  # type: ignore[union-attr]
    marks = [_cpu_mark(pids, latencies)]
    try:
        producer.start()
        while producer.is_alive():
            _drain_latencies(consumer, 50, inputs, latencies, input_delays)
            if time.monotonic() - marks[-1]["at"] >= WINDOW_SECONDS:
                marks.append(_cpu_mark(pids, latencies))
        marks.append(_cpu_mark(pids, latencies))
        until = time.monotonic() + 10  # the backlog's last alerts
        while time.monotonic() < until:
            _drain_latencies(consumer, 50, inputs, latencies, input_delays)
    finally:
        producer.join()
        consumer.close()
        worker.stop()
    offered, producer_cpu = report.get(timeout=10)
    first, last = marks[0], marks[-1]
    cores = _cores_between(first, last)
    cores["consumer"] = cores.pop("harness")  # this process: the alert consumer
    cores["producer"] = producer_cpu / (last["at"] - first["at"])
    q = statistics.quantiles(latencies, n=100)
    qi = statistics.quantiles(input_delays, n=100)
    return {
        "offered_per_s": offered,
        "alerts": len(latencies),
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "input_p50_ms": qi[49] * 1000,
        "input_p99_ms": qi[98] * 1000,
        "cores": os.cpu_count(),
        "cpu_cores": cores,
        "windows": [_window(a, b, latencies) for a, b in zip(marks, marks[1:], strict=False)],
    }


WINDOW_SECONDS = 10.0


def _cpu_mark(pids: dict[str, int], latencies: list[float]) -> dict:
    """Where the run stands now: alerts so far, CPU seconds of each process (and of this one)."""
    mark = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    return {**mark, "harness": time.process_time(), "at": time.monotonic(), "alerts": len(latencies)}


def _cores_between(start: dict, end: dict) -> dict[str, float]:
    """The cores each process of two `_cpu_mark`s used between them (CPU seconds / seconds)."""
    seconds = end["at"] - start["at"]
    return {name: (end[name] - start[name]) / seconds for name in start if name not in ("at", "alerts")}


def _window(start: dict, end: dict, latencies: list[float]) -> dict:
    arrived = latencies[start["alerts"] : end["alerts"]]
    q = statistics.quantiles(arrived, n=100) if len(arrived) >= 2 else [float("nan")] * 99
    cores = _cores_between(start, end)
    return {
        "seconds": end["at"] - start["at"],
        "alerts": len(arrived),
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "broker_cores": cores["broker"],
        "worker_cores": cores["worker"],
    }


def _topics(d: Deployment) -> dict[str, str]:
    """Contract name -> this deployment's topic, for the four input topics."""
    return {t: d.topic(t) for t in TOPIC_OF_TYPE.values()}


def _load_generator(d: Deployment, lines: list[bytes], rate: float) -> tuple[Any, Any]:
    """`_produce_at_rate` over `lines` in a process of its own (not started) and the queue it reports on."""
    ctx = multiprocessing.get_context("spawn")
    report = ctx.Queue()
    producer = ctx.Process(target=_produce_at_rate, args=(d.broker.bootstrap, _topics(d), lines, rate, report))
    return producer, report


def _produce_at_rate(bootstrap: str, topics: dict[str, str], lines: list[bytes], rate: float, report) -> None:  # noqa: ANN001
    """The latency bench's producer (a process of its own): each event at its due time, occurred_at = now.

    Reports (events/s offered, its own CPU seconds). linger_ms=5: with 0 kafka-python sends a request per
    record, and at 2,000/s that alone took most of a core here; the 5 ms a record may wait is inside the
    measured latency."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5)
    start, cpu_start = time.monotonic(), time.process_time()
    for i, line in enumerate(lines):
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(doc, dict) or doc.get("event_type") not in TOPIC_OF_TYPE:
            continue
        due = start + i / rate
        while (now := time.monotonic()) < due:
            time.sleep(min(due - now, 0.002))
        doc["occurred_at"] = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        topic = topics[TOPIC_OF_TYPE[doc["event_type"]]]
        producer.send(topic, key=str(doc["patient_id"]).encode(), value=orjson.dumps(doc))
    producer.flush()
    report.put((len(lines) / (time.monotonic() - start), time.process_time() - cpu_start))
    producer.close()


def _drain_latencies(
    consumer, timeout_ms: int, inputs: set[str], alerts: list[float], input_delays: list[float]
) -> None:  # noqa: ANN001
    """One poll: each alert's arrival - raised_at (its event's produce stamp); each input record's arrival
    - its Kafka timestamp (what the harness itself adds)."""
    for records in consumer.poll(timeout_ms=timeout_ms).values():
        arrived = time.time()
        for r in records:
            if r.topic in inputs:
                input_delays.append(arrived - r.timestamp / 1000)
                continue
            doc = orjson.loads(r.value)
            if doc.get("record_type") == "alert" and doc.get("patient_id"):
                raised = datetime.fromisoformat(doc["raised_at"].replace("Z", "+00:00")).timestamp()
                alerts.append(arrived - raised)


def bench_recovery(d: Deployment, patients: int) -> dict:
    """Fill the table with `patients` patients, restart the worker, time start-to-ready against empty."""
    empty = Deployment(d.broker, d.root / "empty")
    (d.root / "empty").mkdir(exist_ok=True)
    empty.create_topics()
    w = Worker(empty, "e")
    t = time.monotonic()
    w.start(ready_timeout=180)
    empty_ready = time.monotonic() - t
    w.stop()

    enc = {
        "event_type": "encounter.signed", "occurred_at": "2024-05-02T10:00:00Z", "schema_version": 1,
        "provider_id": "prov-1", "date_of_service": "2024-05-02", "diagnoses": [{"code": "M54.50", "sequence": 1}],
        "assessment": "Chronic low back pain for 6 months. Continue physical therapy.",
    }  # fmt: skip
    lines = [
        orjson.dumps({**enc, "event_id": f"r{i}", "patient_id": f"rp{i}", "encounter_id": f"E{i}"})
        for i in range(patients)
    ]
    filler = Worker(d, "fill").start(ready_timeout=180)
    try:
        d.produce(lines)
        _wait_table(filler, patients)
    finally:
        filler.stop()
    w = Worker(d, "restart")
    t = time.monotonic()
    w.start(ready_timeout=600)
    ready = time.monotonic() - t
    keys = _table_keys(w)
    restored, restore_s = _restore_metrics(w)
    w.stop()
    # what a restart costs beyond an empty worker's start; at least the store's own restore time (the two
    # starts differ by less than their noise when the restore is short)
    recovery = max(ready - empty_ready, restore_s, 1e-3)
    return {
        "patients": patients,
        "restored_keys": keys,
        "start_to_ready_s": ready,
        "empty_start_to_ready_s": empty_ready,
        "recovery_s": recovery,
        "patients_per_s": patients / recovery,
        "restore": {"records": restored, "seconds": restore_s, "records_per_s": restored / max(restore_s, 1e-3)},
    }


def _restore_metrics(worker: Worker) -> tuple[int, float]:
    """The patient table's bulk restore (streams/tablestore.py), from the worker's own counters."""
    records = worker.metric("lbp_table_restored_records_total", table="patient-state")
    seconds = worker.metric("lbp_table_restore_seconds_total", table="patient-state")
    return (int(records) if records is not None else -1), seconds or 0.0


def _table_keys(worker: Worker) -> int:
    keys = worker.metric("lbp_patient_state_keys")
    return int(keys) if keys is not None else -1


def _wait_table(worker: Worker, patients: int, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _table_keys(worker) >= patients:
            time.sleep(6)  # the changelog writes of the last batch
            return
        time.sleep(2)
    raise TimeoutError("the table never reached the expected size")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def bench_memory(d: Deployment, events: int = 200_000, patients: int = 50_000) -> dict:
    """Peak RSS of one worker through a burst, and the state size of one patient after 100,000 events."""
    # every patient's first 4 events, then 5th events until `events`, in arrival order: `patients` patients
    all_lines = generate(patients, seed=77, bad_lines=False).lines
    rank, seen = [], {}
    for line in all_lines:
        pid = orjson.loads(line)["patient_id"]
        seen[pid] = seen.get(pid, 0) + 1
        rank.append(seen[pid])
    chosen = [i for i, r in enumerate(rank) if r <= 4]
    chosen += [i for i, r in enumerate(rank) if r == 5][: max(0, events - len(chosen))]
    lines = [all_lines[i] for i in sorted(chosen)][:events]
    n_patients = len({orjson.loads(x)["patient_id"] for x in lines})
    worker = Worker(d, "mem").start(ready_timeout=180)
    assert worker.proc is not None
    baseline = _rss_mb(worker.proc.pid)
    peak = baseline
    stop = False

    def sample() -> None:
        nonlocal peak
        while not stop:
            peak = max(peak, _rss_mb(worker.proc.pid))  # type: ignore[union-attr]
            time.sleep(0.5)

    import threading

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.monotonic()
    try:
        d.produce(lines)
        _wait_consumed(worker, len(lines))
        elapsed = time.monotonic() - start
        time.sleep(2)
    finally:
        stop = True
        worker.stop()
    return {
        "events": len(lines),
        "patients": n_patients,
        "seconds": elapsed,
        "rss_start_mb": baseline,
        "rss_peak_mb": peak,
        "one_patient": _one_patient_state(100_000),
    }


def _wait_consumed(worker: Worker, n: int, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (worker.metric("lbp_events_consumed_total") or 0) >= n:
            return
        time.sleep(1)
    raise TimeoutError("the worker did not consume the burst")


def _one_patient_state(events: int) -> dict:
    """One patient, `events` events (all of many generated patients' events re-keyed to one): state size."""
    from streams.core.engine import apply
    from streams.core.events import decode

    lines = generate(events // 8 + 1, seed=78, bad_lines=False).lines[:events]
    state, sizes = None, {}
    for i, line in enumerate(lines, 1):
        doc = orjson.loads(line)
        doc["patient_id"] = "one-patient"
        state, _ = apply(state, decode(orjson.dumps(doc)))
        if i in (1_000, 10_000, events):
            sizes[i] = len(state.encode())
    return {"events": len(lines), "state_bytes_after": sizes}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--patients", type=int, default=4000)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--rate", type=float, default=2000.0)
    p.add_argument("--latency-seconds", type=float, default=20.0)
    p.add_argument(
        "--latency-warmup-seconds",
        type=float,
        default=30.0,
        help="the offered load through the broker, without a worker, before latency is measured (0: none)",
    )
    p.add_argument("--recovery-patients", type=int, default=100_000)
    p.add_argument("--only", default="passthrough,worker,scale,latency,recovery,memory")
    args = p.parse_args()
    only = set(args.only.split(","))

    lines = generate(args.patients, seed=args.seed, bad_lines=False).lines
    want = _replay_open_alerts(lines)
    root = Path(tempfile.mkdtemp(prefix="lbp-bench-"))
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "kafka": "3.9.2",
        "events": len(lines),
        "partitions": 4,
    }
    broker = LocalBroker(state_dir=root / "broker", cache_dir=settings.CACHE_DIR, heap="1g").start()
    try:
        if "passthrough" in only:
            d = Deployment(broker, _dir(root, "raw"))
            d.create_topics()
            _preload(d, lines)
            results["passthrough"] = bench_passthrough(d, len(lines))
        if "worker" in only:
            d = Deployment(broker, _dir(root, "worker"))
            d.create_topics()
            _preload(d, lines)
            results["worker"] = bench_worker(d, lines, want)
        if "scale" in only:
            d = Deployment(broker, _dir(root, "scale"))
            d.create_topics()
            _preload(d, lines)
            results["two_workers"] = bench_worker(d, lines, want, workers=2)
        if "latency" in only:
            n = int(args.rate * max(args.latency_seconds, args.latency_warmup_seconds))
            offered = (lines * (n // len(lines) + 1))[:n] if lines else []
            if args.latency_warmup_seconds > 0:
                d = Deployment(broker, _dir(root, "warm"))
                d.create_topics()
                warm_broker(d, offered, args.rate, args.latency_warmup_seconds)
            d = Deployment(broker, _dir(root, "latency"))
            d.create_topics()
            results["latency"] = bench_latency(d, offered[: int(args.rate * args.latency_seconds)], args.rate)
            results["latency"]["warmup_seconds"] = args.latency_warmup_seconds
        if "recovery" in only:
            d = Deployment(broker, _dir(root, "recovery"))
            d.create_topics()
            results["recovery"] = bench_recovery(d, args.recovery_patients)
        if "memory" in only:
            d = Deployment(broker, _dir(root, "memory"))
            d.create_topics()
            results["memory"] = bench_memory(d)
    finally:
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)
    if "passthrough" in results and "worker" in results:
        results["ratio_worker_to_raw"] = results["worker"]["events_per_s"] / results["passthrough"]["events_per_s"]
        results["cpu_ratio_raw_to_worker"] = (
            results["passthrough"]["cpu_us_per_event"] / results["worker"]["cpu_us_per_event"]
        )
    if "worker" in results and "two_workers" in results:
        results["ratio_two_to_one"] = results["two_workers"]["events_per_s"] / results["worker"]["events_per_s"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "stream.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"\n{table(results)}\n\nwrote {RESULTS / 'stream.json'}")


def table(results: dict) -> str:
    """The figures of the sections that ran, each beside its target in issue 7, as aligned text."""
    rows = [("what", "measured", "target")]
    worker, raw, two = results.get("worker"), results.get("passthrough"), results.get("two_workers")
    for name, run in (("raw passthrough", raw), ("one worker", worker)):
        if run:
            rows.append(
                (
                    name,
                    f"{run['events_per_s']:,.0f} events/s, CPU {run['cpu_us_per_event']:,.1f} us per event",
                    "-",
                )
            )
    if worker and raw:
        rows.append(
            (
                "worker / raw passthrough",
                f"{results['ratio_worker_to_raw']:.1%} ({worker['events_per_s']:,.0f} / {raw['events_per_s']:,.0f}"
                f" events/s; CPU {worker['cpu_us_per_event']:,.0f} / {raw['cpu_us_per_event']:,.1f} us per event)",
                ">= 25%",
            )
        )
    if worker and two:
        rows.append(
            (
                "two workers / one",
                f"{results['ratio_two_to_one']:.2f}x ({two['events_per_s']:,.0f} events/s)"
                + _cores(worker, two, results.get("machine", {}).get("cpus")),
                ">= 1.6x",
            )
        )
    for name, run in (("one worker", worker), ("two workers", two)):
        if run:
            same = "equal" if run["open_alerts_match_replay"] else "DIFFERENT"
            rows.append((f"{name}: open alerts vs replay", f"{same} ({run['open_alerts']:,})", "equal"))
    if latency := results.get("latency"):
        rows.append(
            (
                f"latency at {latency['offered_per_s']:,.0f} events/s",
                f"p50 {latency['p50_ms']:,.0f} / p95 {latency['p95_ms']:,.0f} / p99 {latency['p99_ms']:,.0f} ms"
                f" (inputs alone: p50 {latency['input_p50_ms']:,.0f}, p99 {latency['input_p99_ms']:,.0f} ms)",
                "p99 < 250 ms",
            )
        )
        if cores := latency.get("cpu_cores"):
            used = ", ".join(f"{name} {cores[name]:.2f}" for name in ("broker", "worker", "producer", "consumer"))
            rows.append((f"cores in use then (of {latency['cores']})", used, "stated"))
    if recovery := results.get("recovery"):
        rows.append(
            (
                f"recovery, {recovery['patients']:,} patients",
                f"{recovery['patients_per_s']:,.0f} patients/s (ready {recovery['start_to_ready_s']:.2f} s,"
                f" empty {recovery['empty_start_to_ready_s']:.2f} s)",
                ">= 50,000/s",
            )
        )
    if memory := results.get("memory"):
        rows.append(
            (
                f"memory, {memory['events']:,}-event burst",
                f"RSS {memory['rss_start_mb']:.0f} MB at start, {memory['rss_peak_mb']:.0f} MB peak",
                "stated",
            )
        )
    return aligned(rows)


def aligned(rows: list[tuple[str, ...]]) -> str:
    """Rows of cells as text, each column as wide as its widest cell (the benches' printed tables)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _cores(one: dict, two: dict, cpus: int | None) -> str:
    """The cores the workers and the broker took in the two runs (absent from JSON written before them)."""
    if "broker_cores" not in one or "broker_cores" not in two:
        return ""
    return (
        f"; cores: one worker {one['worker_cores']:.2f} + broker {one['broker_cores']:.2f},"
        f" two workers {two['worker_cores']:.2f} + broker {two['broker_cores']:.2f}, of {cpus or '?'}"
    )


def _dir(root: Path, name: str) -> Path:
    (root / name).mkdir()
    return root / name


if __name__ == "__main__":
    main()
