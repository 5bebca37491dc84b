"""The worker's log, off a terminal: JSON lines, and no patient, claim or encounter id and no note text.

The worker runs at INFO over a generated stream (100 patients) on the real broker; its whole output
(stdout and stderr into a file, as under docker or systemd) is then read: every line must be a JSON object,
and none may contain an id or an assessment sentence the stream carried.
"""

from __future__ import annotations

import random
import re
import time

import orjson

from streams.generate import generate
from tests.broker.harness import Deployment, Worker

PATIENTS = 100
SENTENCES = 200


def _events_consumed(worker: Worker) -> int:
    return int(worker.metric("lbp_events_consumed_total") or 0)


def _secrets(lines: list[bytes]) -> tuple[set[str], list[str]]:
    """Every patient, claim and encounter id in the stream, and a sample of its assessment sentences."""
    ids: set[str] = set()
    sentences: set[str] = set()
    for line in lines:
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(doc, dict):
            continue
        ids |= {str(doc[k]) for k in ("patient_id", "claim_id", "encounter_id") if doc.get(k)}
        text = doc.get("assessment")
        if isinstance(text, str):
            sentences |= {s.strip() for s in re.split(r"(?<=[.;])\s+", text) if len(s.strip()) >= 25}
    sample = random.Random(8).sample(sorted(sentences), min(SENTENCES, len(sentences)))
    return ids, sample


def test_worker_logs_are_json_and_carry_no_ids_or_note_text(deployment: Deployment) -> None:
    lines = generate(PATIENTS, seed=8).lines
    ids, sentences = _secrets(lines)
    assert len(ids) > 2 * PATIENTS and len(sentences) >= 50
    worker = Worker(deployment, "logs").start()
    try:
        deployment.produce(lines)
        deadline = time.monotonic() + 180
        while _events_consumed(worker) < len(lines):
            assert time.monotonic() < deadline, worker.log_tail()
            time.sleep(0.5)
        time.sleep(2)  # let the provider agent and the gauges timer run once more
    finally:
        worker.stop()
    log = worker.log_path.read_text(errors="replace")
    records = []
    for n, line in enumerate(log.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise AssertionError(f"line {n} of the worker log is not JSON: {line[:200]!r}") from None
        assert isinstance(doc, dict) and {"time", "level", "logger", "message"} <= set(doc), line[:200]
        records.append(doc)
    assert any(r["level"] == "info" for r in records), "the worker logged nothing at INFO"
    assert any(r["logger"].startswith("faust") for r in records), "Faust's own records go through the formatter"
    leaked = sorted(i for i in ids if i in log)
    assert not leaked, f"{len(leaked)} ids in the worker log, e.g. {leaked[:5]}"
    quoted = [s for s in sentences if s in log]
    assert not quoted, f"note text in the worker log: {quoted[:3]}"
