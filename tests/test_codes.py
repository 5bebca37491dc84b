"""The code index against the CMS order files themselves (read here by a separate, tiny reader)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from streams import settings
from streams.cli import main
from streams.core import codes
from streams.core.codes import _build


def _order_rows(fy: int) -> list[tuple[str, str, str]]:
    """(code, flag, rest) by whitespace split, independent of the index's fixed-width parser."""
    with zipfile.ZipFile(settings.ICD10CM_DIR / f"cms_{fy}_dx.zip") as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(f"icd10cm_order_{fy}.txt")]
        text = io.TextIOWrapper(archive.open(name), encoding="ascii")
        return [tuple(line.split(None, 3)[1:]) for line in text if line.strip()]  # type: ignore[misc]


@pytest.fixture(scope="session")
def ix() -> codes.CodeIndex:
    return codes.index()


# --- normalize / fiscal_year -------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["M5450", "m54.50", " M54.50 ", "M54.50", "m5450\n"])
def test_normalize_spellings(raw: str) -> None:
    assert codes.normalize(raw) == "M54.50"


@pytest.mark.parametrize(("raw", "want"), [("m54", "M54"), ("M545", "M54.5"), ("s39012a", "S39.012A")])
def test_normalize_lengths(raw: str, want: str) -> None:
    assert codes.normalize(raw) == want


@pytest.mark.parametrize("raw", ["M54.5'; DROP", "", "12345", "M5", "M54.", "M5.450", "M54.50000", "M-54", "M 54"])
def test_normalize_rejects_with_expectation(raw: str) -> None:
    with pytest.raises(codes.CodeShapeError) as err:
        codes.normalize(raw)
    assert isinstance(err.value, ValueError)
    assert "expected a letter, two characters, then up to four more" in str(err.value)


def test_fy2026_qa_codes_have_a_letter_second(ix: codes.CodeIndex) -> None:
    """FY2026 added QA0-QA08 (SCN2A- and other neurodevelopmental disorders): a letter in second place.
    The shape check refused them, so a valid claim got CLM-INVALID-CODE at severity error."""
    assert codes.normalize("qa00101") == "QA0.0101"
    assert ix.is_billable("QA0.0101", date(2026, 1, 15))
    assert not ix.is_billable("QA0.0101", date(2025, 9, 30))


