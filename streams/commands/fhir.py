"""`lbp-streams fhir FILE.json`: FHIR R4 (a resource, a Bundle, or .ndjson) -> input events as JSON lines.

Why: to feed EHR or payer exports into `replay` or `produce` without hand-writing events. Events go to stdout;
entries that could not be converted go to stderr, one line each. Exit 0 when everything converted, 1 when
something did not, 2 when the file cannot be read as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fhir",
        help="convert FHIR R4 JSON (Encounter, DiagnosticReport, Claim, Bundle) into input events (JSON lines)",
        description=__doc__,
    )
    parser.add_argument("file", help="a FHIR R4 JSON file (a resource or a Bundle), a .ndjson file, or - for stdin")
    parser.set_defaults(func=run)


def _documents(text: str, ndjson: bool) -> list[Any]:
    if not ndjson:
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run(args: argparse.Namespace) -> int:
    from streams.fhir import FhirError, to_events

    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        docs = _documents(text, str(args.file).endswith(".ndjson"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"fhir: {args.file}: cannot read FHIR JSON: {exc}", file=sys.stderr)
        return 2
    failed = False
    for n, doc in enumerate(docs, start=1):
        where = f"{args.file}:{n}" if len(docs) > 1 else str(args.file)
        errors: list[FhirError] = []
        try:
            events = to_events(doc, errors=errors)
        except FhirError as exc:
            events, errors = [], [exc]
        for event in events:
            sys.stdout.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        for error in errors:
            print(f"fhir: {where}: {error}", file=sys.stderr)
        failed = failed or bool(errors)
    return 1 if failed else 0
