"""PatientState encode/decode: what the Faust worker pays per touched patient per batch.

Run from the repository root:

    .venv/bin/python -m bench.bench_state --patients 3000 --seed 5

Replays a generated stream (`--patients`, `--seed`) to get realistic states, then times `encode` of every
state and `PatientState.decode` of every encoded state, `--rounds` times each, and prints the best round's
microseconds per state (CPU time: the machine is shared) with the mean encoded size. It also checks that
every decoded state equals the live one and encodes to the same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
import time

from streams.core.state import PatientState
from streams.generate import generate
from streams.replay import Replay


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)

    replay = Replay()
    replay.run(io.BytesIO(b"\n".join(generate(args.patients, args.seed).lines)), io.BytesIO(), io.BytesIO())
    states = list(replay.patients.values())
    encoded = [s.encode() for s in states]
    for s, raw in zip(states, encoded, strict=True):
        back = PatientState.decode(raw)
        assert back == s and back.encode() == raw, s.patient_id

    def best(fn) -> float:  # noqa: ANN001 - a no-argument callable
        times = []
        for _ in range(args.rounds):
            t = time.process_time()
            fn()
            times.append(time.process_time() - t)
        return min(times) / len(states) * 1e6

    enc = best(lambda: [s.encode() for s in states])
    dec = best(lambda: [PatientState.decode(raw) for raw in encoded])
    size = sum(map(len, encoded)) / len(encoded)
    print(f"{len(states):,} states, {size:,.0f} bytes each on average: encode {enc:.1f} us, decode {dec:.1f} us each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
