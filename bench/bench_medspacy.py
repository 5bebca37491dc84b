"""Our documentation reader beside medspaCy's ConText pipeline: assessments read per second, same run.

Why: to put the reader's figure next to the usual open-source clinical ConText tool's, on the same texts.
medspaCy is not a dependency of the project: run this from a venv with medspacy installed and put nothing
into .venv, e.g.

    python3 -m venv /tmp/medspacy-venv && /tmp/medspacy-venv/bin/pip install medspacy==1.3.1
    /tmp/medspacy-venv/bin/python bench/bench_medspacy.py [--seconds 3] [--rounds 3]

(medspacy 1.3.1 requires spacy<3.8 on Python 3.11: pip picks spacy 3.7.5.)

The reader needs only the standard library, so this file puts the repository on sys.path. Both sides read
`bench_reading.corpus()`'s 30 assessments in alternating rounds (wall clock and process CPU time, median
of the rounds). medspaCy is `medspacy.load()` (blank English: medspaCy tokenizer, PyRuSH sentences, target
matcher, ConText with its bundled English rules as shipped; no model is loaded or downloaded), and the same
with spaCy's rule sentencizer in place of PyRuSH. Its TargetRules are a short list of the reader's
vocabulary, named by the reader's keys: the two do comparable work, not identical work (the reader also
reports durations, vertebral links, side and level). PyRuSH logs every sentence at DEBUG through loguru;
that is switched off here. Exits 2 if medspacy is not importable.
Prints a table and writes bench/results/medspacy.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_reading import corpus  # noqa: E402
from streams.core.reading import read  # noqa: E402

# The reader's key: the phrases medspaCy looks for (case-insensitive; of overlapping matches the longest is kept).
# spondylolisthesis has no reader key, and the corpus never says it.
VOCABULARY = """
radiculopathy: radiculopathy, radiculitis, radicular, radicular pain, radicular symptoms
sciatica: sciatica
stenosis: stenosis, spinal stenosis, foraminal stenosis, foraminal narrowing, canal stenosis
disc_herniation: disc herniation, herniated disc, herniation, disc protrusion, disc extrusion, protrusion, extrusion
disc_degeneration: degenerative disc disease, disc degeneration, disc desiccation, ddd
modic_change: modic, modic changes, modic endplate changes
endplate_degeneration: endplate changes, endplate degeneration, endplate edema, degenerative endplate changes
fracture: fracture, fractures, compression fracture
low_back_pain: low back pain, lumbago, lbp, lumbar pain
spondylosis: facet arthropathy, spondylosis
spondylolisthesis: spondylolisthesis
myofascial: myofascial
sacroiliac_dysfunction: sacroiliac joint dysfunction
"""
# medspaCy ConText's flags, first true one wins, as the reader's statuses (the reader's "family" is its experiencer)
FLAGS = {"is_family": "family", "is_negated": "negated", "is_hypothetical": "hypothetical"}
FLAGS |= {"is_uncertain": "hypothetical", "is_historical": "historical"}
RULES = {key: phrases.split(", ") for key, phrases in (line.split(": ") for line in VOCABULARY.strip().splitlines())}


def medspacy_pipelines() -> dict[str, Callable[[str], Any]]:
    """medspacy.load() as shipped, and with spaCy's rule sentencizer instead of PyRuSH."""
    import medspacy
    from loguru import logger
    from medspacy.target_matcher import TargetRule

    logger.disable("PyRuSH")
    rules = [TargetRule(phrase, key) for key, phrases in RULES.items() for phrase in phrases]
    default = medspacy.load()
    light = medspacy.load(medspacy_enable=["medspacy_tokenizer", "medspacy_target_matcher", "medspacy_context"])
    light.add_pipe("sentencizer", first=True)
    for nlp in (default, light):
        nlp.get_pipe("medspacy_target_matcher").add(rules)
    return {"medspaCy load()": default, "medspaCy + spaCy sentencizer": light}


def rate(fn: Callable[[str], Any], texts: list[str], seconds: float) -> tuple[float, float]:
    """Documents per wall-clock second and per CPU second over at least `seconds`."""
    docs, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        for text in texts:
            fn(text)
        docs += len(texts)
        now = time.perf_counter()
        if now >= start + seconds:
            return docs / (now - start), docs / (time.process_time() - cpu_start)


