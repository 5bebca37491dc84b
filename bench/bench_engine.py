"""Engine throughput: `replay` in-process on one core, reading included, with peak memory.

Run from the repository root:

    .venv/bin/python -m bench.bench_engine --file /tmp/g1m.jsonl
    .venv/bin/python -m bench.bench_engine --patients 2000 --seed 3      # generates the events first

Times (1) start-up: importing the engine (the reader compiles its patterns) and loading the code index,
and (2) `Replay.run` over the whole file, exactly as `lbp-streams replay FILE --out F --dead-letter F` does
(the file streamed line by line; decode, apply, provider aggregate, JSON encoding of every output), with
the outputs hashed instead of written. Prints events/s (wall clock, and per CPU second: the machine is
shared), outputs, dead letters, the SHA-256 of the alert and dead-letter streams (equal to `sha256sum` of
the files `replay` writes) and the peak RSS of the process (`resource.getrusage`: interpreter, code index,
reader and every patient's and provider's state), and writes bench/results/engine.json. The process is
pinned to one CPU (`--cpu`). The machine is shared and noisy: compare runs made close together.

After the replay, in the same process and on the same core, two floors over the same lines: decoding
alone (JSON, schema check, the typed event, as replay's first step) and decoding with the reading of each
assessment and imaging report (no state, no rules). They say what part of replay's CPU per event the
rules and the state take, and how the target (50,000 events/s: 20 us of CPU per event in all) compares
with the cost of validating an event before anything else happens.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


class _Hashing(io.RawIOBase):
    """A binary sink that only hashes what is written (stands in for --out / --dead-letter files)."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # noqa: ANN001 - bytes-like
        self.sha.update(b)
        self.bytes += len(b)
        return len(b)


def _floors(path: Path) -> dict[str, float]:
    """CPU microseconds per line of decoding alone, and of decoding and reading (see the docstring)."""
    from streams.core.events import BadInput, Encounter, Imaging, decode
    from streams.core.reading import read

    with open(path, "rb") as source:
        lines = [line.rstrip(b"\r\n") for line in source if line.strip()]

    c0 = time.process_time()
    events = []
    for raw in lines:
        try:  # noqa: SIM105 - try is free in 3.11; contextlib.suppress would be timed too
            events.append(decode(raw))
        except BadInput:
            pass
    decode_cpu = time.process_time() - c0
    c1 = time.process_time()
    for e in events:  # the reading of the events just decoded (decoding them again would add nothing)
        if isinstance(e, Encounter):
            read(e.assessment, "assessment")
        elif isinstance(e, Imaging):
            read(e.report_text, "imaging")
    both_cpu = decode_cpu + time.process_time() - c1
    return {
        "lines": len(lines),
        "events": len(events),
        "decode_us_per_line": round(decode_cpu / len(lines) * 1e6, 2),
        "decode_and_read_us_per_line": round(both_cpu / len(lines) * 1e6, 2),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, help="events (JSONL); generated when absent")
    ap.add_argument("--patients", type=int, default=2000, help="patients to generate without --file")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to (-1: do not pin)")
    ap.add_argument("--results", type=Path, default=RESULTS / "engine.json")
    args = ap.parse_args(argv)

    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    rss_before_import = _peak_rss_mb()
    t0 = time.perf_counter()
    from streams.core import codes
    from streams.replay import Replay

    codes.index()
    startup = time.perf_counter() - t0

    path = args.file
    if path is None:
        from streams.generate import generate, write

        path = Path(tempfile.gettempdir()) / f"bench-engine-{args.patients}-{args.seed}.jsonl"
        if not path.exists():
            write(generate(args.patients, args.seed), path)
    size = path.stat().st_size

    out, dead = _Hashing(), _Hashing()
    replay = Replay()
    with open(path, "rb") as source:
        t1, c1 = time.perf_counter(), time.process_time()
        stats = replay.run(source, out, dead)
        elapsed, cpu = time.perf_counter() - t1, time.process_time() - c1
    peak_rss = _peak_rss_mb()  # before the floors load the file into memory
    floors = _floors(path)
    replay_us = cpu / stats.lines * 1e6

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_pinned": args.cpu if args.cpu >= 0 else None,
        "file": str(path),
        "file_bytes": size,
        "lines": stats.lines,
        "events": stats.events,
        "outputs": stats.outputs,
        "dead_lettered": stats.dead_lettered,
        "startup_s": round(startup, 3),
        "replay_s": round(elapsed, 3),
        "replay_cpu_s": round(cpu, 3),
        "events_per_s": round(stats.events / elapsed),
        "events_per_cpu_s": round(stats.events / cpu),
        "lines_per_s": round(stats.lines / elapsed),
        "patients_in_memory": len(replay.patients),
        "providers_in_memory": len(replay.providers),
        "peak_rss_mb": round(peak_rss, 1),
        "rss_before_import_mb": round(rss_before_import, 1),
        "alerts_sha256": out.sha.hexdigest(),
        "dead_letter_sha256": dead.sha.hexdigest(),
        "replay_cpu_us_per_line": round(replay_us, 2),
        "floors": floors,
    }
    print(
        f"{stats.events:,} events ({stats.lines:,} lines) in {elapsed:.2f} s: {result['events_per_s']:,} events/s "
        f"on one core ({cpu:.2f} s CPU: {result['events_per_cpu_s']:,} events per CPU second); "
        f"{stats.outputs:,} outputs, {stats.dead_lettered:,} dead-lettered\n"
        f"start-up (imports + code index) {startup:.2f} s; peak RSS {result['peak_rss_mb']:,} MB "
        f"({len(replay.patients):,} patient states in memory)\n"
        f"alerts sha256 {result['alerts_sha256']}\ndead-letter sha256 {result['dead_letter_sha256']}\n"
        f"CPU per line: replay {replay_us:.1f} us; decoding alone {floors['decode_us_per_line']:.1f} us "
        f"({floors['decode_us_per_line'] / replay_us:.0%}), decoding and reading "
        f"{floors['decode_and_read_us_per_line']:.1f} us ({floors['decode_and_read_us_per_line'] / replay_us:.0%}); "
        f"the target's 50,000 events/s allows 20 us"
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
