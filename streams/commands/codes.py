"""`lbp-streams codes CODE [--on DATE] [--json]`: is this ICD-10-CM code billable, and what to use instead.

Exit codes: 0 billable (with --on: on that date; without: in at least one fiscal year FY2016-FY2026),
1 not billable / never an ICD-10-CM code, 2 malformed code or date not covered.
`lbp-streams codes --build-index` builds the cached index (e.g. in a container image build step).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

EXIT_BILLABLE = 0
EXIT_NOT_BILLABLE = 1
EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "codes",
        help="look up an ICD-10-CM code: billable on a date, or its FY2016-FY2026 history",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("code", nargs="?", help="ICD-10-CM code, dotted or not (M54.50, m5450)")
    parser.add_argument("--on", metavar="DATE", help="date of service, YYYY-MM-DD (default: show the history)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--build-index", action="store_true", help="(re)build the cached index from the CMS files and exit"
    )
    parser.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"lbp-streams codes: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _build_index(as_json: bool) -> int:
    import time

    from streams import settings
    from streams.core.codes import ReferenceDataError, load_index

    started = time.perf_counter()
    try:
        ix = load_index(settings.ICD10CM_DIR, settings.CACHE_DIR, rebuild=True)
    except ReferenceDataError as exc:
        return _fail(str(exc))
    took = time.perf_counter() - started
    info = {"path": str(ix.path) if ix.path else None, "codes": len(ix), "seconds": round(took, 3)}
    print(json.dumps(info) if as_json else f"built {info['codes']} codes into {info['path']} in {took:.2f} s")
    return 0


def run(args: argparse.Namespace) -> int:
    from streams.core import codes

    if args.build_index:
        return _build_index(args.json)
    if not args.code:
        return _fail("expected a CODE (e.g. M54.50) or --build-index")
    try:
        code = codes.normalize(args.code)
    except codes.CodeShapeError as exc:
        return _fail(str(exc))
    on: date | None = None
    if args.on is not None:
        try:
            on = date.fromisoformat(args.on)
        except ValueError:
            return _fail(f"--on '{args.on}' is not a date: expected YYYY-MM-DD (e.g. 2021-10-01)")
    try:
        ix = codes.index()
    except codes.ReferenceDataError as exc:
        return _fail(str(exc))

    if on is not None:
        try:
            status = ix.status(code, on)
        except codes.NotCovered as exc:
            return _fail(str(exc))
        print(json.dumps(status.to_dict()) if args.json else status.describe())
        return EXIT_BILLABLE if status.billable else EXIT_NOT_BILLABLE

    rows = ix.history(code)
    ever_billable = any(r["billable"] for r in rows)
    if args.json:
        print(json.dumps({"code": code, "ever_existed": ix.ever_existed(code), "years": rows}))
    elif not ix.ever_existed(code):
        print(f"{code}: not an ICD-10-CM code in any fiscal year FY{codes.FIRST_FY}-FY{codes.LAST_FY}")
    else:
        print(f"{code} {ix.description(code)}")
        for r in rows:
            state = "billable" if r["billable"] else "header" if r["exists"] else "not in the code set"
            changed = f"  {r['description']}" if r["exists"] and r["description"] != ix.description(code) else ""
            print(f"  FY{r['fiscal_year']}  {state:<8}{changed}".rstrip())
    return EXIT_BILLABLE if ever_billable else EXIT_NOT_BILLABLE
