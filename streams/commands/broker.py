"""`broker start|stop|status|fetch`: the local Apache Kafka broker (KRaft, from Maven Central jars).

`start` formats the log dir on first use, starts the broker on the port of STREAMS_BROKER_URL, waits until
it answers a metadata request, and returns (the broker keeps running; `stop` ends it). Logs go to
var/broker/broker.log.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("broker", help="run a local Apache Kafka broker (no Docker)")
    p.add_argument("action", choices=["start", "stop", "status", "fetch"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams import settings
    from streams.localkafka import BrokerError, LocalBroker, fetch, running_broker
    from streams.topics import bootstrap_servers

    state_dir = settings.REPO_ROOT / "var" / "broker"
    port = int(bootstrap_servers()[0].rsplit(":", 1)[1])
    try:
        if args.action == "fetch":
            print(f"broker jars in {fetch(settings.CACHE_DIR)}")
            return 0
        running = running_broker(state_dir)
        if args.action == "status":
            print(f"running (pid {running[0]}, port {running[1]})" if running else "not running")
            return 0 if running else 1
        broker = LocalBroker(state_dir=state_dir, cache_dir=settings.CACHE_DIR, port=port)
        if args.action == "stop":
            broker.stop()
            print("broker stopped")
            return 0
        if running:
            print(f"broker already running (pid {running[0]}, port {running[1]})")
            return 0
        broker.start()
        broker.process = None  # leave it running after this command exits
        print(f"broker ready on {broker.bootstrap} (logs: {broker.log_file})")
        return 0
    except BrokerError as exc:
        print(f"broker: {exc}", file=sys.stderr)
        return 2
