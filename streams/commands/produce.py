"""`produce FILE.jsonl`: send events to their input topics, keyed by patient_id (kafka-python).

Each line goes to the topic its `event_type` names; a line that is not a JSON event still goes to the
topic given by --topic (or claim-submitted), so the worker's dead-letter path can be seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("produce", help="send a JSONL file of events to the input topics")
    p.add_argument("file", type=Path, help="events, one JSON object per line ('-' for stdin)")
    p.add_argument("--topic", help="topic for lines whose event_type is unknown (default: claim-submitted)")
    p.add_argument("--rate", type=float, default=0.0, help="events per second (0: as fast as possible)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams.producer import EventProducer

    source = sys.stdin.buffer if str(args.file) == "-" else open(args.file, "rb")  # noqa: SIM115
    sent = 0
    with EventProducer() as producer:
        start = time.monotonic()
        for line in source:
            if not line.strip():
                continue
            producer.send_line(line.rstrip(b"\r\n"), fallback_topic=args.topic)
            sent += 1
            if args.rate:
                ahead = sent / args.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    print(f"produced {sent} records", file=sys.stderr)
    return 0
