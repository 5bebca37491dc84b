"""Dead-letter records: every input that could not be processed, with its original bytes and the reason.

Nothing is dropped silently: the Faust agents send these to `dead-letter`, `replay` writes them to its
dead-letter output. The reason names the field and what was expected (see events.BadInput).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

# The dead letter carries the original in base64 (4/3 larger) and must stay under the broker's 1 MB
# record limit, or the dead-letter send itself fails: above this size only the first bytes are kept,
# with the original's size and SHA-256.
MAX_ORIGINAL = 256 * 1024


def dead_letter(
    raw: bytes,
    error_class: str,
    error: str,
    *,
    topic: str,
    key: bytes | None = None,
    partition: int | None = None,
    offset: int | None = None,
    line: int | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "original": base64.b64encode(raw[:MAX_ORIGINAL]).decode(),
        "key": base64.b64encode(key).decode() if key is not None else None,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "error_class": error_class,
        "error": error,
    }
    if len(raw) > MAX_ORIGINAL:
        record["original_truncated"] = True
        record["original_size"] = len(raw)
        record["original_sha256"] = hashlib.sha256(raw).hexdigest()
    if line is not None:
        record["line"] = line
    return record
