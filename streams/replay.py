"""The offline shell over the core: events from a file, patient and provider state in dicts.

It does what the Faust agents do (decode, apply, route outputs, dead-letter the rest) with memory for
tables and file order for topic order. Used by `replay`, `audit`-style history runs, tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import orjson

from streams.core.alerts import Output
from streams.core.deadletter import dead_letter
from streams.core.engine import DEFAULT, Config, apply, apply_provider, observation, uncovered_year
from streams.core.events import TOPIC_OF_TYPE, BadInput, decode
from streams.core.rules.ops_provider_unspecified_share import ProviderState
from streams.core.state import PatientState


@dataclass
class Stats:
    lines: int = 0
    events: int = 0
    outputs: int = 0
    dead_lettered: int = 0
    # fiscal year -> events dated in it, of those no code set on file holds (engine.uncovered_year)
    uncovered: dict[int, int] = field(default_factory=dict)


_BOM = b"\xef\xbb\xbf"


class Replay:
    def __init__(self, config: Config = DEFAULT) -> None:
        self.config = config
        self.patients: dict[str, PatientState] = {}
        self.providers: dict[str, ProviderState] = {}
        self.stats = Stats()

    def process(self, raw: bytes, line: int | None = None) -> tuple[list[Output], dict | None]:
        """One input line -> (outputs, dead-letter record or None)."""
        try:
            event = decode(raw)
        except BadInput as exc:
            return [], dead_letter(raw, exc.error_class, exc.message, topic=_topic_guess(raw), line=line)
        state, outputs = apply(self.patients.get(event.patient_id), event, self.config)
        self.patients[event.patient_id] = state
        if (fy := uncovered_year(event)) is not None:
            self.stats.uncovered[fy] = self.stats.uncovered.get(fy, 0) + 1
        obs = observation(event)
        if obs is not None:
            pstate, ops = apply_provider(self.providers.get(obs.provider_id), obs, self.config)
            self.providers[obs.provider_id] = pstate
            outputs = outputs + ops
        return outputs, None

    def outputs(self, lines: Iterable[bytes]) -> Iterator[Output | dict]:
        """Alerts/resolutions, and dead-letter records (dicts), in file order."""
        for n, raw in enumerate(lines, 1):
            self.stats.lines = n
            if n == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]  # a file saved "UTF-8 with BOM"; RFC 8259 lets a reader ignore it
            if not raw.strip():
                continue
            outputs, dead = self.process(raw.rstrip(b"\r\n"), n)
            if dead is not None:
                self.stats.dead_lettered += 1
                yield dead
                continue
            self.stats.events += 1
            self.stats.outputs += len(outputs)
            yield from outputs

    def run(self, source: IO[bytes], out: IO[bytes], dead: IO[bytes], progress_total: int | None = None) -> Stats:
        done = 0
        with _gc_off():
            for n, item in enumerate(self.outputs(source)):
                if isinstance(item, dict):
                    dead.write(orjson.dumps(item) + b"\n")
                else:
                    out.write(orjson.dumps(item.to_json()) + b"\n")
                if progress_total and n % 2000 == 0:
                    done = source.tell() if source.seekable() else done
                    _progress(done, progress_total, self.stats)
        if progress_total:
            _progress(progress_total, progress_total, self.stats)
            sys.stderr.write("\n")
        return self.stats


# Patient and provider states are many small long-lived objects without reference cycles (refcounting frees
# them): the automatic cyclic GC would rescan all of them again and again as they grow (about a fifth of
# replay's time on 170k events). During `run` it is off. Processing an event makes no reference cycle
# (tests/test_engine_perf.py checks it on generated and corrupted input), so there is nothing for it to find:
# the young collection made every 50,000 lines before rescanned every object the states had gained since the
# previous one (~0.65 us each, 3-5% of replay) and found nothing. Turned back on, its first young collection
# would scan every object made during the run at once; they are moved to the permanent generation first
# (gc.freeze: long-lived and acyclic, refcounting still frees them).
@contextlib.contextmanager
def _gc_off() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _progress(done: int, total: int, stats: Stats) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done * 100 // max(total, 1):3d}%  "
        f"{stats.events} events, {stats.outputs} alerts, {stats.dead_lettered} dead-lettered"
    )
    sys.stderr.flush()


def _topic_guess(raw: bytes) -> str:
    """The topic an unreadable line was meant for, if its event_type says; for the dead-letter record."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "unknown"
    event_type = doc.get("event_type") if isinstance(doc, dict) else None
    return TOPIC_OF_TYPE.get(event_type, "unknown") if isinstance(event_type, str) else "unknown"
