"""`tail`: print alerts (and resolutions, and dead letters) as they arrive, one readable line each.

A kafka-python consumer outside any group (no offsets committed), from the beginning or the end.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tail", help="print alerts as they arrive on the alert topics")
    p.add_argument("--from-beginning", action="store_true", help="start at the earliest records")
    p.add_argument("--json", action="store_true", help="print the records as JSON lines")
    p.add_argument("--no-dead-letter", action="store_true", help="leave out the dead-letter topic")
    p.add_argument("--idle-exit", type=float, default=0.0, help="stop after this many seconds without records")
    p.set_defaults(func=run)


def describe(topic: str, record: dict) -> str:
    kind = record.get("record_type")
    if kind == "alert":
        return f"[{topic}] {record['severity'].upper():7} {record['rule_id']}: {record['message']}"
    if kind == "alert.resolved":
        return f"[{topic}] RESOLVED {record['rule_id']} ({record['subject_type']} {record['subject_id']})"
    if "error_class" in record:
        where = f"{record.get('topic')}[{record.get('partition')}]@{record.get('offset')}"
        return f"[{topic}] DEAD-LETTER {where} {record['error_class']}: {record['error']}"
    return f"[{topic}] {record}"


def run(args: argparse.Namespace) -> int:
    import time

    import orjson
    from kafka import KafkaConsumer

    from streams import settings
    from streams.topics import ALERT_TOPICS, bootstrap_servers

    topics = list(ALERT_TOPICS.values()) + ([] if args.no_dead_letter else [settings.TOPIC_DEAD_LETTER])
    consumer = KafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        client_id="lbp-streams-tail",
        **settings.kafka_python_security(),
    )
    last = time.monotonic()
    try:
        while True:
            batch = consumer.poll(timeout_ms=500)
            for tp, records in batch.items():
                for r in records:
                    record = orjson.loads(r.value)
                    line = orjson.dumps(record).decode() if args.json else describe(tp.topic, record)
                    print(line, flush=True)
                last = time.monotonic()
            if args.idle_exit and time.monotonic() - last > args.idle_exit:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()
        sys.stdout.flush()
