"""The engine and reader benchmarks still run and report what RESULTS.md quotes (a tiny input; no timing
is asserted: speed is measured by running them, never by tests)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import bench_engine, bench_reading


def test_bench_engine_reports_replay_and_its_floors(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "engine.json"
    assert bench_engine.main(["--patients", "20", "--seed", "4", "--cpu", "-1", "--results", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["events"] > 0 and result["outputs"] > 0
    floors = result["floors"]
    assert floors["lines"] == result["lines"]  # the same file, every non-blank line
    assert floors["events"] == result["events"]  # decoding alone keeps the events replay kept
    assert floors["decode_us_per_line"] > 0 and floors["decode_and_read_us_per_line"] > 0
    assert "decoding alone" in capsys.readouterr().out


def test_bench_reading_reports_the_scan_alone(tmp_path: Path) -> None:
    out = tmp_path / "reading.json"
    assert bench_reading.main(["--seconds", "0.05", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["assessments_per_cpu_second"] > 0 and result["scan_alone_assessments_per_cpu_second"] > 0