def found_in(name: str, fn: Callable[[str], Any], text: str) -> list[tuple[str, str]]:
    """(key, status) per finding; medspaCy's ConText flags mapped onto the reader's statuses, plus family."""
    if name == "reader":
        return [(f.finding, f.status if f.experiencer == "patient" else "family") for f in fn(text)]
    return [(ent.label_, next((s for f, s in FLAGS.items() if getattr(ent._, f)), "affirmed")) for ent in fn(text).ents]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "medspacy.json")
    args = parser.parse_args(argv)
    try:
        import medspacy
        import spacy
    except ImportError:
        print(
            "medspacy is not importable. Make a separate venv (never the project's .venv):\n  python3 -m venv "
            "/tmp/medspacy-venv && /tmp/medspacy-venv/bin/pip install medspacy==1.3.1\n  /tmp/medspacy-venv/bin/python "
            "bench/bench_medspacy.py",
            file=sys.stderr,
        )
        return 2

    texts, _ = corpus()
    systems: dict[str, Callable[[str], Any]] = {"reader": lambda text: read(text, "assessment")}
    systems.update(medspacy_pipelines())
    rows: dict[str, dict[str, Any]] = {}
    for name, fn in systems.items():  # what each side finds, once (this also warms it up)
        found = [pair for text in texts for pair in found_in(name, fn, text)]
        shared = [(key, status) for key, status in found if key in RULES]
        rows[name] = {"findings_per_doc": round(len(shared) / len(texts), 2)}
        rows[name] |= {"findings_per_doc_all_keys": round(len(found) / len(texts), 2)}
        rows[name] |= {"by_status": dict(sorted(Counter(status for _, status in shared).items()))}
        rows[name] |= {"by_key": dict(sorted(Counter(key for key, _ in found).items()))}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in systems}
    for r in range(args.rounds):  # alternate the order so drift on a shared machine hits both sides
        for name in list(systems)[:: 1 if r % 2 == 0 else -1]:
            runs[name].append(rate(systems[name], texts, args.seconds))
    for name, measured in runs.items():
        wall, cpu = (statistics.median(m) for m in zip(*measured, strict=True))
        rows[name] |= {"docs_per_second": round(wall, 1), "docs_per_cpu_second": round(cpu, 1)}
        rows[name] |= {"rounds_wall_cpu": [[round(w, 1), round(c, 1)] for w, c in measured]}
    base = rows["reader"]
    print(
        f"{len(texts)} assessments, {sum(map(len, texts)) // len(texts)} chars mean; {args.rounds} alternating"
        f" rounds of {args.seconds:g} s, medians; medspacy {medspacy.__version__}, spacy {spacy.__version__}"
    )
    print(f"{'system':29} {'docs/s':>7} {'CPU docs/s':>10} {'ms/doc':>7} {'reader x (wall, CPU)':>21}  found/doc")
    for name, row in rows.items():
        wall, cpu = (base[k] / row[k] for k in ("docs_per_second", "docs_per_cpu_second"))
        row["reader_speedup"] = {"wall": round(wall, 1), "cpu": round(cpu, 1)}
        print(
            f"{name:29} {row['docs_per_second']:>7,.0f} {row['docs_per_cpu_second']:>10,.0f} "
            f"{1e3 / row['docs_per_second']:>7.2f} {f'{wall:,.1f}, {cpu:,.1f}':>21}  "
            f"{row['findings_per_doc']:<5} {' '.join(f'{k} {n}' for k, n in row['by_status'].items())}"
        )
    print(
        f"found/doc and statuses: keys in RULES only (the reader's total, with durations and vertebral links: "
        f"{base['findings_per_doc_all_keys']}); family = not about the patient"
    )
    versions = {"medspacy": medspacy.__version__, "spacy": spacy.__version__, "python": platform.python_version()}
    result = {"benchmark": "medspacy", "assessments": len(texts), "seconds": args.seconds, "rounds": args.rounds}
    result |= {**versions, "machine": platform.machine(), "systems": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
