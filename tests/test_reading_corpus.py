"""The reader measured on real clinical sentences (MTSamples.com, https://www.mtsamples.com).

The fixture `fixtures/reading/mtsamples_annotated.yaml` holds sentences annotated by hand, as a coder reads
them: development sentences (used to tune the reader) and held-out ones from other notes (not used to
tune). Notes go to held-out when sha1(note id) % 5 == 0. This test prints precision and recall per status
and the status accuracy on findings both sides agree exist, and asserts floors the reader really meets.

Matching is per sentence on (finding, status) pairs, ignoring repeats: an expected pair counts as found if
the reader emits the same finding with the same status. Side is scored separately, on expected findings
that state one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.core.reading import STATUSES, read

FIXTURE = Path(__file__).parent / "fixtures" / "reading" / "mtsamples_annotated.yaml"


def _load() -> dict[str, list[dict[str, Any]]]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def evaluate(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per status, status agreement on shared findings, detection and side accuracy."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    agree = shared = 0
    side_ok = side_total = 0
    misses: list[str] = []
    for case in cases:
        got = read(case["sentence"], case["section"])
        expected = {(e["finding"], e["status"]) for e in case["expected"]}
        predicted = {(f.finding, f.status) for f in got}
        for pair in expected & predicted:
            tp[pair[1]] += 1
        for pair in predicted - expected:
            fp[pair[1]] += 1
        for pair in expected - predicted:
            fn[pair[1]] += 1
        if expected != predicted:
            misses.append(f"{case['note']}: want {sorted(expected)} got {sorted(predicted)}: {case['sentence']}")
        exp_keys: dict[str, set[str]] = {}
        for key, status in expected:
            exp_keys.setdefault(key, set()).add(status)
        got_keys: dict[str, set[str]] = {}
        for key, status in predicted:
            got_keys.setdefault(key, set()).add(status)
        for key in exp_keys.keys() & got_keys.keys():
            shared += 1
            agree += exp_keys[key] == got_keys[key]
        for e in case["expected"]:
            if e.get("side"):
                side_total += 1
                side_ok += any(f.finding == e["finding"] and f.side == e["side"] for f in got)
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "status_accuracy": agree / shared if shared else 1.0,
        "shared": shared,
        "side_accuracy": side_ok / side_total if side_total else 1.0,
        "side_total": side_total,
        "misses": misses,
    }


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def _fmt(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def table(name: str, result: dict[str, Any]) -> str:
    """Markdown rows: per status and overall (micro) precision and recall."""
    rows = []
    tp, fp, fn = result["tp"], result["fp"], result["fn"]
    for status in (*STATUSES, "all"):
        if status == "all":
            t, p, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        else:
            t, p, n = tp[status], fp[status], fn[status]
        rows.append(f"| {name} | {status} | {t + n} | {_fmt(t, t + p)} | {_fmt(t, t + n)} |")
    return "\n".join(rows)


def report(results: dict[str, dict[str, Any]]) -> str:
    head = "| set | status | expected | precision | recall |\n|---|---|---|---|---|"
    body = "\n".join(table(name, r) for name, r in results.items())
    extra = "\n".join(
        f"{name}: status accuracy on findings both agree exist {r['status_accuracy']:.2f} (n={r['shared']}), "
        f"side accuracy {r['side_accuracy']:.2f} (n={r['side_total']})"
        for name, r in results.items()
    )
    return f"{head}\n{body}\n\n{extra}"


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    data = _load()
    out = {"development": evaluate(data["development"]), "held-out": evaluate(data["held_out"])}
    print("\n" + report(out))
    for name, r in out.items():
        print(f"\n{name} disagreements ({len(r['misses'])}):")
        for line in r["misses"]:
            print("  " + line)
    return out


def test_fixture_is_big_enough_and_well_formed() -> None:
    data = _load()
    assert len(data["development"]) >= 150
    assert len(data["held_out"]) >= 50
    dev_sentences = {c["sentence"] for c in data["development"]}
    assert not dev_sentences & {c["sentence"] for c in data["held_out"]}
    assert not {c["note"] for c in data["development"]} & {c["note"] for c in data["held_out"]}
    for case in data["development"] + data["held_out"]:
        assert case["note"].startswith("mtsamples-")
        for e in case["expected"]:
            assert e["status"] in STATUSES


def _micro(r: dict[str, Any]) -> tuple[float, float]:
    t, p, n = sum(r["tp"].values()), sum(r["fp"].values()), sum(r["fn"].values())
    return t / (t + p), t / (t + n)


def test_development_floors(results: dict[str, dict[str, Any]]) -> None:
    r = results["development"]
    precision, recall = _micro(r)
    assert r["status_accuracy"] >= 0.95
    assert precision >= 0.85
    assert recall >= 0.85
    assert _ratio(r["tp"]["negated"], r["tp"]["negated"] + r["fn"]["negated"]) >= 0.80
    assert r["side_accuracy"] >= 0.85


def test_held_out_floors(results: dict[str, dict[str, Any]]) -> None:
    r = results["held-out"]
    precision, recall = _micro(r)
    assert r["status_accuracy"] >= 0.90
    assert precision >= 0.85
    assert recall >= 0.80
