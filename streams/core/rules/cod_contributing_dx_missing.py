"""COD-CONTRIBUTING-DX-MISSING: the assessment documents radiculopathy, sciatica, lumbar disc displacement
or degeneration, spondylosis or stenosis, and no code of that family is on the encounter.

Families (rules.md): radiculopathy M54.1-, sciatica M54.3-/M54.4-, disc displacement M51.2-, disc
degeneration M51.3-, spondylosis M47.81-, stenosis M48.06-. Suggests the family's codes the text supports
(lumbar vs lumbosacral, side), read from the official descriptions; lumbosacral stenosis is M48.07, which
also counts as coded. Sciatica on an M54.5x visit is left to COD-SCIATICA-SPECIFICITY, which says more.
Without a stated level, an LBP visit's codes are the lumbar ones.

Combination codes: a condition coded inside another code is coded. Spondylosis with radiculopathy or
myelopathy (M47.2-, M47.1-) codes spondylosis, and a disc disorder with radiculopathy (M51.1-) codes the
disc. Beyond these, ICD-10-CM's Excludes1 notes decide: when every code the family would suggest is
excluded by a code already on the visit, the note sends the condition there (radiculopathy with a lumbar
disc disorder is M51.1-, not M54.1-), so nothing is suggested that COD-EXCLUDES1-CONFLICT would then flag.
When the suggestion is excluded only by the visit's LBP code (lumbago due to disc displacement is M51.2-,
not M54.50 with M51.2-), the message says that the suggested code takes the LBP code's place.

Radiculopathy documented with a lumbar disc disorder is one code, M51.1- (ICD-10-CM's "with" convention
presumes the link): suggested in place of M54.1- and M51.2-/M51.3-, and of such a disc code already on the
visit. Likewise spondylosis documented with radiculopathy is M47.2- (in place of M54.1- and M47.81-, whose
title says "without myelopathy or radiculopathy"), and with affirmed myelopathy M47.1-; a radiculopathy
that belongs to a disc (M51.1-) stays there. Both parts already coded apart (M54.16 with M51.26 or M47.816)
are asked to be combined only when the radiculopathy's sentence ties them ("due to", "secondary to",
"with") and says nothing against it (`_coded_apart`), and only for lumbar-region codes: M54.12 and M47.812
are the neck's.

Sciatica its sentence ties to a lumbar disc herniation ("left sciatica due to L5-S1 disc herniation") is
M51.1- too (M51.1 includes "sciatica due to intervertebral disc disorder"; M54.4 Excludes1 "lumbago with
sciatica due to intervertebral disc disorder"): suggested in place of the visit's M54.5x or M54.4- and of
an M51.2- of the same region, at the level of the herniation named (_common.sciatica_from_disc; no bulge,
no hedged, denied or past link; COD-SCIATICA-SPECIFICITY then leaves the visit to this rule).

Within a family the official descriptions pick the code the text supports: stenosis with neurogenic
claudication only when the sentence says so; disc degeneration "with lower extremity pain" when sciatica is
documented, else "without mention of" pain; "with discogenic back pain" only when the sentence that documents
the degeneration calls the pain discogenic ("Discogenic low back pain from L4-5 degenerative disc disease"; see
_common.disc_pain_wording for what does not count): a causal link the provider must state, coders may not
infer it from the disc on the MRI. A sacral level (an S1 root) is lumbosacral; a thoracolumbar one has codes
of its own (M54.15, M51.25, M51.35, M47.815, M48.05).
"""

from __future__ import annotations

import re

from streams.core import codes
from streams.core.alerts import Verdict
from streams.core.chart import Chart, family_codes
from streams.core.rules._common import (
    RADICULOPATHY_FROM_DISC,
    RADICULOPATHY_FROM_SPONDYLOSIS,
    affirmed,
    disc_pain_wording,
    excludes,
    finding_evidence,
    sciatica_from_disc,
    tied,
)
from streams.core.state import EncounterRecord, Noted, Raised

RULE_ID = "COD-CONTRIBUTING-DX-MISSING"
SUBJECT = "encounter"

