"""`audit`: replay a history of events through the engine and write one self-contained HTML report.

Who reads it: a revenue-cycle (RCM) lead, offline, perhaps from an e-mail attachment: so the page loads
nothing (no scripts, stylesheets, fonts or images from anywhere); charts are SVG drawn here, the CSV of
every alert is embedded as a `data:` link. The alerts are the engine's own (`streams.replay.Replay`, the
same `engine.apply` the Faust worker runs): nothing in this module decides a rule. What the report adds is
counting: LBP codes by month and by provider from the encounters themselves, alerts by rule, the
providers the engine flagged with OPS-PROVIDER-UNSPECIFIED-SHARE, and what imaging sits behind
COD-IMAGING-UNLINKED.

PHI: patient ids appear only in the alert CSV (the lead needs them to work the alerts); charts and tables
show codes, months, provider ids, rules and counts. Note text appears only as the imaging-report sentences
behind COD-IMAGING-UNLINKED (counted, without patient or accession) and in the CSV's evidence column.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import PackageNotFoundError, version

from streams.core import codes
from streams.core.alerts import Alert
from streams.core.chart import normalized
from streams.core.engine import DEFAULT, Config
from streams.core.events import Claim, Encounter, decode
from streams.replay import Replay

# LBP code classes, in legend order; M54.5 is a header from FY2022 (rules.md)
CLASSES = ("M54.50", "M54.51", "M54.59", "M54.5 (header)", "M54.4- (with sciatica)")
RETIRED_CLAIMS = "claims with a retired code"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442")
SHARE_RULE = "OPS-PROVIDER-UNSPECIFIED-SHARE"
UNLINKED_RULE = "COD-IMAGING-UNLINKED"
TOP_PROVIDERS = 15
MIN_MONTH = 10  # encounters (claims) a month needs before its share is plotted
CSV_FIELDS = (
    "alert_id",
    "rule_id",
    "severity",
    "topic",
    "status",
    "patient_id",
    "subject_type",
    "subject_id",
    "codes",
    "suggested_codes",
    "raised_at",
    "resolved_at",
    "triggered_by",
    "message",
    "evidence",
)


def code_class(code: str) -> str | None:
    """The LBP class of a normalized code, None when the code is not in the LBP family."""
    if code in ("M54.50", "M54.51", "M54.59"):
        return code
    if code == "M54.5":
        return "M54.5 (header)"
    if code.startswith("M54.4"):
        return "M54.4- (with sciatica)"
    return None


def lbp_class(enc: Encounter) -> str | None:
    """The class of the encounter's first LBP-family code by sequence (as the provider aggregate counts)."""
    for d in sorted(enc.diagnoses, key=lambda d: d.sequence):
        cls = code_class(normalized(d.code) or "")
        if cls is not None:
            return cls
    return None


@dataclass
class History:
    """What the audit counts, collected in one pass of the replay."""

    # (patient, encounter_id) -> (provider, date of service, LBP class): the last signature wins
    encounters: dict[tuple[str, str], tuple[str, date, str]] = field(default_factory=dict)
    claims: dict[tuple[str, str], date] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    resolved_at: dict[str, str] = field(default_factory=dict)
    dead_letters: Counter[str] = field(default_factory=Counter)
    events: int = 0
    # fiscal year -> encounters, claims and requests dated in it that no code set on file covers
    uncovered: dict[int, int] = field(default_factory=dict)

    @property
    def first_last(self) -> tuple[date, date] | None:
        days = [d for _, d, _ in self.encounters.values()] + list(self.claims.values())
        return (min(days), max(days)) if days else None


def collect(lines: Iterable[bytes], config: Config = DEFAULT) -> History:
    """Replay every line (file order, as `lbp-streams replay`) and keep what the report counts."""
    replay = Replay(config)
    h = History()
    for n, raw in enumerate(lines, 1):
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        outputs, dead = replay.process(raw, n)
        if dead is not None:
            h.dead_letters[dead["error_class"]] += 1
            continue
        h.events += 1
        event = decode(raw)  # the replay decoded it already; decoding again keeps Replay untouched
        if isinstance(event, Encounter):
            cls = lbp_class(event)
            if cls is not None:
                h.encounters[(event.patient_id, event.encounter_id)] = (event.provider_id, event.date_of_service, cls)
            else:
                h.encounters.pop((event.patient_id, event.encounter_id), None)
        elif isinstance(event, Claim):
            h.claims[(event.patient_id, event.claim_id)] = event.date_of_service
        for out in outputs:
            if isinstance(out, Alert):
                h.alerts.append(out)
            else:
                h.resolved_at[out.alert_id] = out.resolved_at
    h.uncovered = dict(replay.stats.uncovered)
    return h


