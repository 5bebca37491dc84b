"""The synthetic stream: deterministic, valid by the contract except the malformed lines it means to send,
and every alert it planted is raised by the engine on replay (recall 1.0 on the planted rule ids).

Precision (alerts of a planted rule id that the oracle did not predict) is printed, not asserted: a miss
there is the engine's, the reader's or the oracle's to explain, and the planted set is what must hold.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date

import orjson
import pytest

from streams.cli import main
from streams.core import codes
from streams.core.events import BadInput, decode, from_dict
from streams.generate import PLANTED, Expectation, Generated, dumps, generate, write
from streams.replay import Replay

PATIENTS = 300


@pytest.fixture(scope="module")
def gen() -> Generated:
    return generate(PATIENTS, 2024)


def _valid(line: bytes) -> bool:
    try:
        decode(line)
    except BadInput:
        return False
    return True


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    a, b, c = generate(50, 11), generate(50, 11), generate(50, 12)
    assert a.lines == b.lines and a.expected == b.expected
    assert a.lines != c.lines


def test_every_line_but_the_malformed_ones_meets_the_contract(gen: Generated) -> None:
    bad = [line for line in gen.lines if not _valid(line)]
    assert len(bad) == gen.stats["bad_lines"] > 0
    for line in gen.lines:
        if line in bad:
            continue
        from_dict(orjson.loads(line))  # raises if the contract is not met


def test_malformed_lines_and_duplicates_are_about_half_a_percent(gen: Generated) -> None:
    s = gen.stats
    assert s["lines"] == len(gen.lines) == s["events"] + s["duplicates"] + s["bad_lines"]
    assert s["duplicates"] == round(s["events"] * 0.005) and s["bad_lines"] == round(s["events"] * 0.005)
    valid = [line for line in gen.lines if _valid(line)]
    copies = Counter(valid)
    assert sum(n - 1 for n in copies.values()) == s["duplicates"]
    assert len({orjson.loads(line)["event_id"] for line in valid}) == s["events"]
    clean = generate(50, 11, bad_lines=False)
    assert clean.stats["bad_lines"] == 0 and all(_valid(line) for line in clean.lines)


def test_every_planted_rule_is_planted(gen: Generated) -> None:
    assert {e.rule_id for e in gen.expected} == set(PLANTED)


def test_codes_are_valid_unless_planted_otherwise(gen: Generated) -> None:
    """Every code on a visit is billable on its date; before FY2022 the visits carry M54.5 (valid then)."""
    idx = codes.index()
    legacy = 0
    for line in gen.lines:
        if not _valid(line):
            continue
        doc = orjson.loads(line)
        if doc["event_type"] != "encounter.signed":
            continue
        dos = date.fromisoformat(doc["date_of_service"])
        for d in doc["diagnoses"]:
            assert idx.is_billable(d["code"], dos), (d["code"], dos)
        legacy += dos < date(2021, 10, 1) and any(d["code"] in ("M54.5", "M545") for d in doc["diagnoses"])
    assert legacy > 0


def test_planted_alerts_are_raised_by_replay(gen: Generated) -> None:
    raised: set[tuple[str, str | None, str, str]] = set()
    for out in Replay().outputs(gen.lines):
        if isinstance(out, dict) or out.to_json().get("record_type") != "alert":
            continue
        a = out.to_json()
        subject = a["subject_id"].split("/")[0] if a["subject_type"] == "provider" else a["subject_id"]
        raised.add((a["rule_id"], a["patient_id"], a["subject_type"], subject))
    expected = {(e.rule_id, e.patient_id, e.subject_type, e.subject_id) for e in gen.expected}
    report = []
    for rule in PLANTED:
        want = {x for x in expected if x[0] == rule}
        got = {x for x in raised if x[0] == rule}
        hit = len(want & got)
        report.append(
            f"{rule:32s} planted {len(want):4d} recall {hit / max(len(want), 1):.3f} "
            f"precision {hit / max(len(got), 1):.3f} unplanted {sorted(got - want)[:3]}"
        )
    sys.stdout.write("\n" + "\n".join(report) + "\n")
    assert expected - raised == set()


def test_command_writes_the_same_stream_and_the_expectations(tmp_path, capsys) -> None:
    out, exp = tmp_path / "events.jsonl", tmp_path / "expected.jsonl"
    assert main(["generate", "--patients", "30", "--seed", "5", "--out", str(out), "--expected", str(exp)]) == 0
    gen = generate(30, 5)
    assert out.read_bytes() == b"\n".join(gen.lines) + b"\n"
    assert exp.read_bytes() == dumps(gen.expected)
    assert [Expectation(**orjson.loads(line)) for line in exp.read_bytes().splitlines()] == gen.expected
    assert "generate:" in capsys.readouterr().err
    write(gen, tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == out.read_bytes()
    assert main(["generate", "--patients", "3", "--seed", "1", "--start", "2014-01-01"]) == 2
