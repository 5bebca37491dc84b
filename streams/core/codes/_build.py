"""Build the compact index from the CMS order files, and save/load it as one marshal file.

Parsing eleven zips (about 800,000 lines) and loading the tabular package takes seconds; a worker must
start in well under one. So the parsed result is stored under CACHE_DIR as `icd10cm-<key12>.bin`, where
the key is the SHA-256 of the zips' bytes, the index format version and the simple_icd_10_cm version: new
or changed reference files (or a new format) give a new name, and the file is rebuilt on first use.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import itertools
import marshal
import os
import re
import tempfile
import zipfile
from array import array
from pathlib import Path
from typing import Any

from streams.core.codes import _excludes1
from streams.core.codes._shape import FIRST_FY, LAST_FY, YEARS

FORMAT_VERSION = 2
"""Bump when the layout of the stored dict changes; old files are then ignored, not misread."""

_ORDER_NAME = re.compile(r"(?:^|/)icd10cm_order_(\d{4})\.txt$")


class ReferenceDataError(RuntimeError):
    """The CMS files are missing or not as expected; the worker must not run on a partial code set."""


def zip_paths(icd_dir: Path) -> dict[int, Path]:
    """The order-file zip of each covered fiscal year; all of FY2016..FY2026 must be present."""
    paths = {fy: icd_dir / f"cms_{fy}_dx.zip" for fy in YEARS}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise ReferenceDataError(
            f"ICD-10-CM reference files missing in {icd_dir}: {', '.join(missing)} "
            f"(expected cms_<FY>_dx.zip for FY{FIRST_FY}-FY{LAST_FY}; set STREAMS_ICD10CM_DIR)"
        )
    return paths


def cache_key(icd_dir: Path) -> str:
    """SHA-256 over the zips' bytes, the format version and the Excludes1 source version (~30 ms)."""
    digest = hashlib.sha256(f"icd10cm-index:{FORMAT_VERSION}".encode())
    digest.update(importlib.metadata.version("simple_icd_10_cm").encode())
    for fy, path in zip_paths(icd_dir).items():
        digest.update(f"|{fy}|".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"icd10cm-{key[:12]}.bin"


def read_order_file(path: Path, fy: int) -> list[tuple[str, bool, str]]:
    """(undotted code, billable, long description) for each line of the year's order file."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if (m := _ORDER_NAME.search(n)) and int(m.group(1)) == fy]
        if len(names) != 1:
            raise ReferenceDataError(f"{path.name}: expected one icd10cm_order_{fy}.txt, found {len(names)}")
        raw = archive.read(names[0])
    rows = []
    for line in raw.decode("latin-1").splitlines():
        if len(line) < 16:
            if line.strip():
                raise ReferenceDataError(f"{path.name}: unexpected short line")
            continue
        # order number (5), space, code (7), space, billable flag, space, short (60), space, long
        code = line[6:13].rstrip()
        flag = line[14]
        if flag not in "01" or not code:
            raise ReferenceDataError(f"{path.name}: unexpected line layout near code {code!r}")
        rows.append((code, flag == "1", line[77:].strip()))
    if not rows:
        raise ReferenceDataError(f"{path.name}: order file is empty")
    return rows


def build(icd_dir: Path) -> dict[str, Any]:
    """Parse every year and the Excludes1 notes into the stored layout (see `CodeIndex` for reading it)."""
    present: dict[str, int] = {}
    billable: dict[str, int] = {}
    history: dict[str, list[tuple[int, str]]] = {}
    for fy, path in zip_paths(icd_dir).items():
        bit = 1 << (fy - FIRST_FY)
        for code, is_billable, desc in read_order_file(path, fy):
            present[code] = present.get(code, 0) | bit
            if is_billable:
                billable[code] = billable.get(code, 0) | bit
            changes = history.setdefault(code, [])
            if not changes or changes[-1][1] != desc:
                changes.append((fy, desc))
    codes = sorted(present)
    texts: list[str] = []
    text_pos: dict[str, int] = {}

    def text_index(text: str) -> int:
        idx = text_pos.setdefault(text, len(texts))
        if idx == len(texts):
            texts.append(text)
        return idx

    latest = array("I")
    changed: dict[int, tuple[tuple[int, int], ...]] = {}
    for pos, code in enumerate(codes):
        changes = history[code]
        latest.append(text_index(changes[-1][1]))
        if len(changes) > 1:
            changed[pos] = tuple((fy, text_index(desc)) for fy, desc in changes)
    return {
        "format": FORMAT_VERSION,
        "years": (FIRST_FY, LAST_FY),
        "codes": codes,
        "present": array("H", (present[c] for c in codes)).tobytes(),
        "billable": array("H", (billable.get(c, 0) for c in codes)).tobytes(),
        # descriptions as one string plus offsets: ~100,000 small str objects would cost ~5 MB more
        "text_blob": "".join(texts),
        "text_offsets": array("I", itertools.accumulate((len(t) for t in texts), initial=0)).tobytes(),
        "latest": latest.tobytes(),
        "changed": changed,
        "excludes1": _excludes1.build_table(),
    }


def save(data: dict[str, Any], path: Path) -> None:
    """Write atomically (temp file + rename) so concurrent workers never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(data, fh)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; other users' workers may share the cache
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> dict[str, Any] | None:
    """The stored dict, or None when the file is missing, unreadable or of another format."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    return data
