"""`generate --patients N --seed S`: a synthetic event stream with known answers, as JSON lines.

Events (encounters, imaging, prior-auths, claims, with late imaging, retired and invalid codes, duplicates
and ~0.5% malformed lines) go to stdout or --out; --expected writes the alerts the generator planted, one
JSON object per line, so `replay` can be scored against them. Same seed, same bytes. A one-line summary
goes to stderr. Exit 0, or 2 for bad arguments (e.g. a start date outside the ICD-10-CM reference data).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def _count(text: str) -> int:
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError("expected a count >= 0")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="write a synthetic, deterministic event stream (JSONL) and the alerts planted in it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--patients", type=_count, required=True, help="number of patients (~9 events each)")
    p.add_argument("--seed", type=int, required=True, help="random seed: the same seed gives the same bytes")
    p.add_argument("--out", type=Path, help="write events here instead of stdout")
    p.add_argument("--expected", type=Path, help="write the planted alerts here (JSONL)")
    p.add_argument("--no-bad-lines", dest="bad_lines", action="store_false", help="no malformed lines")
    p.add_argument("--start", type=_date, default=date(2023, 1, 9), help="first date of service (default 2023-01-09)")
    p.add_argument("--providers", type=_count, help="number of providers (default: patients / 40, at least 4)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams.generate import dumps, generate

    began = time.perf_counter()
    try:
        gen = generate(args.patients, args.seed, start=args.start, providers=args.providers, bad_lines=args.bad_lines)
    except ValueError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    out = open(args.out, "wb") if args.out else sys.stdout.buffer  # noqa: SIM115
    try:
        out.write(b"\n".join(gen.lines))
        if gen.lines:
            out.write(b"\n")
    finally:
        if args.out:
            out.close()
        else:
            out.flush()
    if args.expected:
        args.expected.write_bytes(dumps(gen.expected))
    took = time.perf_counter() - began
    s = gen.stats
    print(
        f"generate: {s['lines']:,} lines ({s['events']:,} events, {s['duplicates']:,} duplicates, "
        f"{s['bad_lines']:,} malformed) for {s['patients']:,} patients; {len(gen.expected):,} planted alerts; "
        f"{took:.1f} s ({s['lines'] / max(took, 1e-9):,.0f} lines/s)",
        file=sys.stderr,
    )
    return 0