# --- tables of numbers -------------------------------------------------------------------------------


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _months_between(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def monthly(h: History) -> tuple[list[str], dict[str, list[int]], dict[str, list[float | None]]]:
    """Months, LBP encounters per class per month, and each class's share per month (plus the share of
    claims that carry a code retired on their date of service, i.e. that the engine flagged CLM-RETIRED-CODE;
    claims dated where no code set is on file are left out of that share: nothing judged them)."""
    span = h.first_last
    if span is None:
        return [], {c: [] for c in CLASSES}, {}
    months = _months_between(*span)
    index = {m: i for i, m in enumerate(months)}
    counts = {c: [0] * len(months) for c in CLASSES}
    for _, dos, cls in h.encounters.values():
        counts[cls][index[_month(dos)]] += 1
    totals = [sum(counts[c][i] for c in CLASSES) for i in range(len(months))]
    # a share of 2 encounters swings 0-100%: months below MIN_MONTH are left out of the share lines
    shares: dict[str, list[float | None]] = {
        c: [counts[c][i] / totals[i] if totals[i] >= MIN_MONTH else None for i in range(len(months))] for c in CLASSES
    }
    retired = {(a.patient_id, a.subject_id) for a in h.alerts if a.rule_id == "CLM-RETIRED-CODE"}
    claims, flagged = [0] * len(months), [0] * len(months)
    for key, dos in h.claims.items():
        if codes.uncovered_year(dos) is not None:
            continue
        i = index[_month(dos)]
        claims[i] += 1
        flagged[i] += key in retired
    shares[RETIRED_CLAIMS] = [flagged[i] / claims[i] if claims[i] >= MIN_MONTH else None for i in range(len(months))]
    return months, counts, shares


def by_provider(h: History, top: int = TOP_PROVIDERS) -> list[tuple[str, int, dict[str, int]]]:
    """The busiest providers by LBP encounters: (provider, encounters, per class)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for provider, _, cls in h.encounters.values():
        per[provider][cls] += 1
    ranked = sorted(per.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    return [(p, sum(c.values()), dict(c)) for p, c in ranked]


def rule_counts(h: History) -> list[tuple[str, str, int, int]]:
    """(rule, topic, raised, resolved) by rule, most raised first."""
    raised = Counter(a.rule_id for a in h.alerts)
    resolved = Counter(a.rule_id for a in h.alerts if a.alert_id in h.resolved_at)
    topic = {a.rule_id: a.topic for a in h.alerts}
    return [(r, topic[r], n, resolved[r]) for r, n in sorted(raised.items(), key=lambda kv: (-kv[1], kv[0]))]


_SHOWS = re.compile(r"^Query the provider: (\S+) .*? shows (.+?), but ")


def unlinked_findings(h: History) -> tuple[Counter[str], Counter[str]]:
    """What imaging is behind COD-IMAGING-UNLINKED: (modality + finding) counts, and the imaging-report
    sentences the engine quoted as evidence (no patient, no accession)."""
    kinds: Counter[str] = Counter()
    sentences: Counter[str] = Counter()
    for a in h.alerts:
        if a.rule_id != UNLINKED_RULE:
            continue
        m = _SHOWS.match(a.message)
        kinds[f"{m.group(2)} ({m.group(1)})" if m else "other"] += 1
        for e in a.evidence:
            if e.kind == "imaging":
                sentences[e.text] += 1
    return kinds, sentences


def alerts_csv(h: History) -> str:
    """Every alert the replay raised, one row each, with its status at the end of the history."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_FIELDS)
    for a in h.alerts:
        resolved = h.resolved_at.get(a.alert_id, "")
        w.writerow(
            [
                a.alert_id,
                a.rule_id,
                a.severity,
                a.topic,
                "resolved" if resolved else "open",
                a.patient_id or "",
                a.subject_type,
                a.subject_id,
                " ".join(a.codes),
                " ".join(a.suggested_codes),
                a.raised_at,
                resolved,
                a.triggered_by,
                a.message,
                " | ".join(f"{e.kind}: {e.text}" for e in a.evidence),
            ]
        )
    return buf.getvalue()


# --- SVG ---------------------------------------------------------------------------------------------

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _nice_step(vmax: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals up to vmax."""
    if vmax <= 0:
        return 1.0
    raw = vmax / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _ticks(vmax: float, percent: bool) -> list[float]:
    if percent:
        return [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    step = max(1.0, _nice_step(vmax))
    top = step * max(1, -(-vmax // step))
    return [i * step for i in range(int(top / step) + 1)]


def _fmt(v: float, percent: bool) -> str:
    return f"{v * 100:.0f}%" if percent else f"{v:,.0f}"


def _legend(names: Sequence[str], x: float, y: float, colors: dict[str, str], dashed: Sequence[str] = ()) -> str:
    parts, cx = [], x
    for name in names:
        if name in dashed:
            parts.append(
                f'<line x1="{cx}" y1="{y + 5}" x2="{cx + 14}" y2="{y + 5}" stroke="{colors[name]}" '
                f'stroke-width="2" stroke-dasharray="4 2"/>'
            )
        else:
            parts.append(f'<rect x="{cx}" y="{y}" width="12" height="10" fill="{colors[name]}"/>')
        parts.append(f'<text x="{cx + 18}" y="{y + 9}" font-size="12">{_e(name)}</text>')
        cx += 30 + 7 * len(name)
    return "".join(parts)


def _svg(width: int, height: int, label: str, body: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(label)}" {FONT}><title>{_e(label)}</title>{body}</svg>'
    )


def _x_label_every(n: int, room: int) -> int:
    return max(1, -(-n // room))


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    label: str,
    threshold: tuple[float, str] | None = None,
    dashed: Sequence[str] = (),
    width: int = 1100,
    height: int = 340,
) -> str:
    """Shares (0..1) over x, one polyline per series (gaps where a value is None), percent y axis."""
    left, right, top, bottom = 56, 16, 40, 44
    pw, ph = width - left - right, height - top - bottom
    n = max(1, len(x_labels))
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (pw * (i + 0.5) / n)
        return round(x, 1), round(top + ph * (1 - v), 1)

    parts = [_axes(left, top, pw, ph, _ticks(1, True), 1.0, True)]
    every = _x_label_every(n, 16)
    for i, name in enumerate(x_labels):
        if i % every == 0:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{x}" y="{top + ph + 16}" font-size="11" text-anchor="middle">{_e(name)}</text>')
    if threshold is not None:
        v, text = threshold
        _, y = xy(0, v)
        parts.append(
            f'<line class="threshold" x1="{left}" y1="{y}" x2="{left + pw}" y2="{y}" stroke="#C00000" '
            f'stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{left + pw - 4}" y="{y - 5}" font-size="11" fill="#C00000" text-anchor="end">{_e(text)}</text>'
        )
    for name, values in series.items():
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append(xy(i, v))
        dash = ' stroke-dasharray="5 3"' if name in dashed else ""
        for run in runs:
            if len(run) == 1:
                parts.append(f'<circle cx="{run[0][0]}" cy="{run[0][1]}" r="2.5" fill="{colors[name]}"/>')
            elif run:
                d = "M" + " L".join(f"{x},{y}" for x, y in run)
                parts.append(f'<path d="{d}" fill="none" stroke="{colors[name]}" stroke-width="2"{dash}/>')
    parts.append(_legend(list(series), left, 10, colors, dashed))
    return _svg(width, height, label, "".join(parts))


def _axes(left: float, top: float, pw: float, ph: float, ticks: list[float], vmax: float, percent: bool) -> str:
    """Horizontal grid lines with y tick labels, and the two axis lines."""
    parts = []
    for t in ticks:
        y = round(top + ph * (1 - t / vmax), 1)
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{left + pw}" y2="{y}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end">{_fmt(t, percent)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>'
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>'
    )
    return "".join(parts)


def stacked_bars(
    x_labels: Sequence[str],
    stacks: dict[str, Sequence[int]],
    *,
    label: str,
    y_title: str,
    width: int = 1100,
    height: int = 320,
) -> str:
    """Vertical bars, one per x, stacked by series (counts)."""
    left, right, top, bottom = 56, 16, 40, 44
    pw, ph = width - left - right, height - top - bottom
    n = max(1, len(x_labels))
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(stacks)}
    totals = [sum(s[i] for s in stacks.values()) for i in range(len(x_labels))]
    ticks = _ticks(max(totals, default=0) or 1, False)
    vmax = ticks[-1]
    slot = pw / n
    bar = max(1.0, slot * 0.8)
    parts = [_axes(left, top, pw, ph, ticks, vmax, False)]
    parts.append(
        f'<text x="14" y="{top + ph / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + ph / 2})">{_e(y_title)}</text>'
    )
    every = _x_label_every(n, 16)
    for i, name in enumerate(x_labels):
        x = left + slot * i + (slot - bar) / 2
        base = 0
        for series, values in stacks.items():
            v = values[i]
            if v:
                y0 = top + ph * (1 - (base + v) / vmax)
                h = ph * v / vmax
                parts.append(
                    f'<rect x="{x:.1f}" y="{y0:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colors[series]}">'
                    f"<title>{_e(name)} {_e(series)}: {v}</title></rect>"
                )
                base += v
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + ph + 16}" font-size="11" text-anchor="middle">{_e(name)}</text>'
            )
    parts.append(_legend(list(stacks), left, 10, colors))
    return _svg(width, height, label, "".join(parts))


def hbars(
    labels: Sequence[str],
    stacks: dict[str, Sequence[float]],
    *,
    label: str,
    percent: bool = False,
    threshold: tuple[float, str] | None = None,
    notes: Sequence[str] = (),
    width: int = 1100,
    label_width: int = 300,
) -> str:
    """Horizontal bars, one per label, stacked by series; percent axis (0..100%) or counts axis.
    `notes` are printed after each bar (e.g. the count behind a share)."""
    row = 24
    left, right, top, bottom = label_width, 70, 40 if len(stacks) > 1 or threshold else 14, 30
    pw = width - left - right
    ph = row * max(1, len(labels))
    height = top + ph + bottom
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(stacks)}
    totals = [sum(s[i] for s in stacks.values()) for i in range(len(labels))]
    ticks = _ticks(1, True) if percent else _ticks(max(totals, default=0) or 1, False)
    vmax = ticks[-1]
    parts = []
    for t in ticks:
        x = round(left + pw * t / vmax, 1)
        parts.append(
            f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + ph}" stroke="#e3e3e3"/>'
            f'<text x="{x}" y="{top + ph + 16}" font-size="11" text-anchor="middle">{_fmt(t, percent)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>'
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#333"/>'
    )
    for i, name in enumerate(labels):
        y = top + row * i + 4
        parts.append(
            f'<text x="{left - 8}" y="{y + 12}" font-size="12" text-anchor="end">{_e(_clip(name, label_width))}</text>'
        )
        base = 0.0
        for series, values in stacks.items():
            v = values[i]
            if v:
                w = pw * v / vmax
                parts.append(
                    f'<rect x="{left + pw * base / vmax:.1f}" y="{y}" width="{w:.1f}" height="{row - 8}" '
                    f'fill="{colors[series]}"><title>{_e(name)} {_e(series)}: {_fmt(v, percent)}</title></rect>'
                )
                base += v
        note = notes[i] if i < len(notes) else _fmt(totals[i], percent)
        parts.append(
            f'<text x="{left + pw * base / vmax + 6:.1f}" y="{y + 12}" font-size="11" fill="#333">{_e(note)}</text>'
        )
    if threshold is not None:
        v, text = threshold
        x = round(left + pw * v / vmax, 1)
        parts.append(
            f'<line class="threshold" x1="{x}" y1="{top - 6}" x2="{x}" y2="{top + ph}" stroke="#C00000" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{x + 4}" y="{top - 8}" font-size="11" fill="#C00000">{_e(text)}</text>'
        )
    if len(stacks) > 1:
        parts.append(_legend(list(stacks), left, 8, colors))
    return _svg(width, height, label, "".join(parts))


def _clip(text: str, width: int) -> str:
    room = max(8, width // 7)
    return text if len(text) <= room else text[: room - 1] + "…"


# --- the page ----------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;
max-width:1140px;color:#1b1b1b;line-height:1.4;padding:0 16px}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
.sub{color:#555}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:1.4em}table{border-collapse:collapse;margin:8px 0;font-size:.92em}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}svg.chart{max-width:100%;height:auto;display:block}
pre{max-height:360px;overflow:auto;background:#f7f7f7;border:1px solid #ddd;padding:8px;font-size:.8em}
.note{font-size:.9em;color:#444}a.button{display:inline-block;padding:6px 12px;border:1px solid #0072B2;
border-radius:4px;color:#0072B2;text-decoration:none}
"""


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}%" if d else "n/a"


def render(h: History, *, title: str = "Low-back-pain coding audit", source: str = "", config: Config = DEFAULT) -> str:
    """The whole report as one HTML string."""
    share = config.share
    threshold = (share.min_share, f"OPS threshold {share.min_share:.0%} M54.50")
    months, counts, shares = monthly(h)
    providers = by_provider(h)
    rules = rule_counts(h)
    kinds, sentences = unlinked_findings(h)
    csv_text = alerts_csv(h)
    span = h.first_last
    n_open = sum(1 for a in h.alerts if a.alert_id not in h.resolved_at)
    # providers with an open share alert (one the rest of the data resolved does not count)
    over_threshold = {_provider(a) for a in h.alerts if a.rule_id == SHARE_RULE and a.alert_id not in h.resolved_at}
    total_enc = len(h.encounters)
    class_totals = Counter(cls for _, _, cls in h.encounters.values())

    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(source)}{" · " if source else ""}'
        + (f"dates of service {span[0]} to {span[1]}" if span else "no dated events")
        + f" · replayed through the lbp-streams engine {_e(_version())}, the rules the worker runs</p>",
        '<div class="cards">',
        *(
            f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>'
            for k, v in (
                ("events replayed", f"{h.events:,}"),
                ("LBP encounters", f"{total_enc:,}"),
                ("M54.50 share", _pct(class_totals["M54.50"], total_enc)),
                ("alerts raised", f"{len(h.alerts):,}"),
                ("still open", f"{n_open:,}"),
                ("providers over threshold", str(len(over_threshold))),
                ("dead-lettered lines", f"{sum(h.dead_letters.values()):,}"),
            )
        ),
        "</div>",
        '<p class="note">Patient ids appear only in the alert CSV at the end of this page; charts and tables show '
        "codes, months, providers and rules. Treat the file as PHI all the same: the CSV is in it.</p>",
    ]
    for fy, count in sorted(h.uncovered.items()):
        out.append(f'<p class="note">{_e(codes.uncovered_advice(fy, count))}</p>')

    out.append("<h2>LBP coding over time</h2>")
    if months:
        out.append(
            '<p class="note">Share of each month\'s low-back-pain encounters (by date of service) coded with each '
            "code, and the share of claims carrying a code retired on their date of service (CLM-RETIRED-CODE); "
            f"months with fewer than {MIN_MONTH} encounters (claims) are left out of the lines, not of the bars.</p>"
        )
        out.append(
            line_chart(
                months,
                {**{c: shares[c] for c in CLASSES if class_totals[c]}, RETIRED_CLAIMS: shares[RETIRED_CLAIMS]},
                label="Monthly share of LBP encounters by code, and of claims with a retired code",
                dashed=(RETIRED_CLAIMS,),
            )
        )
        out.append(
            stacked_bars(
                months,
                {c: counts[c] for c in CLASSES if class_totals[c]},
                label="LBP encounters per month by code",
                y_title="LBP encounters",
            )
        )
        out.append(
            _table(
                ["code", "encounters", "share"],
                [(c, class_totals[c], _pct(class_totals[c], total_enc)) for c in CLASSES],
                numeric=(1, 2),
            )
        )
    else:
        out.append("<p>No LBP encounters in this history.</p>")

    out.append(f"<h2>By provider (the {len(providers)} with the most LBP encounters)</h2>")
    if providers:
        out.append(
            '<p class="note">Each bar is one provider\'s LBP encounters over the whole history, split by code; '
            f"the dashed line is the {share.min_share:.0%} M54.50 share at which the engine raises "
            f"{SHARE_RULE} (over any {share.window_days} days with at least {share.min_encounters} encounters).</p>"
        )
        present = [c for c in CLASSES if any(p[2].get(c) for p in providers)]
        out.append(
            hbars(
                [p for p, _, _ in providers],
                {c: [by.get(c, 0) / n for _, n, by in providers] for c in present},
                label="Share of each provider's LBP encounters by code",
                percent=True,
                threshold=threshold,
                notes=[f"{n} enc." for _, n, _ in providers],
                label_width=160,
            )
        )

    out.append("<h2>Providers over the unspecified-share threshold</h2>")
    flagged = [a for a in h.alerts if a.rule_id == SHARE_RULE]
    if flagged:
        out.append(
            f'<p class="note">{SHARE_RULE} alerts raised by the engine: at least {share.min_encounters} LBP '
            f"encounters in a rolling {share.window_days} days with at least {share.min_share:.0%} coded M54.50.</p>"
        )
        out.append(
            _table(
                ["provider", "window from", "what the engine counted", "raised at", "status"],
                [
                    (
                        _provider(a),
                        a.subject_id.partition("/")[2],
                        "; ".join(e.text for e in a.evidence),
                        a.raised_at,
                        "resolved" if a.alert_id in h.resolved_at else "open",
                    )
                    for a in flagged
                ],
            )
        )
    else:
        out.append(
            f"<p>No provider reached {share.min_share:.0%} M54.50 over {share.min_encounters}+ LBP encounters "
            f"in any {share.window_days}-day window.</p>"
        )

    out.append("<h2>Alerts by rule</h2>")
    if rules:
        out.append(
            hbars(
                [r for r, _, _, _ in rules],
                {"open": [n - res for _, _, n, res in rules], "resolved": [res for _, _, _, res in rules]},
                label="Alerts raised by rule, open and resolved",
                notes=[f"{n}" for _, _, n, _ in rules],
            )
        )
        out.append(
            _table(
                ["rule", "topic", "raised", "resolved", "open"],
                [(r, t, n, res, n - res) for r, t, n, res in rules],
                numeric=(2, 3, 4),
            )
        )
    else:
        out.append("<p>No alerts.</p>")

    out.append(f"<h2>What is behind {UNLINKED_RULE}</h2>")
    if kinds:
        out.append(
            '<p class="note">M54.50 visits while lumbar imaging on file shows Modic changes or endplate '
            "degeneration and the assessment does not say whether it causes the pain: the imaging finding and "
            "modality the engine cited.</p>"
        )
        top = kinds.most_common(12)
        out.append(
            hbars([k for k, _ in top], {"alerts": [n for _, n in top]}, label=f"{UNLINKED_RULE} by imaging finding")
        )
        out.append(
            _table(
                ["imaging-report sentence quoted as evidence", "alerts"],
                sentences.most_common(10),
                numeric=(1,),
            )
        )
    else:
        out.append("<p>None raised.</p>")

    out.append("<h2>Dead-lettered lines</h2>")
    if h.dead_letters:
        out.append(_table(["reason", "lines"], sorted(h.dead_letters.items()), numeric=(1,)))
    else:
        out.append("<p>Every line was processed.</p>")

    data_uri = "data:text/csv;charset=utf-8;base64," + base64.b64encode(csv_text.encode()).decode()
    out.append("<h2>Every alert (CSV)</h2>")
    out.append(
        f'<p><a class="button" download="lbp-alerts.csv" href="{data_uri}">Download lbp-alerts.csv '
        f"({len(h.alerts):,} alerts)</a></p>"
        '<p class="note">One row per alert the replay raised, with its status at the end of the history. '
        "Contains patient ids.</p>"
        f'<details><summary>Show the CSV</summary><pre id="alerts-csv">{_e(csv_text)}</pre></details>'
    )
    out.append("</body></html>\n")
    return "\n".join(out)


def _provider(alert: Alert) -> str:
    return alert.subject_id.partition("/")[0]


def _version() -> str:
    try:
        return version("lbp-streams")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "(source tree)"
