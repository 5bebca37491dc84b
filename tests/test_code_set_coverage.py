"""Events dated in a fiscal year no CMS order file on file covers (FY2027 from 2026-10-01 with the FY2016-FY2026
files): processed, never judged against another year's code set, and counted and reported so that billing
does not take silence for "no retired codes".
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import orjson
import pytest

from streams import metrics
from streams.audit import RETIRED_CLAIMS, collect, monthly, render
from streams.commands import replay as replay_command
from streams.core import codes
from streams.core.engine import uncovered_year
from streams.core.events import decode
from streams.replay import Replay


def _encounter(dos: str) -> dict:
    return {"event_id": f"e-enc-{dos}", "event_type": "encounter.signed", "patient_id": "p1",
            "occurred_at": f"{dos}T14:55:00Z", "schema_version": 1, "encounter_id": f"ENC-{dos}",
            "provider_id": "PRV1", "practice_id": "PRC1", "date_of_service": dos,
            "diagnoses": [{"code": "M54.5", "sequence": 1}],
            "assessment": "Chronic low back pain for 2 years."}  # fmt: skip


def _claim(dos: str) -> dict:
    return {"event_id": f"e-clm-{dos}", "event_type": "claim.submitted", "patient_id": "p1",
            "occurred_at": f"{dos}T20:00:00Z", "schema_version": 1, "claim_id": f"CLM-{dos}", "provider_id": "PRV1",
            "payer_id": "PYR1", "date_of_service": dos, "diagnoses": [{"code": "M54.5", "sequence": 1}],
            "lines": [{"procedure_code": "99213", "date_of_service": dos, "diagnosis_pointers": [1]}],
            "encounter_id": f"ENC-{dos}"}  # fmt: skip


def _prior_auth(dos: str | None, occurred: str) -> dict:
    doc = {"event_id": f"e-pa-{dos}-{occurred}", "event_type": "priorauth.requested", "patient_id": "p1",
           "occurred_at": occurred, "schema_version": 1, "request_id": "PA1", "provider_id": "PRV1",
           "payer_id": "PYR1", "service_code": "97110", "service_description": "Therapeutic exercise",
           "diagnoses": [{"code": "M54.5", "sequence": 1}]}  # fmt: skip
    if dos:
        doc["date_of_service"] = dos
    return doc


def _imaging(performed: str) -> dict:
    return {"event_id": f"e-img-{performed}", "event_type": "imaging.resulted", "patient_id": "p1",
            "occurred_at": f"{performed}T09:00:00Z", "schema_version": 1, "accession": "ACC1",
            "modality": "MRI", "body_site": "lumbar spine", "performed_at": f"{performed}T08:00:00Z",
            "report_text": "IMPRESSION: Modic type 1 changes at L4-L5.", "findings": ["modic_type_1"]}  # fmt: skip


def _event(doc: dict):  # noqa: ANN202 - an Event of the doc's type
    return decode(orjson.dumps(doc))


@pytest.mark.parametrize(
    ("dos", "expected"),
    [("2026-09-30", None), ("2026-10-01", 2027), ("2027-10-01", 2028), ("2015-10-01", None), ("2015-09-30", 2015)],
)
def test_the_fiscal_year_of_the_date_of_service_decides(dos: str, expected: int | None) -> None:
    assert uncovered_year(_event(_encounter(dos))) == expected
    assert uncovered_year(_event(_claim(dos))) == expected
    assert uncovered_year(_event(_prior_auth(dos, "2026-06-01T10:00:00Z"))) == expected


def test_a_request_without_a_date_of_service_is_judged_by_its_request_date() -> None:
    assert uncovered_year(_event(_prior_auth(None, "2026-10-02T10:00:00Z"))) == 2027
    assert uncovered_year(_event(_prior_auth(None, "2026-09-29T10:00:00Z"))) is None


def test_imaging_is_never_counted_its_rules_judge_no_code() -> None:
    assert uncovered_year(_event(_imaging("2026-11-02"))) is None


def _replay(docs: list[dict]) -> tuple[list[str], dict[int, int]]:
    replay = Replay()
    rules = [out.rule_id for doc in docs for out in replay.process(orjson.dumps(doc))[0]]
    return rules, replay.stats.uncovered


def test_replay_counts_the_events_it_could_not_judge_and_judges_nothing_by_another_year() -> None:
    inside, counted_inside = _replay([_encounter("2026-09-15"), _claim("2026-09-15")])
    assert "CLM-RETIRED-CODE" in inside and counted_inside == {}  # M54.5 is a header in FY2026
    outside, counted_outside = _replay([_encounter("2026-11-15"), _claim("2026-11-15"), _imaging("2026-11-20")])
    assert "CLM-RETIRED-CODE" not in outside  # FY2027 is not on file: not judged by FY2026's code set
    assert counted_outside == {2027: 2}


def _run_replay(tmp_path: Path, docs: list[dict], dead_letter: Path | None) -> int:
    src = tmp_path / "events.jsonl"
    src.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    args = argparse.Namespace(file=src, out=tmp_path / "alerts.jsonl", dead_letter=dead_letter, progress=False)
    return replay_command.run(args)


def test_the_replay_command_says_how_many_and_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    docs = [_encounter("2026-11-15"), _claim("2026-11-15"), _claim("2015-09-01")]
    assert _run_replay(tmp_path, docs, tmp_path / "dead.jsonl") == 0
    err = capsys.readouterr().err
    assert "replay: 2 of the events are dated in FY2027." in err
    assert "cms_2027_dx.zip" in err and "LAST_FY" in err
    assert "replay: 1 of the events are dated in FY2015." in err and "before ICD-10-CM" in err
    assert "p1" not in err and "CLM-" not in err  # no patient or claim in what operators read


def test_the_note_stays_off_stderr_when_stderr_is_the_dead_letter_output(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert _run_replay(tmp_path, [_claim("2026-11-15"), _claim("2026-09-15")], None) == 0
    assert capsys.readouterr().err == ""  # only dead-letter JSON lines may go there, and there are none


def test_the_worker_counts_by_topic_and_year_and_says_once_per_year(caplog: pytest.LogCaptureFixture) -> None:
    def count(year: str) -> float:
        return metrics.UNCOVERED.labels("claim-submitted", year)._value.get()

    before = count("2031")
    with caplog.at_level(logging.WARNING, logger="streams.metrics"):
        for _ in range(3):
            metrics.outside_code_sets("claim-submitted", 2031)
    assert count("2031") == before + 3
    said = [r.getMessage() for r in caplog.records if "FY2031" in r.getMessage()]
    assert said == [codes.uncovered_advice(2031)]


def test_the_audit_leaves_unjudged_claims_out_of_the_retired_share_and_says_why() -> None:
    # ten M54.5 claims a month: September 2026 (FY2026, all retired) and November 2026 (FY2027, not on file)
    docs = [_claim(f"2026-09-{d:02d}") for d in range(1, 11)] + [_claim(f"2026-11-{d:02d}") for d in range(1, 11)]
    history = collect([orjson.dumps(doc) for doc in docs])
    assert history.uncovered == {2027: 10}
    months, _, shares = monthly(history)
    share = dict(zip(months, shares[RETIRED_CLAIMS], strict=True))
    assert share["2026-09"] == 1.0
    assert share["2026-11"] is None  # not 0%: nothing judged those claims
    page = render(history)
    assert "10 of the events are dated in FY2027." in page and "cms_2027_dx.zip" in page


def test_the_year_label_is_bounded() -> None:
    """A typed 2205-01-01 or a pre-ICD-10 backfill must not mint a series per year (nor an alert asking
    for a code set that will never exist)."""
    assert metrics.fiscal_year_label(codes.LAST_FY + 1) == str(codes.LAST_FY + 1)
    assert metrics.fiscal_year_label(2206) == "later"
    assert metrics.fiscal_year_label(2014) == "before"
    assert {metrics.fiscal_year_label(y) for y in range(1, 10000) if y > codes.LAST_FY + 5 or y < codes.FIRST_FY} == {
        "later",
        "before",
    }
