"""`worker`: create the project's topics if missing, then run the Faust worker (Faust's own CLI)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run the stream processor (a Faust worker)")
    p.add_argument("faust_args", nargs=argparse.REMAINDER, help="extra arguments for `faust worker`")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams import settings
    from streams.logs import configure, configure_worker
    from streams.topics import ensure_topics

    # ensure_topics logs (topics created, configs below the settings) before Faust sets up logging: through
    # the same formatter, so a collected log stays one JSON object per line; Faust replaces this handler
    configure(settings.LOG_LEVEL)
    ensure_topics()
    from streams.app import app

    quiet = configure_worker(app)  # JSON log lines unless stderr is a terminal (streams/logs.py)
    sys.argv = ["lbp-streams", *quiet, "worker", "--loglevel", settings.LOG_LEVEL, *args.faust_args]
    app.main()  # never returns
    return 0
