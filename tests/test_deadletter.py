"""Dead-letter records stay under the broker's 1 MB record limit whatever the input's key and value."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import orjson

from streams.core.deadletter import MAX_KEY, dead_letter

SCHEMA = json.loads((Path(__file__).parent.parent / "schemas" / "dead-letter.schema.json").read_text())


def test_a_huge_key_is_cut_with_its_size_and_hash() -> None:
    """A legal Kafka record with a 760 KB key and a large value: its dead letter must still be sendable, or
    the send fails on every redelivery of that record."""
    key, value = b"k" * 760_000, b"v" * 900_000
    record = dead_letter(value, "schema", "record key: expected the event's patient_id", topic="t", key=key)
    assert len(orjson.dumps(record)) < 1_000_000
    assert record["key_truncated"] is True and record["key_size"] == len(key)
    assert record["key_sha256"] == hashlib.sha256(key).hexdigest()
    assert set(record) <= set(SCHEMA["properties"])


def test_an_ordinary_key_is_kept_whole() -> None:
    record = dead_letter(b"{}", "schema", "x", topic="t", key=b"pat-1" * (MAX_KEY // 5))
    assert "key_truncated" not in record
