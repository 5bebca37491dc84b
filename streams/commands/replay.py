"""`replay FILE.jsonl`: the very same engine as the Faust worker, offline, in file order.

Alerts (and alert.resolved records) go to stdout or --out as JSON lines; a malformed line or an event that
fails its schema goes to the dead-letter output (stderr, or --dead-letter) with its line number and reason,
and replay goes on. Exit 0 when every line was processed, 1 when any line was dead-lettered, 2 when the file
cannot be read. Encounters, claims and prior-auths dated in a fiscal year no code set on file holds are
processed, and counted: replay says on stderr how many and what to do, when stderr is not the dead-letter
output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="run the rule engine over a JSONL file of events, offline")
    p.add_argument("file", type=Path, help="input events, one JSON object per line ('-' for stdin)")
    p.add_argument("--out", type=Path, help="write alerts here instead of stdout")
    p.add_argument("--dead-letter", type=Path, help="write dead-letter records here instead of stderr")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: only when stderr is a terminal)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams import settings
    from streams.replay import Replay

    try:
        source: IO[bytes] = sys.stdin.buffer if str(args.file) == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        print(f"replay: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    out = open(args.out, "wb") if args.out else sys.stdout.buffer  # noqa: SIM115
    dead = open(args.dead_letter, "wb") if args.dead_letter else sys.stderr.buffer  # noqa: SIM115
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    total = args.file.stat().st_size if progress and str(args.file) != "-" else None
    try:
        stats = Replay(settings.engine_config()).run(source, out, dead, progress_total=total if progress else None)
    finally:
        for f in (source, out, dead):
            if f not in (sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer):
                f.close()
    if stats.uncovered and (args.dead_letter or sys.stderr.isatty()):  # else stderr carries dead-letter JSON lines
        _report_uncovered(stats.uncovered)
    return 1 if stats.dead_lettered else 0


def _report_uncovered(uncovered: dict[int, int]) -> None:
    """One line per fiscal year no code set on file holds: how many events, and what to do."""
    from streams.core import codes

    for fy, count in sorted(uncovered.items()):
        print(f"replay: {codes.uncovered_advice(fy, count)}", file=sys.stderr)