@hypothesis_settings(max_examples=40)
@given(st.from_regex(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", fullmatch=True))
def test_normalize_is_idempotent(code: str) -> None:
    once = codes.normalize(code)
    assert codes.normalize(once) == once == codes.normalize(once.replace(".", "").lower())


@pytest.mark.parametrize(
    ("d", "fy"),
    [(date(2015, 10, 1), 2016), (date(2021, 9, 30), 2021), (date(2021, 10, 1), 2022), (date(2026, 9, 30), 2026)],
)
def test_fiscal_year(d: date, fy: int) -> None:
    assert codes.fiscal_year(d) == fy


@pytest.mark.parametrize("d", [date(2014, 6, 1), date(2015, 9, 30), date(2026, 10, 1)])
def test_uncovered_dates_raise(d: date, ix: codes.CodeIndex) -> None:
    with pytest.raises(codes.NotCovered, match=r"FY2016-FY2026 \(2015-10-01\.\.2026-09-30\)"):
        codes.fiscal_year(d)
    with pytest.raises(codes.NotCovered):
        ix.is_billable("M54.5", d)


# --- the index against the files ---------------------------------------------------------------------
def test_every_fy2022_code_as_in_the_file(ix: codes.CodeIndex) -> None:
    on = date(2022, 6, 1)
    rows = _order_rows(2022)
    assert len(rows) > 90_000
    billable = [code for code, flag, _ in rows if flag == "1"]
    headers = [code for code, flag, _ in rows if flag == "0"]
    assert billable and headers
    assert [c for c in billable if not ix.is_billable(c, on)] == []
    assert [c for c in headers if ix.is_billable(c, on)] == []


def test_m545_becomes_a_header_in_fy2022(ix: codes.CodeIndex) -> None:
    assert ix.is_billable("M54.5", date(2021, 9, 30))
    assert not ix.is_billable("M54.5", date(2021, 10, 1))
    assert ix.billable_descendants("M54.5", date(2021, 10, 1)) == ("M54.50", "M54.51", "M54.59")
    assert ix.billable_descendants("M54.5", date(2021, 9, 30)) == ()
    status = ix.status("m545", date(2021, 10, 1))
    assert (status.exists, status.billable, status.fiscal_year) == (True, False, 2022)
    assert (status.first_billable_fy, status.last_billable_fy, status.header_since_fy) == (2016, 2021, 2022)
    assert status.describe() == (
        "M54.5 Low back pain: not billable on 2021-10-01 (a header since FY2022); use one of M54.50, M54.51, M54.59"
    )
    assert ix.status("M54.5", date(2021, 9, 30)).describe() == "M54.5 Low back pain: billable on 2021-09-30 (FY2021)"


def test_m5136_becomes_a_header_in_fy2025(ix: codes.CodeIndex) -> None:
    on = date(2024, 10, 1)
    assert not ix.is_billable("M51.36", on)
    assert ix.is_billable("M51.36", date(2024, 9, 30))
    assert ix.is_billable("M51.362", on)
    assert not ix.is_billable("M51.362", date(2024, 9, 30))
    assert ix.billable_descendants("M51.36", on) == ("M51.360", "M51.361", "M51.362", "M51.369")
    assert "use one of M51.360, M51.361, M51.362, M51.369" in ix.status("M51.36", on).describe()


@pytest.mark.parametrize("code", ["M54.99", "Z99.999"])
def test_never_existed(code: str, ix: codes.CodeIndex) -> None:
    assert not ix.ever_existed(code)
    status = ix.status(code, date(2022, 1, 1))
    assert not status.exists and not status.billable and status.description is None
    assert status.describe() == f"{code}: not an ICD-10-CM code in any fiscal year FY2016-FY2026"


def test_a_deleted_code_is_explained(ix: codes.CodeIndex) -> None:
    # find one in the files: in FY2016, gone from FY2026
    fy2026 = {code for code, _, _ in _order_rows(2026)}
    deleted = next(code for code, flag, _ in _order_rows(2016) if flag == "1" and code not in fy2026)
    status = ix.status(deleted, date(2025, 10, 1))
    assert status.ever_existed and not status.exists and not status.billable
    assert "deleted from the code set in FY" in status.describe()


def test_descriptions_and_unspecified(ix: codes.CodeIndex) -> None:
    on = date(2022, 6, 1)
    assert ix.is_unspecified("M54.50", on)
    assert not ix.is_unspecified("M54.51", on)
    assert ix.description("M54.50") == "Low back pain, unspecified"
    assert ix.description("M54.5", date(2020, 1, 1)) == "Low back pain"
    assert ix.description("Z99.999") is None
    # after the flag: short description (60 columns), one space, long description
    long_2022 = {code: rest[61:].strip() for code, _, rest in _order_rows(2022) if code.startswith("M5")}
    assert len(long_2022) > 100
    for code, text in long_2022.items():
        assert ix.description(code, on) == text


# --- Excludes1 (the expected answers are derived from the tabular in test_codes_excludes1.py) ---------
def test_excludes1_named_conflicts() -> None:
    assert codes.excludes1_conflict("M54.50", "M54.41") == "M54.50 Excludes1 M54.4- (Lumbago with sciatica)"
    reason = codes.excludes1_conflict("M51.26", "M54.50")
    assert reason is not None and "M51.2-" in reason
    assert codes.excludes1_conflict("M54.50", "M54.50") is None
    assert codes.excludes1_conflict("M54.5", "M54.50") is None


# --- the cache -----------------------------------------------------------------------------------------
def test_cache_is_built_once_and_reloaded(tmp_path: Path, ix: codes.CodeIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    # The Excludes1 table comes from the stored index (importing the tabular package costs ~2.5 s);
    # the order files are parsed for real.
    assert ix.path is not None
    stored = _build.load(ix.path)
    assert stored is not None
    monkeypatch.setattr(_build._excludes1, "build_table", lambda: stored["excludes1"])
    stale = tmp_path / "icd10cm-000000000000.bin"
    stale.write_bytes(b"an index of older reference files")
    built = codes.load_index(settings.ICD10CM_DIR, tmp_path)
    assert not stale.exists()
    assert built.path is not None and built.path.parent == tmp_path and built.path.is_file()
    assert built.path.name == f"icd10cm-{built.key[:12]}.bin"

    def no_build(_: Path) -> None:
        raise AssertionError("rebuilt although the cache file exists")

    monkeypatch.setattr(_build, "build", no_build)
    again = codes.load_index(settings.ICD10CM_DIR, tmp_path)
    assert _build.load(again.path) == _build.load(built.path) == stored  # type: ignore[arg-type]
    on = date(2021, 10, 1)
    assert again.status("M54.5", on) == ix.status("M54.5", on)


def test_stale_or_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "icd10cm-000000000000.bin"
    path.write_bytes(b"not marshal")
    assert _build.load(path) is None


# --- the command -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "rc"),
    [
        (["M54.5", "--on", "2021-09-30"], 0),
        (["M54.5", "--on", "2021-10-01"], 1),
        (["m5450", "--on", "2021-10-01", "--json"], 0),
        (["Z99.999", "--on", "2022-01-01"], 1),
        (["M54.5"], 0),
        (["Z99.999"], 1),
        (["M54.5'; DROP", "--on", "2022-01-01"], 2),
        (["M54.5", "--on", "2014-01-01"], 2),
        (["M54.5", "--on", "tomorrow"], 2),
        ([], 2),
    ],
)
def test_codes_command_exit_codes(argv: list[str], rc: int, ix: codes.CodeIndex, capsys) -> None:
    assert main(["codes", *argv]) == rc
    out, err = capsys.readouterr()
    if rc == 2:
        assert "expected" in err and out == ""
    else:
        assert out and err == ""


def test_codes_command_sentence(ix: codes.CodeIndex, capsys) -> None:
    assert main(["codes", "M51.36", "--on", "2024-10-01"]) == 1
    assert capsys.readouterr().out.strip() == ix.status("M51.36", date(2024, 10, 1)).describe()
