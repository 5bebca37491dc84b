"""ICD-10-CM reference data: which code was billable on which date of service, and Excludes1 notes.

Pure: no Kafka, no clock. The only I/O is loading (or, once, building) the cached index from the CMS
order files in `settings.ICD10CM_DIR`. Use `index()` for the process-wide instance.
"""

from __future__ import annotations

from streams.core.codes._build import ReferenceDataError
from streams.core.codes._index import CodeIndex, CodeStatus, excludes1_conflict, index, load_index
from streams.core.codes._shape import (
    COVERED_FROM,
    COVERED_UNTIL,
    FIRST_FY,
    LAST_FY,
    CodeShapeError,
    NotCovered,
    fiscal_year,
    normalize,
    uncovered_advice,
    uncovered_year,
    year_in_force,
)

__all__ = [
    "COVERED_FROM",
    "COVERED_UNTIL",
    "FIRST_FY",
    "LAST_FY",
    "CodeIndex",
    "CodeShapeError",
    "CodeStatus",
    "NotCovered",
    "ReferenceDataError",
    "excludes1_conflict",
    "fiscal_year",
    "index",
    "load_index",
    "normalize",
    "uncovered_advice",
    "uncovered_year",
    "year_in_force",
]