# finding -> (family prefixes that code it, the prefix to suggest from, words for the message)
FAMILIES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "radiculopathy": (("M54.1",), "M54.1", "radiculopathy"),
    "sciatica": (("M54.3", "M54.4"), "M54.3", "sciatica"),
    "disc_herniation": (("M51.2", "M51.1"), "M51.2", "lumbar disc displacement"),
    "disc_degeneration": (("M51.3", "M51.1"), "M51.3", "lumbar disc degeneration"),
    "spondylosis": (("M47.81", "M47.1", "M47.2"), "M47.81", "spondylosis"),
    "stenosis": (("M48.05", "M48.06", "M48.07"), "M48.06", "spinal stenosis"),
}
# a stated level that has a family of its own (M48.07 "Spinal stenosis, lumbosacral region" is not in M48.06-)
LEVEL_PREFIX = {("stenosis", "lumbosacral"): "M48.07", ("stenosis", "thoracolumbar"): "M48.05"}
DISC_KEYS = ("disc_herniation", "disc_degeneration")
LUMBAR_RADICULOPATHY = ("M54.15", "M54.16", "M54.17")  # thoracolumbar, lumbar, lumbosacral
LUMBAR_SPONDYLOSIS = ("M47.815", "M47.816", "M47.817")  # M47.812 is the neck's
DISC_WITH_RADICULOPATHY = "M51.1"  # "Intervertebral disc disorders with radiculopathy"
SPONDYLOSIS_WITH_RADICULOPATHY = "M47.2"  # "Other spondylosis with radiculopathy"
SPONDYLOSIS_WITH_MYELOPATHY = "M47.1"  # "Other spondylosis with myelopathy"
COMBINATION_NAMES = {
    "disc_radiculopathy": "a lumbar disc disorder with radiculopathy",
    "disc_sciatica": "sciatica due to a lumbar disc disorder",
    "spondylosis_radiculopathy": "spondylosis with radiculopathy",
    "spondylosis_myelopathy": "spondylosis with myelopathy",
}
# what each combination code stands in place of, when already on the visit
COMBINED_FAMILIES = {
    "disc_radiculopathy": (*(FAMILIES[k][1] for k in DISC_KEYS), *LUMBAR_RADICULOPATHY),
    # lumbago with sciatica due to the disc is M51.1- alone (M54.4 Excludes1 M51.1-): the LBP code too
    "disc_sciatica": ("M51.2", "M54.3", "M54.4", "M54.5"),  # an M51.2- of the same region only (check)
    "spondylosis_radiculopathy": (*LUMBAR_SPONDYLOSIS, *LUMBAR_RADICULOPATHY),
    "spondylosis_myelopathy": LUMBAR_SPONDYLOSIS,
}


def _coded_apart(enc: EncounterRecord, cause: re.Pattern[str]) -> bool:
    """A documented radiculopathy already coded apart (M54.15-M54.17 on the visit) whose sentence ties it to
    the disc or spondylosis (`cause`, _common.tied)."""
    n = enc.documents("radiculopathy")
    if n is None or not any(c.startswith(LUMBAR_RADICULOPATHY) for c in enc.codes):
        return False
    return tied(n.sentence, cause)


_CLAUDICATION = re.compile(r"\bclaudication\b")
_MYELOPATHY = re.compile(r"\bmyelopath\w*")


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


def _level(n: Noted | None) -> str:
    """The region to code: as stated (a sacral one is lumbosacral: an S1 root, an L5-S1 disc; thoracolumbar
    has codes of its own, M54.15, M51.25, M47.815, M48.05), else lumbar."""
    if n is not None and n.level == "sacral":
        return "lumbosacral"
    return n.level if n is not None and n.level in ("lumbar", "lumbosacral", "thoracolumbar") else "lumbar"


def gaps(enc: EncounterRecord) -> list[tuple[str, tuple[str, ...], Noted | None]]:
    """(finding, codes to suggest, its note) for each missing family that no combination code on the visit
    already carries (see the module docstring); the keys "disc_radiculopathy" (M51.1-),
    "spondylosis_radiculopathy" (M47.2-) and "spondylosis_myelopathy" (M47.1-) for the combination codes."""
    out = []
    others = [c for c in enc.codes if c != enc.lbp_code]
    keys = missing(enc)
    disc = next((n for k in DISC_KEYS if (n := enc.documents(k)) is not None), None)
    disc_combined = any(c.startswith(DISC_WITH_RADICULOPATHY) for c in enc.codes)
    if (
        disc is not None
        and not disc_combined
        and ("radiculopathy" in keys or _coded_apart(enc, RADICULOPATHY_FROM_DISC))
    ):
        n, alone = _family(enc, "radiculopathy")
        if not _excluded_by(alone, others):
            level = _level(disc) if disc.level else _level(n)
            combination = family_codes(DISC_WITH_RADICULOPATHY, enc.date_of_service, level=level)
            out.append(("disc_radiculopathy", combination, n))
            keys = [k for k in keys if k != "radiculopathy" and k not in DISC_KEYS]
    tied_sciatica = sciatica_from_disc(enc) if not disc_combined and not out else None
    if disc is not None and tied_sciatica is not None:  # "left sciatica due to L5-S1 disc herniation": M51.17
        sciatica, region = tied_sciatica
        level = region or (_level(disc) if disc.level else _level(sciatica))
        out.append(("disc_sciatica", family_codes(DISC_WITH_RADICULOPATHY, enc.date_of_service, level=level), sciatica))
        keys = [k for k in keys if k != "sciatica" and k not in DISC_KEYS]
    spondylosis = enc.documents("spondylosis")
    radiculopathy = enc.documents("radiculopathy")
    if spondylosis is not None and not any(c.startswith(("M47.1", "M47.2")) for c in enc.codes):
        # spondylosis with radiculopathy (M47.2-) or myelopathy (M47.1-) is one code (the "with" convention):
        # M47.81- reads "without myelopathy or radiculopathy", and M54.1 Excludes1 M47.2-
        level = _level(spondylosis)
        on = enc.date_of_service
        # the radiculopathy already belongs to a disc (suggested as M51.1- above, or coded so)
        consumed = any(k == "disc_radiculopathy" for k, _, _ in out) or any(c.startswith("M51.1") for c in enc.codes)
        if (
            radiculopathy is not None
            and not consumed
            and ("radiculopathy" in keys or "spondylosis" in keys or _coded_apart(enc, RADICULOPATHY_FROM_SPONDYLOSIS))
        ):
            out.append(
                (
                    "spondylosis_radiculopathy",
                    family_codes(SPONDYLOSIS_WITH_RADICULOPATHY, on, level=level),
                    radiculopathy,
                )
            )
            keys = [k for k in keys if k not in ("radiculopathy", "spondylosis")]
        elif "spondylosis" in keys and affirmed(_MYELOPATHY, spondylosis.sentence):
            out.append(
                ("spondylosis_myelopathy", family_codes(SPONDYLOSIS_WITH_MYELOPATHY, on, level=level), spondylosis)
            )
            keys = [k for k in keys if k != "spondylosis"]
    for key in keys:
        n, suggested = _family(enc, key)
        if _excluded_by(suggested, others):
            continue  # coded inside another code on the visit
        out.append((key, _supported(key, suggested, enc, n), n))
    return out


