"""Dead-letter records: every input that could not be processed, with its original bytes and the reason.

Nothing is dropped silently: the Faust agents send these to `dead-letter`, `replay` writes them to its
dead-letter output. The reason names the field and what was expected (see events.BadInput).
"""

from __future__ import annotations

import base64
from typing import Any


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
        "original": base64.b64encode(raw).decode(),
        "key": base64.b64encode(key).decode() if key is not None else None,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "error_class": error_class,
        "error": error,
    }
    if line is not None:
        record["line"] = line
    return record
