"""What the engine's speed-ups must not change: the subjects an event evaluates, and caches that answer exactly
as the uncached code (errors included).

The byte-for-byte check is replay against saved outputs (bench/bench_engine.py prints their hashes); these
tests pin the pieces a cache or an index could get subtly wrong.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import random

import orjson
import pytest

from streams.core import codes
from streams.core.alerts import Alert, Resolution, alert_id
from streams.core.chart import Chart
from streams.core.codes import _shape
from streams.core.engine import apply
from streams.core.events import from_dict
from streams.core.rules import cod_excludes1_conflict
from streams.core.state import EncounterRecord, PatientState
from streams.generate import generate
from streams.replay import Replay
from tests.rules import expand


def _events(*compact: dict) -> list:
    return [from_dict(e) for c in compact for e in expand(c)]


def _visit(vid: str, dos: str, **kw) -> dict:
    return {"type": "encounter", "patient_id": "p", "encounter_id": vid, "date_of_service": dos,
            "codes": ["M54.50"], "assessment": "Chronic low back pain.", **kw}  # fmt: skip


def test_a_visit_left_behind_by_a_re_signed_visit_is_settled_by_the_next_imaging_event() -> None:
    """Why the engine evaluates every LBP visit on an imaging event, even imaging that explains nothing: a
    re-signed visit moved to a later date leaves its old episode shorter, the visits of that episode are not
    evaluated then, and their alerts are settled by the next event that evaluates them."""
    state = None
    for e in _events(_visit("V1", "2024-01-10"), _visit("V2", "2024-02-10"), _visit("V3", "2024-03-10")):
        state, _ = apply(state, e)
    repeat = alert_id("COD-REPEAT-UNSPECIFIED", "p", "encounter", "V3")
    assert state.raised[repeat].open  # V3 is visit 3 of the episode

    (moved,) = _events(_visit("V2", "2024-09-10", event_id="V2-amended"))
    state, out = apply(state, moved)
    assert not any(o.alert_id == repeat for o in out)  # V3 (now visit 2) was not evaluated
    assert state.raised[repeat].open

    (xray,) = _events(
        {
            "type": "imaging",
            "patient_id": "p",
            "accession": "X1",
            "performed_at": "2024-09-20",
            "report_text": "Lumbar spine radiographs: normal alignment.",
        }  # fmt: skip
    )
    state, out = apply(state, xray)
    assert [(type(o), o.alert_id) for o in out if o.alert_id == repeat] == [(Resolution, repeat)]


def test_normalize_cache_answers_as_the_code_and_never_caches_an_error() -> None:
    for raw in ("m5450", " M54.50 ", "M545", "M54.5", "s33.5xxa"):
        assert codes.normalize(raw) == _shape._normalize(raw)
        assert codes.normalize(raw) == _shape._normalize(raw)  # second answer from the cache
    for bad in ("M54.5'; DROP", "", "5450"):
        for _ in range(2):
            with pytest.raises(codes.CodeShapeError):
                codes.normalize(bad)
        assert bad not in _shape._NORMALIZED
    with pytest.raises(codes.CodeShapeError):
        codes.normalize(["M54.50"])  # type: ignore[arg-type]  # unhashable: not cached, still refused


def test_code_status_and_location_caches_answer_as_a_fresh_lookup() -> None:
    idx = codes.index()
    for code in ("M54.5", "M54.50", "M5451", "M51.36", "Z99.999"):
        for on in (dt.date(2021, 9, 30), dt.date(2021, 10, 1), dt.date(2025, 1, 2)):
            assert idx.status(code, on) == type(idx).status.__wrapped__(idx, code, on)
            assert idx._locate(code) == idx._search(code)
    with pytest.raises(codes.NotCovered):
        idx.status("M54.50", dt.date(2014, 1, 1))
    with pytest.raises(codes.CodeShapeError):
        idx.ever_existed("not a code")


def test_excludes1_conflicts_per_codes_tuple_are_a_fresh_list_each_time() -> None:
    rec = EncounterRecord(
        "V", "E", "2024-01-01T00:00:00Z", "P", dt.date(2024, 1, 1), ["M54.50", "M54.42"], "M54.50", []
    )
    first = cod_excludes1_conflict.conflicts(rec)
    assert first and first[0][:2] == ("M54.50", "M54.42")
    first.clear()
    assert cod_excludes1_conflict.conflicts(rec) != []


def test_episode_positions_by_id() -> None:
    state = None
    for e in _events(_visit("V1", "2024-01-10"), _visit("V2", "2024-02-10"), _visit("V9", "2024-12-10")):
        state, _ = apply(state, e)
    chart = Chart(state, 90)
    first, second = chart.episodes
    assert [first.position(e) for e in first.encounters] == [1, 2]
    assert first.previous(first.encounters[1]) is first.encounters[0] and first.previous(first.encounters[0]) is None
    assert chart.episode_of(second.encounters[0]) is second
    with pytest.raises(StopIteration):
        first.position(second.encounters[0])


def test_replay_run_leaves_the_garbage_collector_as_it_found_it() -> None:
    lines = [orjson.dumps(e) for e in expand(_visit("V1", "2024-01-10", assessment="Low back pain."))]
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            out = io.BytesIO()
            Replay().run(io.BytesIO(b"\n".join(lines)), out, io.BytesIO())
            assert gc.isenabled() is enabled
            assert orjson.loads(out.getvalue().splitlines()[0])["rule_id"] == "COD-DURATION-UNDOCUMENTED"
        finally:
            gc.enable()


def test_replay_makes_no_reference_cycles() -> None:
    """`run` keeps the cyclic GC off and never collects (see streams/replay.py): that is safe only while
    processing leaves no garbage cycles behind, for good and bad input alike."""
    lines = list(generate(60, seed=11).lines)
    rng = random.Random(11)
    for i in rng.sample(range(len(lines)), 40):  # truncated and byte-flipped lines: dead letters
        raw = bytearray(lines[i])
        if rng.random() < 0.5:
            del raw[rng.randrange(len(raw)) :]
        else:
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        lines.append(bytes(raw))
    stream = b"\n".join(lines)
    Replay().run(io.BytesIO(stream), io.BytesIO(), io.BytesIO())  # warm-up: imports, compiled patterns, caches
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        replay, dead = Replay(), io.BytesIO()
        replay.run(io.BytesIO(stream), io.BytesIO(), dead)
        assert dead.getvalue().count(b"\n") >= 30  # (a flipped byte can leave a line valid)
        assert gc.collect() == 0
        del replay
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


def test_same_state_same_outputs_from_a_decoded_copy() -> None:
    """Caches live outside the state: a state decoded from its bytes gives the same outputs."""
    events = _events(_visit("V1", "2024-01-10"), _visit("V2", "2024-02-10"))
    state, _ = apply(None, events[0])
    copy = PatientState.decode(state.encode())
    _, a = apply(state, events[1])
    _, b = apply(copy, events[1])
    assert [o.to_json() for o in a] == [o.to_json() for o in b]
    assert all(isinstance(o, Alert | Resolution) for o in a)


def _family_codes_uncached(prefix: str, on: dt.date, level: str | None, side: str | None) -> tuple[str, ...]:
    """chart.family_codes as it was before it was remembered per fiscal year."""
    import re

    try:
        idx = codes.index()
        children = idx.billable_descendants(prefix, on) or ((prefix,) if idx.is_billable(prefix, on) else ())
    except codes.NotCovered:
        return ()
    picked = list(children)
    if level in ("lumbar", "lumbosacral"):
        narrowed = [c for c in picked if re.search(rf"\b{level} region", (idx.description(c, on) or "").lower())]
        picked = narrowed or picked
    if side in ("left", "right"):
        narrowed = [c for c in picked if f"{side} side" in (idx.description(c, on) or "").lower()]
        picked = narrowed or picked
    return tuple(picked[:4])


def _days() -> list[dt.date]:
    """Both sides of every fiscal-year boundary the reference data covers, and beyond it."""
    days = []
    for year in range(2014, 2028):
        days += [dt.date(year, 9, 30), dt.date(year, 10, 1), dt.date(year, 3, 15)]
    return days


def test_code_answers_remembered_per_fiscal_year_are_those_of_the_date() -> None:
    from streams.core.chart import family_codes, sciatica_codes
    from streams.core.rules import _common
    from streams.core.rules.clm_invalid_code import invalid_reason

    for on in _days():
        for prefix in ("M54.1", "M54.3", "M54.4", "M51.2", "M51.3", "M47.81", "M48.06", "M54.5"):
            for level in (None, "lumbar", "lumbosacral", "thoracic"):
                for side in (None, "left", "right", "bilateral"):
                    assert family_codes(prefix, on, level=level, side=side) == _family_codes_uncached(
                        prefix, on, level, side
                    )
        for side in (None, "left", "right", "bilateral"):
            if side == "bilateral":
                expected = _family_codes_uncached("M54.4", on, None, "right")[:1]
                expected += _family_codes_uncached("M54.4", on, None, "left")[:1]
            elif side in ("left", "right"):
                expected = _family_codes_uncached("M54.4", on, None, side)[:1]
            else:
                unspecified = [
                    c
                    for c in _family_codes_uncached("M54.4", on, None, None)
                    if "unspecified" in (codes.index().description(c, on) or "")
                ]
                expected = tuple(unspecified[:1])
            assert sciatica_codes(side, on) == expected
        for raw in ("M54.5", "M54.50", "m5451", "M54.9", "M51.36", "Z99.99", "M54.5'", "", "S33.5XXA"):
            for _ in range(2):  # the second answer from what was remembered
                assert _common.not_billable(raw, on) == _common._not_billable(raw, on)
                assert invalid_reason(raw) == invalid_reason.__wrapped__(raw)
