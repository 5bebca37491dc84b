"""`lbp-streams read [--section SECTION]`: the documentation reader on one text from stdin.

Prints one JSON object per finding per line (events.md, "Documentation reader"):
{"finding", "status", "side"?, "level"?, "levels"?, "type"?, "sentence", "section", "experiencer"?}.
The section applies until an ALL-CAPS header in the text switches it: pass "assessment" (default) for an
encounter's assessment text, "imaging" for an imaging report.

Exit codes: 0 read (also when nothing was found: no output lines), 2 empty or binary input.
"""

from __future__ import annotations

import argparse
import sys

EXIT_BAD_INPUT = 2
SECTIONS = ("assessment", "history", "imaging", "exam", "other")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "read",
        help="read an assessment or report text on stdin: one JSON finding per line",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--section",
        choices=SECTIONS,
        default="assessment",
        help="section of text before any header (default: assessment; use imaging for a report)",
    )
    parser.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"read: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def decode(data: bytes) -> str:
    """UTF-8 text from stdin bytes; ValueError with the reason for empty or binary input."""
    if b"\x00" in data:
        raise ValueError("stdin is not UTF-8 text (it contains NUL bytes): expected an assessment or report text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"stdin is not UTF-8 text (invalid byte at offset {exc.start}): expected an assessment or report text"
        ) from None
    if not text.strip():
        raise ValueError("stdin is empty: expected an assessment or report text")
    return text


def run(args: argparse.Namespace) -> int:
    import orjson

    from streams.core.reading import read

    try:
        text = decode(sys.stdin.buffer.read())
    except ValueError as exc:
        return _fail(str(exc))
    out = sys.stdout.buffer
    for finding in read(text, args.section):
        out.write(orjson.dumps(finding.to_json()))
        out.write(b"\n")
    out.flush()
    return 0