def _family(enc: EncounterRecord, key: str) -> tuple[Noted | None, tuple[str, ...]]:
    """The finding's note and its family's codes at the stated level and side."""
    n = enc.documents(key)
    level = _level(n)
    prefix = LEVEL_PREFIX.get((key, level), FAMILIES[key][1])
    return n, family_codes(prefix, enc.date_of_service, level=level, side=n.side if n else None)


def _excluded_by(suggested: tuple[str, ...], others: list[str]) -> bool:
    """Some code on the visit excludes every suggestion: the note sends the condition there."""
    return bool(suggested) and any(all(excludes(o, c) for c in suggested) for o in others)


def _supported(key: str, suggested: tuple[str, ...], enc: EncounterRecord, n: Noted | None) -> tuple[str, ...]:
    """The family's codes narrowed by what their official descriptions say and the text supports."""
    if key == "stenosis":
        want = "with" if n is not None and _claudication_affirmed(n.sentence) else "without"
        want += " neurogenic claudication"
    elif key == "disc_degeneration":
        want = disc_pain_wording(enc)
    else:
        return suggested
    idx = codes.index()
    picked = tuple(c for c in suggested if want in (idx.description(c, enc.date_of_service) or "").lower())
    return picked or suggested


def _claudication_affirmed(sentence: str) -> bool:
    """The sentence affirms claudication of the patient, read by the reader's own ConText triggers: "without
    neurogenic claudication", "claudication is absent", "possible claudication" are not claudication."""
    return affirmed(_CLAUDICATION, sentence)


def check(chart: Chart, enc: EncounterRecord) -> Verdict | None:
    if enc.lbp_code is None:
        return None
    found = gaps(enc)
    if not found:
        return None
    suggested = tuple(dict.fromkeys(c for _, picked, _ in found for c in picked))
    names = ", ".join(COMBINATION_NAMES.get(k) or FAMILIES[k][2] for k, _, _ in found)
    replacing = [c for c in suggested if excludes(enc.lbp_code, c)]
    key, combination = next(((k, picked) for k, picked, _ in found if k in COMBINATION_NAMES), ("", ()))
    combined = [c for c in enc.codes if key and c.startswith(COMBINED_FAMILIES[key])]
    if key == "disc_sciatica":  # M51.27 goes into M51.17; an M51.26 is another disc, at another level
        combined = [c for c in combined if not c.startswith("M51.2") or c[-1:] in {m[-1:] for m in combination}]
    rest = [c for c in combined if c != enc.lbp_code]
    if replacing and combination and rest:  # "in place of M54.41 (Excludes1)" alone left M54.16, M51.26
        advice = (
            f"code {' or '.join(replacing)} in place of {enc.lbp_code} (Excludes1) and of {', '.join(rest)} "
            "(one code for both)"
        )
    elif replacing:
        advice = f"code {' or '.join(replacing)} in place of {enc.lbp_code} (Excludes1)"
    elif combination and combined:
        advice = f"code {' or '.join(combination)} in place of {', '.join(combined)} (one code for both)"
    elif combination:
        advice = f"code {' or '.join(combination)}, one code for both"
    else:
        advice = "add the most specific code the note supports"
    return Verdict(
        rule_id=RULE_ID,
        severity="warning",
        subject_type=SUBJECT,
        subject_id=enc.encounter_id,
        codes=tuple(enc.codes),
        suggested_codes=suggested,
        evidence=tuple(finding_evidence(enc, n) for _, _, n in found if n is not None),
        message=f"The assessment of {enc.date_of_service} documents {names}, but no code for it is on the visit; "
        f"{advice}.",
    )


def superseded_by(raised: Raised, later: EncounterRecord) -> bool:
    return later.lbp_code is not None and not gaps(later)
