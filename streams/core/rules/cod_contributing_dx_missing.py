"""COD-CONTRIBUTING-DX-MISSING: the assessment documents radiculopathy, sciatica, lumbar disc displacement
or degeneration, spondylosis or stenosis, and no code of that family is on the encounter.

Families (rules.md): radiculopathy M54.1-, sciatica M54.3-/M54.4-, disc displacement M51.2-, disc
degeneration M51.3-, spondylosis M47.81-, stenosis M48.06-. Suggests the family's codes the text supports
(lumbar vs lumbosacral, side), read from the official descriptions. Sciatica on an M54.5x visit is left to
COD-SCIATICA-SPECIFICITY, which says more. Without a stated level, an LBP visit's codes are the lumbar ones.
"""

from __future__ import annotations

from streams.core.alerts import Verdict
from streams.core.chart import Chart, family_codes
from streams.core.rules._common import finding_evidence
from streams.core.state import EncounterRecord, Raised

RULE_ID = "COD-CONTRIBUTING-DX-MISSING"
SUBJECT = "encounter"

# finding -> (family prefixes that code it, the prefix to suggest from, words for the message)
FAMILIES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "radiculopathy": (("M54.1",), "M54.1", "radiculopathy"),
    "sciatica": (("M54.3", "M54.4"), "M54.3", "sciatica"),
    "disc_herniation": (("M51.2",), "M51.2", "lumbar disc displacement"),
    "disc_degeneration": (("M51.3",), "M51.3", "lumbar disc degeneration"),
    "spondylosis": (("M47.81",), "M47.81", "spondylosis"),
    "stenosis": (("M48.06",), "M48.06", "lumbar spinal stenosis"),
}


def missing(enc: EncounterRecord) -> list[str]:
    """The documented contributing findings with no code of their family on the encounter."""
    out = []
    documented = {n.key for n in enc.noted}  # enc.documents(key) is not None, for every key at once
    for key, (prefixes, _, _) in FAMILIES.items():
        if key not in documented or any(c.startswith(prefixes) for c in enc.codes):
            continue
        if key == "sciatica" and enc.lbp_code is not None and enc.lbp_code.startswith("M54.5"):
            continue
        out.append(key)
    return out


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code is None:
        return None
    keys = missing(enc)
    if not keys:
        return None
    suggested: list[str] = []
    for key in keys:
        n = enc.documents(key)
        level = n.level if n and n.level in ("lumbar", "lumbosacral") else "lumbar"
        suggested += family_codes(FAMILIES[key][1], enc.date_of_service, level=level, side=n.side if n else None)
    names = ", ".join(FAMILIES[k][2] for k in keys)
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=tuple(enc.codes),
        suggested_codes=tuple(dict.fromkeys(suggested)),
        evidence=tuple(finding_evidence(enc, n) for k in keys if (n := enc.documents(k)) is not None),
        message=f"The assessment of {enc.date_of_service} documents {names}, but no code for it is on the visit; "
        "add the most specific code the note supports.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code is not None and not missing(later)
