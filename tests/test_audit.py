"""`lbp-streams audit`: a generated history replayed into one self-contained HTML page.

The page must open offline (nothing fetched: no http(s) src/href, no scripts or stylesheets), carry real
charts (inline SVG with drawn marks), and an alert CSV with exactly the alerts the replay raises. When
Chromium is installed (/usr/bin/chromium) the page is also rendered headless: the screenshot must not be
blank and the browser must log no script errors.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from streams.audit import CSV_FIELDS, code_class, collect, render
from streams.cli import main
from streams.core.alerts import Alert
from streams.generate import generate
from streams.replay import Replay

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).exists()), None)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return generate(300, seed=5).lines


@pytest.fixture(scope="module")
def report(lines: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("audit")
    events = folder / "events.jsonl"
    events.write_bytes(b"\n".join(lines) + b"\n")
    out = folder / "report.html"
    assert main(["audit", str(events), "-o", str(out), "--title", "Audit of seed 5"]) == 0
    return out


def _alerts_raised(lines: list[bytes]) -> list[Alert]:
    return [o for o in Replay().outputs(lines) if isinstance(o, Alert)]


def _csv_rows(page: str) -> list[dict[str, str]]:
    m = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)"', page)
    assert m, "no CSV data: link"
    return list(csv.DictReader(io.StringIO(base64.b64decode(m.group(1)).decode())))


def test_page_is_self_contained(report: Path) -> None:
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<title>Audit of seed 5</title>" in page
    assert not re.search(r"""\b(src|href|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I), "fetches from a URL"
    assert not re.search(r"<script|<link|<iframe|<img|@import|url\(", page, re.I), "loads or runs something"


def test_charts_are_real_svg(report: Path) -> None:
    page = report.read_text()
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) >= 5  # shares over time, volume, providers, rules, imaging findings
    for svg in svgs:
        assert re.search(r"<(path|rect)\b", svg), svg[:200]
        assert "<text" in svg  # axes and labels
    assert any("<path" in s and 'stroke-dasharray="5 3"' in s for s in svgs)  # the line chart
    assert sum('class="threshold"' in s for s in svgs) >= 1 and "OPS threshold 80%" in page
    assert any(len(re.findall(r"<rect\b", s)) > 50 for s in svgs)  # stacked bars


def test_csv_has_every_alert_the_replay_raises(report: Path, lines: list[bytes]) -> None:
    rows = _csv_rows(report.read_text())
    raised = _alerts_raised(lines)
    assert len(rows) == len(raised) > 0
    assert [r["alert_id"] for r in rows] == [a.alert_id for a in raised]
    assert list(rows[0]) == list(CSV_FIELDS)
    assert {r["status"] for r in rows} == {"open", "resolved"}
    pre = re.search(r'<pre id="alerts-csv">(.*?)</pre>', report.read_text(), re.S)
    assert pre and len(html.unescape(pre.group(1)).strip().splitlines()) >= len(raised) + 1


def test_patient_ids_only_in_the_csv(report: Path, lines: list[bytes]) -> None:
    page = report.read_text()
    outside = re.sub(r'<pre id="alerts-csv">.*?</pre>', "", page, flags=re.S)
    outside = re.sub(r'href="data:[^"]*"', "", outside)
    patients = {a.patient_id for a in _alerts_raised(lines) if a.patient_id}
    assert patients and not any(p in outside for p in patients)
    assert any(p in page for p in patients)  # the CSV does carry them


def test_sections_use_the_engine_alerts(report: Path, lines: list[bytes]) -> None:
    page = report.read_text()
    history = collect(lines)
    ops = [a for a in history.alerts if a.rule_id == "OPS-PROVIDER-UNSPECIFIED-SHARE"]
    assert ops, "seed 5 with 300 patients plants a provider over the threshold"
    for a in ops:
        assert a.subject_id.partition("/")[0] in page
    assert "COD-IMAGING-UNLINKED" in page and "shows Modic type" in page
    assert f"{len(history.alerts):,}" in page


def test_code_classes() -> None:
    assert [code_class(c) for c in ("M54.50", "M54.51", "M54.59", "M54.5", "M54.41", "M51.36")] == [
        "M54.50",
        "M54.51",
        "M54.59",
        "M54.5 (header)",
        "M54.4- (with sciatica)",
        None,
    ]


def test_empty_history_renders() -> None:
    page = render(collect([b"", b"not json"]))
    assert "No LBP encounters" in page and "No alerts." in page and "invalid_json" in page


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    assert main(["audit", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "r.html")]) == 2


# --- rendered in a real browser ---------------------------------------------------------------------


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, the filtered scanlines) of a non-interlaced PNG, stdlib only.

    The rows are compared as stored (filter byte + filtered bytes): a blank page gives one repeated row,
    whatever filter the encoder chose, so many distinct rows mean drawn content."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = color = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert interlace == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    assert channels and depth == 8, (color, depth)
    raw = zlib.decompress(idat)
    stride = 1 + width * channels
    assert len(raw) == stride * height
    return width, height, [raw[i * stride : (i + 1) * stride] for i in range(height)]


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not installed (/usr/bin/chromium); Debian: apt-get install chromium"
)
def test_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = _chromium(
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        report.as_uri(),
        profile=tmp_path / "profile",
    )
    assert shot.is_file(), result.stderr[-2000:]
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]
    width, height, rows = png_rows(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    assert len(set(rows)) > 200, "the screenshot is (nearly) blank"

    dom = _chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile2")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr
    assert dom.stdout.count("<svg") >= 5 and "Alerts by rule" in dom.stdout
