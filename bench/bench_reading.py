"""Benchmark of the documentation reader: assessments and imaging reports read per second, one core.

Run: .venv/bin/python bench/bench_reading.py [--seconds 3] [--profile]

The corpus is built deterministically from realistic assessment and report phrasing (200-600 characters
each, with negation, hedging, history, sides, levels, durations and ALL-CAPS headers), so every run reads
the same texts. Prints documents per second, by the wall clock and per second of this process's CPU time
(the steadier figure on a shared machine: time spent waiting for a core is not counted), and writes
bench/results/reading.json. Target: >= 20,000 assessments per second.

Beside it, per CPU second on the same assessments: the reader's one fused scan alone (the single regex
pass that finds every finding, trigger and side/level word; mostly time inside `re`), the part of reading
no sentence splitting or status logic can avoid.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.core.reading import _MAIN, _lower, read  # noqa: E402

OPENERS = [
    "Chronic low back pain secondary to vertebral endplate degeneration at L4-L5.",
    "Acute low back pain x 3 weeks after lifting at work, mechanical in nature.",
    "Subacute lumbar pain for 8 weeks, worse with sitting and flexion.",
    "Vertebrogenic low back pain, confirmed on MRI with Modic type 1 changes at L5-S1.",
    "Low back pain, unspecified, for the past year, improving with physical therapy.",
    "Axial low back pain attributed to Modic type 2 endplate changes at L4-5.",
    "Myofascial low back pain with trigger points in the right quadratus lumborum.",
    "Left sacroiliac joint dysfunction with positive Fortin finger test and thigh thrust.",
    "Lumbago with sciatica on the right, onset 10 days ago.",
    "Chronic LBP, 2-year history, with intermittent flares.",
    "Low back pain status post L4-5 microdiscectomy in 2019.",
    "Lumbar degenerative disc disease at L3-4 and L4-5 with facet arthropathy.",
]
MIDDLES = [
    "No evidence of radiculopathy, stenosis or fracture.",
    "Possible left S1 radiculopathy; EMG ordered.",
    "Denies bowel or bladder dysfunction, saddle anesthesia or fever.",
    "History of L5-S1 disc herniation, treated conservatively.",
    "Mother had sciatica and lumbar spinal stenosis.",
    "Straight leg raise negative bilaterally, strength 5/5, reflexes symmetric.",
    "MRI 3 months ago showed mild foraminal narrowing at L4-5 without nerve root compression.",
    "Pain radiates into the buttock but not below the knee, so radicular pain is unlikely.",
    "Rule out compression fracture given osteoporosis and steroid use.",
    "Modic changes absent on the prior study.",
    "Bilateral lower extremity radicular symptoms, left greater than right.",
    "Takes ibuprofen 600 mg b.i.d. and cyclobenzaprine 10 mg p.r.n. with partial relief.",
]
PLANS = [
    "Plan: continue home exercise program, follow up in 6 weeks.",
    "If MRI shows Modic changes, consider basivertebral nerve ablation.",
    "Refer to physical therapy 2x/week for 6 weeks; return if symptoms worsen.",
    "Discussed red flags; patient verbalized understanding.",
    "Consider lumbar epidural steroid injection at L5-S1 if no improvement.",
    "Will obtain flexion-extension radiographs to assess for instability.",
]
REPORT_FINDINGS = [
    "FINDINGS: Alignment is normal. Vertebral body heights are preserved. No fracture.",
    "FINDINGS: Type 1 Modic endplate changes at L4-L5 with endplate edema. Disc desiccation at L4-5 and L5-S1.",
    "FINDINGS: L3-4 mild disc bulge without stenosis. L4-5 broad-based disc protrusion with moderate "
    "left foraminal stenosis. L5-S1 facet arthropathy.",
    "FINDINGS: Degenerative endplate changes at L5-S1, Modic type 2. The conus terminates at L1.",
    "FINDINGS: Mild compression deformity of L1, chronic in appearance. No spinal canal stenosis.",
]
REPORT_IMPRESSIONS = [
    "IMPRESSION: 1. Modic type 1 changes at L4-5, which may represent a pain generator. 2. No stenosis.",
    "IMPRESSION: Multilevel degenerative disc disease, most pronounced at L5-S1. No acute fracture.",
    "IMPRESSION: Left L4-5 disc extrusion contacting the traversing left L5 nerve root. Clinical correlation "
    "for radiculopathy.",
    "IMPRESSION: Endplate degeneration at L4-L5. Cannot exclude early discitis; consider follow-up MRI.",
]


def corpus(n_assessments: int = 30, n_reports: int = 12, seed: int = 20240) -> tuple[list[str], list[str]]:
    """Deterministic assessments (with an ASSESSMENT:/PLAN: header half the time) and imaging reports."""
    rng = random.Random(seed)
    assessments: list[str] = []
    while len(assessments) < n_assessments:
        parts = [rng.choice(OPENERS), *rng.sample(MIDDLES, rng.randint(1, 3)), rng.choice(PLANS)]
        text = " ".join(parts)
        if rng.random() < 0.5:
            text = "ASSESSMENT: " + text.replace(" Plan: ", "\nPLAN: ")
        if 200 <= len(text) <= 600:
            assessments.append(text)
    reports = [
        f"MRI LUMBAR SPINE WITHOUT CONTRAST. {rng.choice(REPORT_FINDINGS)}\n{rng.choice(REPORT_IMPRESSIONS)}"
        for _ in range(n_reports)
    ]
    return assessments, reports


def rate(texts: list[str], section: str, seconds: float) -> tuple[float, float, int, int]:
    """Documents per wall-clock second and per CPU second over at least `seconds`; documents and findings."""
    docs = findings = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + seconds
    while True:
        for text in texts:
            findings += len(read(text, section))
        docs += len(texts)
        now = time.perf_counter()
        if now >= deadline:
            return docs / (now - start), docs / (time.process_time() - cpu_start), docs, findings


def scan_rate(texts: list[str], seconds: float) -> float:
    """Documents per CPU second of the reader's fused scan alone (lowercasing included)."""
    docs = 0
    cpu_start = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for text in texts:
            low = _lower(text)
            _MAIN.spans(low, 0, len(low))
        docs += len(texts)
    return docs / (time.process_time() - cpu_start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of reading assessments")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reading.json")
    args = parser.parse_args(argv)

    assessments, reports = corpus()
    lengths = [len(t) for t in assessments]
    rate(assessments, "assessment", 0.3)  # warm up (regex caches, allocator)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        rate(assessments, "assessment", args.seconds)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    a_rate, a_cpu_rate, a_docs, a_findings = rate(assessments, "assessment", args.seconds)
    r_rate, r_cpu_rate, r_docs, r_findings = rate(reports, "imaging", args.seconds)
    scan_cpu_rate = scan_rate(assessments, args.seconds)
    result = {
        "benchmark": "reading",
        "assessments_per_second": round(a_rate),
        "reports_per_second": round(r_rate),
        "assessments_per_cpu_second": round(a_cpu_rate),
        "reports_per_cpu_second": round(r_cpu_rate),
        "microseconds_per_assessment": round(1e6 / a_rate, 1),
        "assessment_chars": {"min": min(lengths), "max": max(lengths), "mean": round(sum(lengths) / len(lengths))},
        "distinct_assessments": len(assessments),
        "distinct_reports": len(reports),
        "findings_per_assessment": round(a_findings / a_docs, 2),
        "findings_per_report": round(r_findings / r_docs, 2),
        "scan_alone_assessments_per_cpu_second": round(scan_cpu_rate),
        "target_assessments_per_second": 20000,
        "seconds_per_measurement": args.seconds,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
    }
    print(
        f"assessments: {a_rate:,.0f} docs/s ({1e6 / a_rate:.1f} us each, {result['findings_per_assessment']} "
        f"findings each); imaging reports: {r_rate:,.0f} docs/s  (one core, target >= 20,000 assessments/s)"
    )
    print(
        f"per CPU second: assessments {a_cpu_rate:,.0f} docs/s ({1e6 / a_cpu_rate:.1f} us each), "
        f"imaging reports {r_cpu_rate:,.0f} docs/s; the fused scan alone {scan_cpu_rate:,.0f} assessments "
        f"({1e6 / scan_cpu_rate:.1f} us each)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
