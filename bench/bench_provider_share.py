"""OPS-PROVIDER-UNSPECIFIED-SHARE's aggregate: CPU per observation for one provider, quiet to busy.

Run from the repository root:

    .venv/bin/python -m bench.bench_provider_share [--observations 2000] [--rounds 3]

Why: one provider's window lives under one key on one partition, so a busy clinic's observations are
applied one after another by one worker. For 30, 300 and 1,000 LBP encounters per 30 days, `--observations`
encounters of one provider (dates spread to that rate, about half coded M54.50, in random order: they reach
the aggregate from many partitions) go through `observe` into a fresh state; the best of `--rounds` rounds,
in microseconds of process CPU per observation (the machine is shared). Writes bench/results/provider_share.json.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

from streams.core.rules.ops_provider_unspecified_share import Observation, ProviderState, ShareConfig, observe

RESULTS = Path(__file__).resolve().parent / "results"
RATES = (30, 300, 1000)  # LBP encounters per 30 days


def observations(n: int, per_30_days: int, seed: int = 1) -> list[Observation]:
    rng = random.Random(seed)
    days = max(1, n * 30 // per_30_days)
    start = date(2024, 1, 1)
    return [
        Observation("p", f"e{i}", start + timedelta(days=rng.randrange(days)), rng.random() < 0.5, f"v{i}", "")
        for i in range(n)
    ]


def cpu_us_per_observation(batch: list[Observation], rounds: int) -> float:
    config = ShareConfig()
    best = float("inf")
    for _ in range(rounds):
        state = ProviderState("p")
        t = time.process_time()
        for obs in batch:
            observe(state, obs, config)
        best = min(best, time.process_time() - t)
    return best / len(batch) * 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--observations", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    result = {
        str(rate): round(cpu_us_per_observation(observations(args.observations, rate), args.rounds), 1)
        for rate in RATES
    }
    for rate, us in result.items():
        print(f"{rate:>5} LBP encounters per 30 days: {us:8.1f} us of CPU per observation")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "provider_share.json"
    out.write_text(json.dumps({"observations": args.observations, "us_per_observation": result}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
