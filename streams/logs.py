"""Worker logs: one JSON object per line when the log goes to a file or a pipe, readable lines on a terminal.

Why: in docker-compose, systemd or Kubernetes the worker's stderr is collected by a log shipper, which wants
one self-describing record per line (a traceback inside a JSON string stays one record); an operator at a
terminal wants to read them.

How it plugs into Faust: the worker (mode.Worker) clears the root logger's handlers at start and configures
logging itself with `logging.config.dictConfig`, using a formatter named `default` for `--logfile` and one
named `colored` for the console. `logging_config()` returns a dictConfig that Faust *merges* into its own
(`"merge": True`), replacing just those two formatters: Faust keeps its handlers, levels, `--logfile` and
stdout redirection, and every record, Faust's and ours, goes through our formatter. `configure_worker(app)`
sets it as `app.conf.logging_config` before `app.main()`, and off a terminal
asks Faust not to print its start banner (see there).

What is logged: the product logs no patient, claim or encounter ids and no note text at INFO or above
(agents.py logs an exception's class, not its message); a broker test greps the worker's log for every
id and assessment sentence of a generated stream. The formatter does not try to scrub: a scrubber that
misses one pattern is worse than not putting the data there.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

import orjson

# LogRecord attributes that are not "extra" fields passed by the caller
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, RFC 3339, ms), level, logger, message, and exception text.

    Keys are stable so a log pipeline can index them; `extra={...}` values a caller passes are included
    (stringified when not JSON-serializable), since they are how structured context is added.
    """

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": _rfc3339(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exception"] = record.exc_text
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in doc:
                doc[key] = value
        return orjson.dumps(doc, default=str).decode()


class TextFormatter(logging.Formatter):
    """`2024-05-01 12:00:00.123 INFO  streams.topics: created topics ...` for a person at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")


def is_terminal(stream: IO[str] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def formatter_for(stream: IO[str] | None) -> logging.Formatter:
    """JSON unless the stream is a terminal."""
    return TextFormatter() if is_terminal(stream) else JsonFormatter()


def logging_config(console: IO[str] | None = None) -> dict[str, Any]:
    """A dictConfig Faust merges into its own: its `--logfile` formatter is JSON, its console formatter is
    JSON unless stderr (where Faust's console handler writes) is a terminal."""
    console_json = not is_terminal(sys.stderr if console is None else console)
    json_formatter = {"()": f"{__name__}.JsonFormatter"}
    return {
        "merge": True,
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": json_formatter,
            "colored": json_formatter if console_json else {"()": f"{__name__}.TextFormatter"},
        },
    }


def configure_worker(app: Any, console: IO[str] | None = None) -> list[str]:
    """Make the Faust worker of `app` log through our formatters (call before `app.main()`).

    Returns the Faust options to put before the `worker` subcommand: `--quiet` when the console is not a
    terminal, since Faust prints its start banner (an ASCII table) straight to stdout, which would be the
    one non-JSON block in a collected log; the log records themselves are unaffected.
    """
    app.conf.logging_config = logging_config(console)
    return [] if is_terminal(sys.stderr if console is None else console) else ["--quiet"]


def configure(level: str | int = "INFO", stream: IO[str] | None = None) -> None:
    """Logging for the other commands (no Faust worker): one handler on the root logger."""
    stream = sys.stderr if stream is None else stream
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_for(stream))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)


def _rfc3339(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"
