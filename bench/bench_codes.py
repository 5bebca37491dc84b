"""Benchmark the code index: build, cold load, memory, lookups. Prints a table, writes bench/results/codes.json.

Run: `.venv/bin/python bench/bench_codes.py` (builds into a temporary CACHE_DIR, so the repo cache is untouched).
Each load is measured in a fresh interpreter so import and first-use costs count, as in a starting worker.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from streams import settings  # noqa: E402
from streams.core.codes import _build, load_index  # noqa: E402

_CHILD = """
import sys, time, tracemalloc
from pathlib import Path
t0 = time.perf_counter()
from streams.core.codes import load_index
t1 = time.perf_counter()
if sys.argv[3] == "mem":
    tracemalloc.start()
ix = load_index(Path(sys.argv[1]), Path(sys.argv[2]))
t2 = time.perf_counter()
mem = tracemalloc.get_traced_memory()[0] if sys.argv[3] == "mem" else 0
print(t1 - t0, t2 - t1, mem, "simple_icd_10_cm" in sys.modules)
"""


def _child(icd_dir: Path, cache_dir: Path, mode: str) -> tuple[float, float, int, bool]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(icd_dir), str(cache_dir), mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), out[3] == "True"


def _per_call_us(fn, number: int) -> float:
    """Best of 5 repeats, in microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> int:
    icd_dir = settings.ICD10CM_DIR
    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "icd10cm_dir": str(icd_dir),
    }
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        t = time.perf_counter()
        key = _build.cache_key(icd_dir)
        results["hash_s"] = time.perf_counter() - t
        t = time.perf_counter()
        ix = load_index(icd_dir, cache_dir)  # builds (includes importing simple_icd_10_cm)
        results["build_s"] = time.perf_counter() - t
        assert ix.path is not None and ix.key == key
        results["cache_file_bytes"] = ix.path.stat().st_size
        results["codes"] = len(ix)

        loads = [_child(icd_dir, cache_dir, "time") for _ in range(5)]
        results["import_s"] = statistics.median(x[0] for x in loads)
        results["load_s"] = statistics.median(x[1] for x in loads)
        results["load_imports_simple_icd_10_cm"] = any(x[3] for x in loads)
        results["loaded_index_bytes"] = _child(icd_dir, cache_dir, "mem")[2]

        tracemalloc.start()
        ix = load_index(icd_dir, cache_dir)
        results["loaded_index_bytes_in_process"] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()

    on = date(2021, 10, 1)
    ix.excludes1_conflict("M54.50", "M54.41")
    results["lookup_us"] = {
        "normalize": _per_call_us(lambda: __import__("streams.core.codes").core.codes.normalize("m5450"), 100_000),
        "is_billable": _per_call_us(lambda: ix.is_billable("M54.50", on), 100_000),
        "is_billable_unknown": _per_call_us(lambda: ix.is_billable("Z99.999", on), 100_000),
        "ever_existed": _per_call_us(lambda: ix.ever_existed("M54.5"), 100_000),
        "is_unspecified": _per_call_us(lambda: ix.is_unspecified("M54.50", on), 100_000),
        "description": _per_call_us(lambda: ix.description("M54.5", on), 100_000),
        "billable_descendants": _per_call_us(lambda: ix.billable_descendants("M54.5", on), 20_000),
        "status": _per_call_us(lambda: ix.status("M54.5", on), 20_000),
        "status_describe": _per_call_us(lambda: ix.status("M54.5", on).describe(), 20_000),
        "excludes1_cached_pair": _per_call_us(lambda: ix.excludes1_conflict("M54.50", "M54.41"), 100_000),
        "excludes1_uncached": _per_call_us(
            lambda: ix._excludes1_pair.__wrapped__(ix, "M5450", "M5416"),  # type: ignore[attr-defined]
            20_000,
        ),
    }

    rows = [
        ("codes in index (FY2016-FY2026)", f"{results['codes']:,}"),
        ("cache file", f"{results['cache_file_bytes'] / 1e6:.1f} MB"),
        ("SHA-256 of the 11 zips", f"{results['hash_s'] * 1e3:.0f} ms"),
        ("build (parse zips + tabular)", f"{results['build_s']:.2f} s"),
        ("import streams.core.codes", f"{results['import_s'] * 1e3:.0f} ms"),
        ("load from cache (incl. hash), median of 5", f"{results['load_s'] * 1e3:.0f} ms"),
        ("load imports simple_icd_10_cm?", str(results["load_imports_simple_icd_10_cm"])),
        ("memory of loaded index (tracemalloc)", f"{results['loaded_index_bytes'] / 1e6:.1f} MB"),
    ]
    rows += [(f"lookup: {name}", f"{us:.2f} us") for name, us in results["lookup_us"].items()]  # type: ignore[union-attr]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>12}")
    out = REPO / "bench" / "results" / "codes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
