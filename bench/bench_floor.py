"""faust's floor against the raw passthrough and the worker, as CPU per event in one run.

Run from the repository root (a fresh broker on a free port, stopped at the end):

    .venv/bin/python -m bench.bench_floor [--patients 3000] [--seed 5] [--rounds 2]

On the same generated events, pre-loaded into fresh topics each time, in rounds: `bench/floor_worker.py`
(faust with an agent that only takes its batches and releases them), the worker itself (`lbp-streams
worker`), and the raw passthrough of `bench_stream`. For the two faust processes: CPU seconds of the process
from ready until every input offset is committed (the harness polls every 0.5 s), per event, and events/s
over that time (the worker's provider agent may still be busy after that: its CPU from then on is not
counted, so the worker's figure is if anything low; bench_stream's worker section waits for its last
alert). Why: the worker's share of raw (issue 7's 25%) cannot exceed faust's own share; this says what that
share is here. Prints a table and writes bench/results/floor.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_stream import RESULTS, _cpu_seconds, _dir, _preload, aligned, bench_passthrough
from streams import settings
from streams.generate import generate
from streams.localkafka import LocalBroker
from tests.broker.harness import Deployment, Worker


class FloorWorker(Worker):
    """`python -m bench.floor_worker` with the harness's environment, log and readiness."""

    command = (sys.executable, "-m", "bench.floor_worker")


def drain(worker: Worker, d: Deployment, events: int, timeout: float = 600) -> dict:
    """Start `worker` on the pre-loaded topics of `d`; CPU and time from ready to every offset committed."""
    worker.start(ready_timeout=180)
    try:
        cpu0, t0 = _cpu_seconds(worker.proc.pid), time.monotonic()  # type: ignore[union-attr]
        while d.uncommitted() > 0:
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"{worker.log_path.name}: offsets not all committed after {timeout}s")
            time.sleep(0.5)
        cpu, seconds = _cpu_seconds(worker.proc.pid) - cpu0, time.monotonic() - t0  # type: ignore[union-attr]
    finally:
        worker.stop()
    return {"cpu_us_per_event": cpu / events * 1e6, "events_per_s": events / seconds, "seconds": seconds}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--patients", type=int, default=3000)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    lines = generate(args.patients, seed=args.seed, bad_lines=False).lines
    root = Path(tempfile.mkdtemp(prefix="lbp-floor-"))
    runs: dict[str, list[dict]] = {"floor": [], "worker": [], "passthrough": []}
    broker = LocalBroker(state_dir=root / "broker", cache_dir=settings.CACHE_DIR, heap="1g").start()
    try:
        for n in range(args.rounds):
            for name in runs:
                d = Deployment(broker, _dir(root, f"{name}{n}"))
                d.create_topics()
                _preload(d, lines)
                if name == "passthrough":
                    runs[name].append(bench_passthrough(d, len(lines)))
                else:
                    kind = FloorWorker if name == "floor" else Worker
                    runs[name].append(drain(kind(d, f"{name}{n}"), d, len(lines)))
    finally:
        broker.stop()
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "events": len(lines),
        "runs": runs,
        "median_cpu_us_per_event": {k: statistics.median(r["cpu_us_per_event"] for r in v) for k, v in runs.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "floor.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"\n{table(results)}\n\nwrote {RESULTS / 'floor.json'}")


def table(results: dict) -> str:
    """One row per process: CPU per event and events/s of each round, and its share of raw's CPU cost."""
    raw = results["median_cpu_us_per_event"]["passthrough"]
    rows = [("what", "CPU us per event (each round)", "events/s (each round)", "raw's CPU / its CPU")]
    for name, label in (("passthrough", "raw passthrough"), ("floor", "faust floor"), ("worker", "worker")):
        runs = results["runs"][name]
        rows.append(
            (
                label,
                ", ".join(f"{r['cpu_us_per_event']:,.1f}" for r in runs),
                ", ".join(f"{r['events_per_s']:,.0f}" for r in runs),
                f"{raw / results['median_cpu_us_per_event'][name]:.1%}",
            )
        )
    return aligned(rows)


if __name__ == "__main__":
    main()
