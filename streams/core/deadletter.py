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
# A Kafka key may be as large as the value: a patient id is a few dozen bytes, so above this only the first
# bytes are kept, with the key's size and SHA-256 (a 760 KB key made a dead letter over the 1 MB limit,
# whose send failed on every redelivery).
MAX_KEY = 1024


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
        "key": base64.b64encode(key[:MAX_KEY]).decode() if key is not None else None,
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
    if key is not None and len(key) > MAX_KEY:
        record["key_truncated"] = True
        record["key_size"] = len(key)
        record["key_sha256"] = hashlib.sha256(key).hexdigest()
    if line is not None:
        record["line"] = line
    return record
