"""events.md and schemas/ say the same: every field the spec's tables name is in the topic's schema, and
every required field of a schema is one the spec names without a `?`."""

from __future__ import annotations

import json
import re

import pytest

from streams import settings

SPEC = settings.REPO_ROOT.parent / "shared" / "spec" / "events.md"
SCHEMAS = settings.REPO_ROOT / "schemas"
COMMON = ["event_id", "event_type", "patient_id", "occurred_at", "schema_version"]

pytestmark = pytest.mark.skipif(not SPEC.exists(), reason="shared/spec/events.md is not beside the repo")


def spec_fields() -> dict[str, tuple[set[str], set[str]]]:
    """topic -> (required fields, optional fields) from the spec's "Topics and types" table."""
    out = {}
    for line in SPEC.read_text().splitlines():
        m = re.match(r"\| `([a-z-]+)` \| `([a-z.]+)` \| (.+) \|$", line)
        if not m:
            continue
        # top-level fields only: drop what is inside parentheses / after a colon of a list description
        extra = re.sub(r"\([^)]*\)", "", m.group(3))
        extra = re.sub(r": list of `\{[^}]*\}`", "", extra)
        extra = re.sub(r"`\{[^}]*\}`", "", extra)
        names = re.findall(r"`([a-z_]+)`(\??)", extra)
        required = {n for n, q in names if not q} | set(COMMON)
        optional = {n for n, q in names if q}
        out[m.group(1)] = (required, optional)
    return out


FIELDS = spec_fields() if SPEC.exists() else {}


def test_spec_tables_were_read() -> None:
    assert set(FIELDS) == {"encounter-signed", "imaging-resulted", "prior-auth-requested", "claim-submitted"}


@pytest.mark.parametrize("topic", sorted(FIELDS))
def test_schema_matches_spec(topic: str) -> None:
    schema = json.loads((SCHEMAS / f"{topic}.schema.json").read_text())
    required, optional = FIELDS[topic]
    assert set(schema["required"]) == required
    assert required | optional <= set(schema["properties"])
