"""`topics`: create the project's topics (partitions and replication from settings)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="create the project's Kafka topics if they do not exist")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams import settings
    from streams.logs import configure
    from streams.topics import all_topics, ensure_topics

    configure(settings.LOG_LEVEL)  # its warnings (configs below the settings) readable, or JSON off a terminal
    created = ensure_topics()
    for name in all_topics():
        print(f"{name}: {'created' if name in created else 'exists'} ({settings.TOPIC_PARTITIONS} partitions)")
    return 0
