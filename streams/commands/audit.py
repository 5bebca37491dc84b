"""`audit FILE.jsonl -o report.html`: what the engine would have raised on a history, as one HTML page.

The page is for a revenue-cycle lead and opens offline (no network, no scripts): LBP code shares by month
and provider, alerts by rule, providers over the M54.50 threshold, the imaging behind COD-IMAGING-UNLINKED,
and every alert as CSV. Exit 0 when the report was written (dead-lettered lines are counted in it), 2 when
the input cannot be read or the output cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="replay a history of events and write a self-contained HTML report")
    p.add_argument("file", type=Path, help="input events, one JSON object per line")
    p.add_argument("-o", "--out", type=Path, default=Path("report.html"), help="the HTML report (report.html)")
    p.add_argument("--title", default="Low-back-pain coding audit", help="the report's title")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams import settings
    from streams.audit import collect, render

    config = settings.engine_config()
    try:
        with open(args.file, "rb") as source:
            history = collect(source, config)
    except OSError as exc:
        print(f"audit: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    page = render(history, title=args.title, source=args.file.name, config=config)
    try:
        args.out.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"audit: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    dead = sum(history.dead_letters.values())
    print(
        f"audit: {history.events} events, {len(history.alerts)} alerts ({dead} lines dead-lettered) -> {args.out}",
        file=sys.stderr,
    )
    return 0
