"""streams/logs.py: JSON lines off a terminal, readable lines on one, and the config Faust merges."""

from __future__ import annotations

import io
import logging
import logging.config
import re
import sys

import orjson
import pytest

from streams import logs


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _record(msg: str = "created topics %s", *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("streams.topics", logging.INFO, __file__, 1, msg, args or (["a"],), None)
    record.__dict__.update(extra)
    return record


def test_json_formatter_one_object_per_line() -> None:
    line = logs.JsonFormatter().format(_record(partitions=4))
    assert "\n" not in line
    doc = orjson.loads(line)
    assert doc["level"] == "info" and doc["logger"] == "streams.topics"
    assert doc["message"] == "created topics ['a']"
    assert doc["partitions"] == 4  # extra={...} is kept
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", doc["time"])


def test_json_formatter_keeps_a_traceback_in_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in orjson.loads(line)["exception"]


def test_json_formatter_survives_unserializable_extras() -> None:
    doc = orjson.loads(logs.JsonFormatter().format(_record(thing=object())))
    assert doc["thing"].startswith("<object object")


def test_text_formatter_is_one_readable_line() -> None:
    line = logs.TextFormatter().format(_record())
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO +streams\.topics: created topics \['a'\]", line)


@pytest.mark.parametrize(
    ("stream", "kind"), [(io.StringIO(), logs.JsonFormatter), (FakeTerminal(), logs.TextFormatter)]
)
def test_formatter_follows_the_terminal(stream: io.StringIO, kind: type) -> None:
    assert type(logs.formatter_for(stream)) is kind


def test_configure_writes_json_to_a_pipe() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("info", stream)
        logging.getLogger("streams.test").info("hello %d", 1)
        logging.getLogger("streams.test").debug("not shown")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    (line,) = stream.getvalue().splitlines()
    assert orjson.loads(line)["message"] == "hello 1"


def _faust_setup(console: io.StringIO, logfile: str | None) -> None:
    """What mode.Worker does at start with app.conf.logging_config (mode.utils.logging.setup_logging)."""
    from mode.utils.logging import setup_logging

    setup_logging(loglevel="info", logfile=logfile, logging_config=dict(logs.logging_config(console)))


@pytest.mark.parametrize("terminal", [False, True])
def test_faust_console_handler_uses_our_formatter(terminal: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    console = FakeTerminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", console)  # Faust's console handler writes to stderr
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        _faust_setup(console, None)
        logging.getLogger("faust.test").info("worker ready")
        for h in root.handlers:
            h.flush()
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    (line,) = console.getvalue().splitlines()
    if terminal:
        assert line.endswith("INFO    faust.test: worker ready") and not line.startswith("{")
    else:
        assert orjson.loads(line)["message"] == "worker ready"


def test_faust_logfile_is_json(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "worker.log"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        _faust_setup(FakeTerminal(), str(path))  # a terminal console does not matter: the file gets JSON
        logging.getLogger("faust.test").warning("rebalancing")
    finally:
        for h in root.handlers:
            h.close()
        root.handlers[:], level = saved
        root.setLevel(level)
    (line,) = path.read_text().splitlines()
    assert orjson.loads(line) | {"time": ""} == {
        "time": "",
        "level": "warning",
        "logger": "faust.test",
        "message": "rebalancing",
    }


def test_configure_worker_sets_the_app_config() -> None:
    class Conf:
        logging_config: dict | None = None

    class App:
        conf = Conf()

    logs.configure_worker(App())
    assert App.conf.logging_config is not None and App.conf.logging_config["merge"] is True
    assert set(App.conf.logging_config["formatters"]) == {"default", "colored"}
