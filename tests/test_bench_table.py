"""bench_stream prints its figures beside the targets, for whichever sections ran."""

from __future__ import annotations

from bench.bench_stream import table

RUN = {
    "passthrough": {"events_per_s": 30000.0, "cpu_us_per_event": 17.0},
    "worker": {
        "events_per_s": 1200.0,
        "cpu_us_per_event": 700.0,
        "open_alerts": 9155,
        "open_alerts_match_replay": True,
    },
    "two_workers": {"events_per_s": 2000.0, "open_alerts": 9154, "open_alerts_match_replay": False},
    "ratio_worker_to_raw": 0.04,
    "ratio_two_to_one": 2000.0 / 1200.0,
}


def test_each_figure_stands_beside_its_target() -> None:
    lines = table(RUN).splitlines()
    assert lines[0].split() == ["what", "measured", "target"]
    worker = next(line for line in lines if line.startswith("worker / raw passthrough"))
    assert "4.0% (1,200 / 30,000 events/s; CPU 700 / 17.0 us per event)" in worker and worker.endswith(">= 25%")
    assert any(line.startswith("two workers / one") and "1.67x" in line for line in lines)
    assert any(line.startswith("raw passthrough") and "30,000 events/s, CPU 17.0 us" in line for line in lines)
    assert any(line.startswith("two workers: open alerts vs replay") and "DIFFERENT (9,154)" in line for line in lines)


def test_two_workers_say_the_cores_they_and_the_broker_took() -> None:
    run = {
        **RUN,
        "machine": {"cpus": 2},
        "worker": {**RUN["worker"], "worker_cores": 0.98, "broker_cores": 0.31},
        "two_workers": {**RUN["two_workers"], "worker_cores": 1.42, "broker_cores": 0.44},
    }
    two = next(line for line in table(run).splitlines() if line.startswith("two workers / one"))
    assert "cores: one worker 0.98 + broker 0.31, two workers 1.42 + broker 0.44, of 2" in two
    assert "cores" not in next(line for line in table(RUN).splitlines() if line.startswith("two workers / one"))


def test_a_section_alone_still_shows_its_figures() -> None:
    lines = table({"passthrough": RUN["passthrough"]}).splitlines()
    assert len(lines) == 2 and lines[1].startswith("raw passthrough") and "30,000 events/s" in lines[1]


def test_only_the_sections_that_ran_are_shown() -> None:
    only_recovery = {
        "recovery": {
            "patients": 100000,
            "patients_per_s": 75000.0,
            "start_to_ready_s": 4.4,
            "empty_start_to_ready_s": 3.1,
        }
    }
    lines = table(only_recovery).splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("recovery, 100,000 patients") and "75,000 patients/s" in lines[1]


def test_latency_shows_the_cores_each_process_took() -> None:
    latency = {
        "offered_per_s": 2000.0,
        "p50_ms": 900.0,
        "p95_ms": 1500.0,
        "p99_ms": 2000.0,
        "input_p50_ms": 120.0,
        "input_p99_ms": 400.0,
        "cores": 2,
        "cpu_cores": {"broker": 0.8, "worker": 0.95, "producer": 0.41, "consumer": 0.2},
    }
    lines = table({"latency": latency}).splitlines()
    assert lines[1].startswith("latency at 2,000 events/s") and "p99 2,000 ms" in lines[1]
    assert lines[2].startswith("cores in use then (of 2)")
    assert "broker 0.80, worker 0.95, producer 0.41, consumer 0.20" in lines[2]


def test_the_floor_table_gives_each_process_its_share_of_raw() -> None:
    from bench.bench_floor import table as floor_table

    def run(cpu: float, rate: float) -> dict:
        return {"cpu_us_per_event": cpu, "events_per_s": rate}

    results = {
        "runs": {
            "passthrough": [run(15.0, 30000), run(17.0, 28000)],
            "floor": [run(150.0, 3800), run(170.0, 3700)],
            "worker": [run(640.0, 1300), run(600.0, 1350)],
        },
        "median_cpu_us_per_event": {"passthrough": 16.0, "floor": 160.0, "worker": 620.0},
    }
    lines = floor_table(results).splitlines()
    floor = next(line for line in lines if line.startswith("faust floor"))
    assert "150.0, 170.0" in floor and "3,800, 3,700" in floor and floor.endswith("10.0%")
    assert next(line for line in lines if line.startswith("worker")).endswith("2.6%")
