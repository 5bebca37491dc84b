"""Unit tests of the documentation reader: seed phrases, splitting, sections, modifiers, the `read` command."""

from __future__ import annotations

import argparse
import io
import sys
from types import SimpleNamespace

import orjson
import pytest

from streams.commands import read as read_command
from streams.core.reading import Finding, duration_key, read
from streams.core.reading.sentences import split


def pairs(text: str, section: str = "assessment") -> set[tuple[str, str]]:
    return {(f.finding, f.status) for f in read(text, section)}


def one(text: str, key: str, section: str = "assessment") -> Finding:
    found = [f for f in read(text, section) if f.finding == key]
    assert len(found) == 1, found
    return found[0]


# --- seed phrases (the brief and rules.md) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no evidence of radiculopathy", {("radiculopathy", "negated")}),
        ("possible S1 radiculopathy", {("radiculopathy", "hypothetical")}),
        ("history of L4-5 fusion", set()),
        ("history of L4-5 disc herniation", {("disc_herniation", "historical")}),
        ("Modic changes absent", {("modic_change", "negated")}),
        (
            "low back pain secondary to vertebral endplate degeneration",
            {("low_back_pain", "affirmed"), ("vertebral_link", "affirmed"), ("endplate_degeneration", "affirmed")},
        ),
        ("vertebrogenic lumbar pain confirmed on MRI", {("vertebral_link", "affirmed"), ("low_back_pain", "affirmed")}),
        (
            "pain attributed to Modic type 1 changes at L4-L5",
            {("vertebral_link", "affirmed"), ("modic_change", "affirmed")},
        ),
        ("if MRI shows Modic changes, consider basivertebral nerve ablation", {("modic_change", "hypothetical")}),
        ("low back pain, but no radiculopathy", {("low_back_pain", "affirmed"), ("radiculopathy", "negated")}),
        (
            "no evidence of radiculopathy, stenosis or fracture",
            {("radiculopathy", "negated"), ("stenosis", "negated"), ("fracture", "negated")},
        ),
        ("Denies sciatica.", {("sciatica", "negated")}),
        ("Radiculopathy was ruled out.", {("radiculopathy", "negated")}),
        ("Spinal stenosis is not seen.", {("stenosis", "negated")}),
        ("Free of fracture.", {("fracture", "negated")}),
        ("Negative for radiculopathy.", {("radiculopathy", "negated")}),
        ("Rule out disc herniation.", {("disc_herniation", "hypothetical")}),
        ("R/O lumbar radiculopathy.", {("radiculopathy", "hypothetical")}),
        ("Suspected compression fracture.", {("fracture", "hypothetical")}),
        ("Findings may represent facet arthropathy.", {("spondylosis", "hypothetical")}),
        ("Cannot exclude disc extrusion.", {("disc_herniation", "hypothetical")}),
        ("A small disc protrusion cannot be excluded.", {("disc_herniation", "hypothetical")}),
        ("Concern for sacroiliitis.", {("sacroiliac_dysfunction", "hypothetical")}),
        ("Questionable myofascial pain.", {("myofascial", "hypothetical")}),
        ("Probable degenerative disc disease.", {("disc_degeneration", "hypothetical")}),
        ("Status post L5-S1 discectomy for HNP.", {("disc_herniation", "historical")}),
        ("s/p compression fracture of L1.", {("fracture", "historical")}),
        ("H/O sciatica.", {("sciatica", "historical")}),
        ("Prior lumbar radiculopathy.", {("radiculopathy", "historical")}),
        ("Low back pain not vertebrogenic.", {("low_back_pain", "affirmed"), ("vertebral_link", "negated")}),
        ("Low back pain, possibly vertebrogenic.", {("low_back_pain", "affirmed"), ("vertebral_link", "hypothetical")}),
        ("No acute distress.", set()),
        ("Aortic stenosis.", set()),
        ("Bulging disc at L4-5.", set()),
        ("Spondylolisthesis at L4-5.", set()),
        ("Lumbar strain.", set()),
        ("Back pain.", set()),
    ],
)
def test_seed_phrases(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Chronic low back pain, vertebrogenic component cannot be excluded.",
            {("duration_chronic", "affirmed"), ("low_back_pain", "affirmed"), ("vertebral_link", "hypothetical")},
        ),
        ("Lumbar radiculopathy, stenosis not excluded.", {("radiculopathy", "affirmed"), ("stenosis", "hypothetical")}),
        # a list still shares the trigger
        ("Fracture, dislocation or subluxation is not seen.", {("fracture", "negated")}),
        (
            "Disc herniation, stenosis and fracture are absent.",
            {(k, "negated") for k in ("disc_herniation", "stenosis", "fracture")},
        ),
    ],
)
def test_a_post_trigger_after_a_comma_takes_its_own_clause(text: str, expected: set[tuple[str, str]]) -> None:
    """Post-triggers reach back over a comma only into a list: before, "cannot be excluded" made the
    chronic low back pain hypothetical too, so COD-DURATION-UNDOCUMENTED fired on a stated duration."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aching pain in the hip and low back.", {("low_back_pain", "affirmed")}),
        ("She reports pain in her shoulders, lower back.", {("low_back_pain", "affirmed")}),
        ("No pain in the knee or lower back today.", {("low_back_pain", "negated")}),
        ("Lower back, right hip and thigh pain.", {("low_back_pain", "affirmed")}),
        ("Low back, neck, and shoulder pain.", {("low_back_pain", "affirmed")}),
        ("Pain in the neck and upper back.", set()),
        ("Pain in the hip and lower extremity.", set()),
        ("Tenderness over the low back, hips and knees.", set()),
    ],
)
def test_low_back_pain_beside_other_parts(text: str, expected: set[tuple[str, str]]) -> None:
    """Pain in one part and the low back, and a list of parts sharing "pain", name low back pain."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Moderate uncovertebral joint arthrosis at C6-7.", {("spondylosis", "affirmed")}),
        ("Mild apophyseal joint arthrosis at L3-4 and L4-5.", {("spondylosis", "affirmed")}),
        ("Zygapophyseal joint arthropathy is noted.", {("spondylosis", "affirmed")}),
        ("Prominent uncovertebral and apophyseal joint arthrosis on the left.", {("spondylosis", "affirmed")}),
        ("Apophyseal joint degeneration.", {("spondylosis", "affirmed")}),  # a prefilter stem of its own
        ("No uncovertebral arthrosis.", {("spondylosis", "negated")}),
        ("Facet and sacroiliac joint syndrome.", {("sacroiliac_dysfunction", "affirmed")}),
        ("Small uncovertebral osteophytes.", set()),
    ],
)
def test_spinal_joint_arthropathy_is_spondylosis(text: str, expected: set[tuple[str, str]]) -> None:
    """Uncovertebral and (zyg)apophyseal (facet) joint arthropathy is spondylosis, as facet arthropathy is."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The spinal canal has been narrowed to 8 mm at C5-6.", {("stenosis", "affirmed")}),
        ("The neural foramina are mildly to moderately narrowed.", {("stenosis", "affirmed")}),
        ("A congenitally narrow spinal canal.", {("stenosis", "affirmed")}),
        ("There is narrowing of the spinal canal at L3-4.", {("stenosis", "affirmed")}),
        ("Severe narrowing of the left neural foramen.", {("stenosis", "affirmed")}),
        ("Narrowing of the foramina at L4-5 and L5-S1.", {("stenosis", "affirmed")}),
        ("Mild narrowing of the right lateral recess.", {("stenosis", "affirmed")}),
        ("No narrowing of the spinal canal.", {("stenosis", "negated")}),
        ("There is narrowing of the disc space at L5-S1.", set()),
        ("Narrowing of the L4-5 disc space.", set()),
        ("Narrowing of the foramen magnum.", set()),
        ("The fragment narrowed the spinal canal.", set()),  # what narrowed it is the finding (a herniation)
        # a vessel's or a valve's, named before or after the word
        ("Aortic stenosis, moderate.", set()),
        ("60% stenosis of the left internal carotid artery.", set()),
        ("Stenosis at the origin of the left subclavian artery.", set()),
        ("Peripheral arterial disease with SFA stenosis and claudication.", set()),
        ("Coronary artery disease with 70% LAD stenosis.", set()),
        ("Bilateral ICA stenosis, asymptomatic.", set()),
        ("Subclavian stenosis.", set()),
        ("Ureteral stenosis with stent.", set()),
        ("Central canal moderate stenosis at L4-5.", {("stenosis", "affirmed")}),  # "canal" is no "anal"
        ("Stenosis of the L4-5 foramen.", {("stenosis", "affirmed")}),
        ("Stenosis of the spinal canal at L3-4.", {("stenosis", "affirmed")}),
    ],
)
def test_narrowed_canal_foramen_or_recess_is_stenosis(text: str, expected: set[tuple[str, str]]) -> None:
    """Narrowing of the canal, a foramen or the lateral recess is stenosis; of a disc space it is not."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He broke his right wrist playing hockey.", {("fracture", "affirmed")}),
        ("X-ray confirmed a broken rib.", {("fracture", "affirmed")}),
        ("History of a broken hip.", {("fracture", "historical")}),
        ("She has never broken a bone.", {("fracture", "negated")}),
        ("He broke out in hives after the injection.", set()),
        ("The pedicle screw was broken.", set()),
        ("The patient broke down in tears.", set()),
    ],
)
def test_broken_bone_is_a_fracture(text: str, expected: set[tuple[str, str]]) -> None:
    """Broke/broken with a bone or limb is a fracture; broke out, broke down and a broken screw are not."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lumbar myofascitis.", {("myofascial", "affirmed")}),
        ("No evidence of myofascitis.", {("myofascial", "negated")}),
        ("Chronic myofascitis.", {("myofascial", "affirmed"), ("duration_chronic", "affirmed")}),
    ],
)
def test_myofascitis_is_myofascial(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Risks and benefits of the fusion including infection, pseudarthrosis, recurrent stenosis were discussed.",
            {("stenosis", "hypothetical")},
        ),
        ("Risks, benefits and alternatives were discussed, including fracture.", {("fracture", "hypothetical")}),
        ("Risks of the injection such as infection or fracture were explained.", {("fracture", "hypothetical")}),
        ("Potential complications including an adjacent disc herniation.", {("disc_herniation", "hypothetical")}),
        ("Complications such as radiculopathy were reviewed with her.", {("radiculopathy", "hypothetical")}),
        ("Risk of fracture with osteoporosis.", {("fracture", "hypothetical")}),
        ("She worried that the pain meant a fracture.", {("fracture", "hypothetical")}),
        ("L1 compression fracture; risks of surgery including infection were discussed.", {("fracture", "affirmed")}),
        ("Complications of lumbar stenosis such as claudication.", {("stenosis", "affirmed")}),
    ],
)
def test_consent_lists_and_fears_are_hypothetical(text: str, expected: set[tuple[str, str]]) -> None:
    """What risks and complications "include" or are "such as" may happen; a finding before the list, or
    one whose complications are listed, is the patient's."""
    assert pairs(text) == expected


def test_experiencer_other() -> None:
    f = one("mother had sciatica", "sciatica")
    assert f.experiencer == "other"
    assert f.status == "affirmed"
    assert not f.documented()
    assert one("His brother has degenerative disc disease.", "disc_degeneration").experiencer == "other"
    assert one("Family history of spinal stenosis.", "stenosis").experiencer == "other"
    assert one("Sciatica in her father.", "sciatica").experiencer == "other"
    assert one("Sciatica on the left.", "sciatica").experiencer == "patient"


def test_family_history_section_is_about_others() -> None:
    text = "FAMILY HISTORY: Lumbar disc herniation.\nASSESSMENT: Lumbar radiculopathy."
    got = {f.finding: f for f in read(text)}
    assert got["disc_herniation"].experiencer == "other"
    assert got["disc_herniation"].section == "history"
    assert got["radiculopathy"].experiencer == "patient"
    assert got["radiculopathy"].section == "assessment"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Chronic low back pain, probably related to disc herniation at L4-5.",
            {("duration_chronic", "affirmed"), ("low_back_pain", "affirmed"), ("disc_herniation", "hypothetical")},
        ),
        ("Pain possibly due to spinal stenosis.", {("stenosis", "hypothetical")}),
        ("Pain most likely secondary to lumbar spondylosis.", {("spondylosis", "hypothetical")}),
        ("Her pain is likely from degenerative disc disease.", {("disc_degeneration", "hypothetical")}),
        ("Vertebrogenic pain is in the differential.", {("vertebral_link", "hypothetical")}),
        # the cause stated without a hedge is documented
        ("Pain secondary to lumbar spondylosis.", {("spondylosis", "affirmed")}),
        # a new clause with its own subject ends the hedge
        (
            "Low back pain likely due to muscle strain and he also has lumbar radiculopathy on the left.",
            {("low_back_pain", "affirmed"), ("radiculopathy", "affirmed")},
        ),
    ],
)
def test_a_hedged_cause_is_hypothetical(text: str, expected: set[tuple[str, str]]) -> None:
    """ "probably related to", "possibly due to": the causal words end a scope, the hedge on them must not."""
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "key", "status", "experiencer"),
    [
        (
            "Family history: positive for degenerative disc disease and spinal stenosis.",
            "stenosis",
            "affirmed",
            "other",
        ),
        ("Family history is significant for spinal stenosis.", "stenosis", "affirmed", "other"),
        ("Her mother and two sisters have had lumbar disc herniations.", "disc_herniation", "affirmed", "other"),
        ("Past medical history significant for sciatica.", "sciatica", "historical", "patient"),
        ("Medical history: sciatica in 2015.", "sciatica", "historical", "patient"),
        # a colon still ends a scope anywhere else
        ("No fracture: radiculopathy on the left.", "radiculopathy", "affirmed", "patient"),
    ],
)
def test_family_and_past_history_openers(text: str, key: str, status: str, experiencer: str) -> None:
    """ "Family history: positive for", "PMH significant for": one trigger each, so that the colon and
    "positive / significant for" (terminators) do not end it before the list; relatives in the plural."""
    f = one(text, key)
    assert (f.status, f.experiencer) == (status, experiencer)


# Triggers of medspaCy's bundled English ConText rules (resources/en/context_rules.json) that the reader
# missed, checked one by one on 2026-12-03; "probable/possible" kinds are hypothetical here (guideline IV.H).
# Left out on purpose: "declined" (the patient declines a treatment, not a finding), bare "free", "not
# significant", "as well as any", and "to exclude" read as a negation (a test ordered is hypothetical).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The films are negative for recent fracture or pathology.", {("fracture", "negated")}),
        ("MRI was negative for disk herniation.", {("disc_herniation", "negated")}),
        ("There was possibility of subchondral fracture.", {("fracture", "hypothetical")}),
        ("Lack of radiculopathy on exam.", {("radiculopathy", "negated")}),
        ("Films unremarkable for fracture.", {("fracture", "negated")}),
        ("Neg for fracture.", {("fracture", "negated")}),
        ("He does not complain of sciatica.", {("sciatica", "negated")}),
        ("Radiculopathy is no longer present.", {("radiculopathy", "negated")}),
        ("Sciatica now resolved.", {("sciatica", "historical")}),
        ("Stenosis should be ruled out.", {("stenosis", "hypothetical")}),
        ("Radiculopathy needs to be ruled out.", {("radiculopathy", "hypothetical")}),
        ("Fracture must be excluded.", {("fracture", "hypothetical")}),
        ("MRI to exclude stenosis.", {("stenosis", "hypothetical")}),
        ("I doubt radiculopathy.", {("radiculopathy", "hypothetical")}),
        ("Worrisome for fracture.", {("fracture", "hypothetical")}),
        ("He was checked for fracture.", {("fracture", "hypothetical")}),
        ("The lumbar MRI lacks evidence of disc herniation.", {("disc_herniation", "negated")}),
        # still as before, and wordings a review found read wrongly by a first version of the above
        ("Stenosis was ruled out.", {("stenosis", "negated")}),
        ("Lack of improvement in lumbar radiculopathy despite PT.", {("radiculopathy", "affirmed")}),
        ("He lacks insurance and has lumbar radiculopathy.", {("radiculopathy", "affirmed")}),
        ("Patient is concerned about her worsening sciatica on the left.", {("sciatica", "affirmed")}),
        ("Discussed the possibility of surgery for his L4-5 disc herniation.", {("disc_herniation", "affirmed")}),
        ("Looking for work, he has left sciatica.", {("sciatica", "affirmed")}),
        (  # "clear of" negates nothing; "consistent with" is uncertain in a provider's text (guideline IV.H)
            "Pain is clear of the midline, consistent with sacroiliac dysfunction.",
            {("sacroiliac_dysfunction", "hypothetical")},
        ),
        ("Pain is clear of the midline, with sacroiliac dysfunction.", {("sacroiliac_dysfunction", "affirmed")}),
        ("X-ray for fracture was negative for acute abnormality.", {("fracture", "negated")}),
        (
            "He was checked for fracture, and he has left sciatica.",
            {("fracture", "hypothetical"), ("sciatica", "affirmed")},
        ),
        ("She does not complain of weakness and her lumbar radiculopathy is stable.", {("radiculopathy", "affirmed")}),
        (
            "MRI to exclude fracture given his known L4-5 disc herniation.",
            {("fracture", "hypothetical"), ("disc_herniation", "affirmed")},
        ),
        ("Negative straight leg raise; radiculopathy present.", {("radiculopathy", "affirmed")}),
        ("The patient declines surgery for the disc herniation.", {("disc_herniation", "affirmed")}),
    ],
)
def test_context_triggers_from_medspacy_rules(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_terminators_end_scope() -> None:
    assert pairs("No radiculopathy; low back pain persists.") == {
        ("radiculopathy", "negated"),
        ("low_back_pain", "affirmed"),
    }
    assert pairs("Denies fever however reports low back pain.") == {("low_back_pain", "affirmed")}
    assert pairs("No sciatica, although she has lumbar spinal stenosis.") == {
        ("sciatica", "negated"),
        ("stenosis", "affirmed"),
    }
    assert pairs("History of sciatica, now with acute low back pain.") == {
        ("sciatica", "historical"),
        ("duration_acute", "affirmed"),
        ("low_back_pain", "affirmed"),
    }


def test_documented() -> None:
    assert one("Lumbar radiculopathy.", "radiculopathy").documented()
    assert not one("No lumbar radiculopathy.", "radiculopathy").documented()
    assert not one("Possible lumbar radiculopathy.", "radiculopathy").documented()


# --- vertebral link --------------------------------------------------------------------------------------


def test_vertebral_link_never_from_imaging() -> None:
    assert "vertebral_link" not in {f.finding for f in read("Vertebrogenic pain pattern.", "imaging")}
    text = "FINDINGS: Modic type 1 changes at L4-5.\nIMPRESSION: Findings may explain the low back pain."
    assert {f.finding for f in read(text, "imaging")} == {"modic_change", "low_back_pain"}
    assert all(f.section == "imaging" for f in read(text, "imaging"))


def test_vertebral_link_phrasings() -> None:
    for text in (
        "Chronic low back pain due to Modic type 2 changes.",
        "LBP related to endplate degeneration at L5-S1.",
        "Modic type 1 changes at L4-5 are the likely source of her low back pain.",
        "Axial low back pain, vertebrogenic.",
        "The type 2 Modic changes at L5-S1 are the pain generator.",
        "Endplate edema at L3-4 is the likely pain source.",
        "Axial back pain, which I attribute to the Modic type 1 changes at L4-5.",
        "Her pain is mechanical and I attribute it to the endplate changes at L5-S1.",
    ):
        assert "vertebral_link" in {f.finding for f in read(text)}, text
    assert "vertebral_link" not in {f.finding for f in read("Low back pain. Modic type 1 changes on MRI.")}
    assert "vertebral_link" not in {f.finding for f in read("Low back pain due to lumbar strain.")}
    assert "vertebral_link" not in {f.finding for f in read("Modic type 2 changes. The facets are the pain generator.")}
    assert "vertebral_link" not in {f.finding for f in read("Low back pain, which I attribute to a lumbar strain.")}


@pytest.mark.parametrize(
    ("text", "link", "modic"),
    [
        ("Modic type 1 changes at L4-5 are the pain generator.", "affirmed", "affirmed"),
        ("The Modic changes are not the pain generator.", "negated", "affirmed"),
        ("Modic changes may be the pain generator.", "hypothetical", "affirmed"),
        ("Low back pain, which I attribute to the Modic changes.", "affirmed", "affirmed"),
        # the trigger looks forward, over the Modic changes too (as "no" does over a list)
        ("Low back pain, which I do not attribute to the Modic changes.", "negated", "negated"),
        ("Low back pain, which I might attribute to the Modic changes.", "hypothetical", "hypothetical"),
        # "not due to" is a pseudo-trigger for the pain before it (it stays affirmed) but negates the link
        ("Low back pain not due to Modic changes.", "negated", "negated"),
        ("Chronic low back pain, not attributable to the Modic changes at L5-S1.", "negated", "negated"),
        ("Axial back pain is not related to the Modic type 2 changes.", "negated", "negated"),
    ],
)
def test_vertebral_link_status_where_the_link_is(text: str, link: str, modic: str) -> None:
    """A link's status is read where its link words are: "not the pain generator" after the Modic changes
    negates the link only."""
    assert one(text, "vertebral_link").status == link
    assert one(text, "modic_change").status == modic


# --- modifiers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "modic_types"),
    [
        ("Modic type 1 changes at L4-5.", [1]),
        ("Type II Modic endplate changes.", [2]),
        ("Modic 2 changes at L5-S1.", [2]),
        ("Modic type III.", [3]),
        ("Modic type 1 and 2 changes.", [1, 2]),
        ("Modic changes.", [None]),
    ],
)
def test_modic_type(text: str, modic_types: list[int | None]) -> None:
    assert [f.modic_type for f in read(text) if f.finding == "modic_change"] == modic_types


def test_endplate_spurs_are_spondylosis() -> None:
    """Bony spurs at the endplate are spondylosis, not the endplate change behind M54.51 (a query for it)."""
    assert pairs("Mild anterior endplate spurring at L3-L4.", "imaging") == {("spondylosis", "affirmed")}
    assert pairs("Endplate osteophytes at L4-5.", "imaging") == {("spondylosis", "affirmed")}
    assert pairs("Endplate sclerosis at L4-5.", "imaging") == {("endplate_degeneration", "affirmed")}


def test_modic_is_not_also_endplate() -> None:
    assert {f.finding for f in read("Type 1 Modic endplate changes.")} == {"modic_change"}
    assert {f.finding for f in read("Degenerative endplate changes at L4-5.")} == {"endplate_degeneration"}


@pytest.mark.parametrize(
    ("text", "key", "side"),
    [
        ("Left L5 radiculopathy.", "radiculopathy", "left"),
        ("Right-sided sciatica.", "sciatica", "right"),
        ("Bilateral lower extremity radiculopathy.", "radiculopathy", "bilateral"),
        ("Radiculopathy on the right.", "radiculopathy", "right"),
        ("Sciatica, L > R.", "sciatica", None),
        ("Right worse than left sciatica.", "sciatica", "bilateral"),
        ("Left greater than right L5 radiculopathy.", "radiculopathy", "bilateral"),
        ("Lower extremity radiculopathy R > L.", "radiculopathy", "bilateral"),
        ("Sciatica left > right.", "sciatica", "bilateral"),
        ("Radicular pain, L>R, into both calves.", "radiculopathy", None),
        ("Left-sided sciatica, worse than last week.", "sciatica", "left"),
        ("L S1 radiculopathy.", "radiculopathy", "left"),
        ("R/O radiculopathy.", "radiculopathy", None),
        ("Left knee pain and low back pain.", "low_back_pain", None),
        ("Low back, left hip and leg pain.", "low_back_pain", None),
        ("Pain in the right knee and low back.", "low_back_pain", None),
        ("Left sacroiliac joint dysfunction.", "sacroiliac_dysfunction", "left"),
        ("Left uncovertebral joint hypertrophy at C6-7.", "spondylosis", "left"),
        ("Narrowing of the right L5-S1 neural foramen.", "stenosis", "right"),
        ("She broke her left ankle.", "fracture", "left"),
        ("He broke both legs in the accident.", "fracture", "bilateral"),
        # the lower extremity by side, as notes abbreviate it (a coder's review: M54.40 was suggested)
        ("Subacute LBP with sciatica LLE, 7 weeks.", "sciatica", "left"),
        ("Chronic LBP with RLE sciatica.", "sciatica", "right"),
        ("Radiculopathy RLE > LLE.", "radiculopathy", "bilateral"),
        ("Sciatica BLE.", "sciatica", "bilateral"),
    ],
)
def test_side(text: str, key: str, side: str | None) -> None:
    assert one(text, key).side == side


@pytest.mark.parametrize(
    ("text", "key", "side", "level"),
    [
        ("Lumbago with sciatica, left side.", "sciatica", "left", None),
        ("Sciatica, right greater than left.", "sciatica", "bilateral", None),
        ("Sciatica, right lower extremity.", "sciatica", "right", None),
        ("Extruded herniated disc, left L5-S1.", "disc_herniation", "left", "lumbosacral"),
        ("Radiculopathy, lumbosacral region.", "radiculopathy", None, "lumbosacral"),
        ("Spinal stenosis, thoracolumbar region.", "stenosis", None, "thoracolumbar"),
        # a comma still ends the phrase otherwise
        ("Disc herniation, left paracentral, at L4-5.", "disc_herniation", None, "lumbar"),
        ("Sciatica, left knee pain.", "sciatica", None, None),
    ],
)
def test_side_or_region_after_a_comma(text: str, key: str, side: str | None, level: str | None) -> None:
    """As problem lists and code titles write them: "Sciatica, left side", "Radiculopathy, lumbosacral region"."""
    f = one(text, key)
    assert (f.side, f.level) == (side, level)


@pytest.mark.parametrize(
    ("text", "key", "level", "levels"),
    [
        ("Lumbar radiculopathy.", "radiculopathy", "lumbar", ()),
        ("Lumbosacral radiculopathy.", "radiculopathy", "lumbosacral", ()),
        ("Thoracolumbar compression fracture.", "fracture", "thoracolumbar", ()),
        ("Disc herniation at L4-5.", "disc_herniation", "lumbar", ("L4-L5",)),
        ("Disc herniation at L3-4 and L5-S1.", "disc_herniation", "lumbosacral", ("L3-L4", "L5-S1")),
        ("Stenosis at L3-L4, L4-5, and L5-S1.", "stenosis", "lumbosacral", ("L3-L4", "L4-L5", "L5-S1")),
        ("L4/5 disc herniation.", "disc_herniation", "lumbar", ("L4-L5",)),
        ("T12-L1 fracture.", "fracture", "thoracolumbar", ("T12-L1",)),
        ("Cervical spondylosis at C5-6.", "spondylosis", "cervical", ("C5-C6",)),
        ("Degenerative disc disease of the lumbar spine.", "disc_degeneration", "lumbar", ()),
        # regions named together are mixed, as mixed segments are: not the nearest word's alone
        ("Lumbar and cervical spondylosis.", "spondylosis", None, ()),
        ("Cervical and lumbar stenosis.", "stenosis", None, ()),
        ("Spondylosis of the cervical, thoracic and lumbar spine.", "spondylosis", None, ()),
        ("Stenosis at L4-5 and C5-6.", "stenosis", None, ("L4-L5", "C5-C6")),
        ("Lumbar stenosis and cervical radiculopathy.", "radiculopathy", "cervical", ()),
        ("Lumbar stenosis and cervical radiculopathy.", "stenosis", "lumbar", ()),
        # T1 and T2 as MRI sequences are no thoracic segments
        ("Modic changes on T1-weighted images.", "modic_change", None, ()),
        ("Endplate edema, T2 hyperintense, T1 hypointense.", "endplate_degeneration", None, ()),
        (
            "Modic type 1 changes at L4-5, hypointense on T1 and hyperintense on T2.",
            "modic_change",
            "lumbar",
            ("L4-L5",),
        ),
        ("Compression fracture of T2.", "fracture", "thoracic", ("T2",)),
        ("Compression fracture on T1.", "fracture", "thoracic", ("T1",)),
        ("Fractures of T1 and T2.", "fracture", "thoracic", ("T1", "T2")),
        ("Endplate changes, T1 and T2 hyperintense.", "endplate_degeneration", None, ()),
    ],
)
def test_level(text: str, key: str, level: str | None, levels: tuple[str, ...]) -> None:
    f = one(text, key)
    assert (f.level, f.levels) == (level, levels)


@pytest.mark.parametrize(
    ("text", "key", "level"),
    [
        ("Lumbar disc herniation at L5-S1.", "disc_herniation", "lumbosacral"),
        ("L5-S1 lumbar disc protrusion.", "disc_herniation", "lumbosacral"),
        ("Lumbar degenerative disc disease, L5-S1.", "disc_degeneration", "lumbosacral"),
        ("Lumbar spondylosis at the L5-S1 level.", "spondylosis", "lumbosacral"),
        ("Multilevel lumbar spondylosis, worst at L5-S1.", "spondylosis", "lumbar"),
        ("Lumbar disc herniations at L4-5 and L5-S1.", "disc_herniation", "lumbar"),
        ("Lumbar radiculopathy, L5-S1 HNP.", "radiculopathy", "lumbar"),
        ("Lumbar disc herniation at L5-S1 and at L4-5.", "disc_herniation", "lumbar"),
        ("Lumbar DDD, L5-S1 > L4-5.", "disc_degeneration", "lumbar"),
        ("Lumbar DDD at L5-S1, most severe.", "disc_degeneration", "lumbar"),
        ("Lumbar stenosis at L5-S1 extending to L4-5.", "stenosis", "lumbar"),
        ("Lumbar stenosis, L5-S1 spondylolisthesis.", "stenosis", "lumbar"),
        ("Lumbar disc herniation, left L5-S1.", "disc_herniation", "lumbosacral"),
        ("Degenerative disc disease of the lumbar spine at L5-S1.", "disc_degeneration", "lumbosacral"),
        # a second review: a statement about the segment, and what is no other level
        ("Lumbar stenosis, L5-S1 is solidly fused.", "stenosis", "lumbar"),
        ("Lumbar DDD, L5-S1 and SI joints unremarkable.", "disc_degeneration", "lumbar"),
        ("Lumbar disc herniation, L5-S1, right > left symptoms.", "disc_herniation", "lumbosacral"),
        ("Lumbar DDD at L5-S1, discussed risks/benefits of ESI at L5-S1.", "disc_degeneration", "lumbosacral"),
        ("Lumbar disc herniation at L5-S1, cervical DDD at C5-C6.", "disc_herniation", "lumbosacral"),
    ],
)
def test_lumbar_at_l5_s1_alone_is_lumbosacral(text: str, key: str, level: str) -> None:
    """The L5-S1 disc (its joints, its canal) is the lumbosacral one, whatever region word stands beside it
    (ICD-10-CM: M51.17, not M51.16); not a multilevel finding's, nor another condition's L5-S1, nor a
    radiculopathy's (the run may be a neighbouring disc's). The multilevel ones are from a helper's review
    of a first version (40 of its 102 changes wrong), the statements about the segment from a second one
    (7 of 54)."""
    assert one(text, key).level == level


# --- durations -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Acute low back pain.", "duration_acute"),
        ("Subacute low back pain.", "duration_subacute"),
        ("Sub-acute LBP.", "duration_subacute"),
        ("Chronic low back pain.", "duration_chronic"),
        ("Longstanding low back pain.", "duration_chronic"),
        ("Long-standing low back pain.", "duration_chronic"),
        ("Low back pain of many years duration.", "duration_chronic"),
        ("Low back pain, 8 wks duration.", "duration_subacute"),
        ("Low back pain for 3 weeks.", "duration_acute"),
        ("Low back pain x 8 weeks.", "duration_subacute"),
        ("Low back pain x 6 months.", "duration_chronic"),
        ("Low back pain since 2 days.", "duration_acute"),
        ("Low back pain for the past year.", "duration_chronic"),
        ("Low back pain for several years.", "duration_chronic"),
        ("Low back pain for two months.", "duration_subacute"),
        ("Three-week history of low back pain.", "duration_acute"),
        ("Low back pain that started 4 months ago.", "duration_chronic"),
        ("Sharp low back pain since yesterday.", "duration_acute"),
        ("Left sciatica since last night.", "duration_acute"),
        ("Lumbago since this morning after lifting a box.", "duration_acute"),
        ("Worsening LBP since last week.", "duration_acute"),
        # problem-list style (a coder's review: each asked for a duration the visit states)
        ("Low back pain, chronic.", "duration_chronic"),
        ("1. Low back pain, chronic. 2. Hypertension, controlled.", "duration_chronic"),
        ("LBP, chronic, stable on current regimen.", "duration_chronic"),
        ("Low back pain, recurrent, chronic.", "duration_chronic"),
        ("Left sciatica, 2 months. Start gabapentin 300 mg qhs.", "duration_subacute"),
        ("Low back pain, 6 weeks, x-ray showed mild spondylosis.", "duration_subacute"),
        ("Mechanical low back pain, improving, now 4 weeks.", "duration_acute"),
        ("Low back pain with right sciatica, 3 weeks.", "duration_acute"),
        ("LBP x2 weeks, no radicular symptoms.", "duration_acute"),
        ("Low back pain x3mo, failed conservative care.", "duration_chronic"),
        ("Low back pain, x 1 week.", "duration_acute"),
    ],
)
def test_durations(text: str, key: str) -> None:
    assert {f.finding for f in read(text) if f.finding.startswith("duration_")} == {key}


def test_duration_needs_a_symptom_and_a_back_word() -> None:
    assert read("No acute distress.") == []
    assert read("Follow up in 6 weeks.") == []
    assert read("Physical therapy for 6 weeks.") == []
    assert read("Fever since yesterday.") == []
    assert {f.finding for f in read("Lumbago. She has been resting at home since this morning.")} == {"low_back_pain"}
    assert {f.finding for f in read("Acute on chronic low back pain.")} == {
        "duration_acute",
        "duration_chronic",
        "low_back_pain",
    }


@pytest.mark.parametrize(
    "text",
    [  # what a CDI review of the first version found read as the low back's duration
        "Low back pain. Knee pain, chronic.",
        "Low back pain; mid back pain, chronic.",
        "Low back pain. Neck pain, 6 weeks, after MVA.",
        "Low back pain. PT 2x/week, 6 weeks.",
        "Low back pain. Meloxicam 15 mg daily, 2 weeks.",
        "Low back pain. Naproxen 500 mg x14 days.",
        "Low back pain, RTC, 6 weeks.",
        "Low back pain; off work, 2 weeks.",
        "Low back pain. Type 2 diabetes, 10 years.",
        "Low back pain in a male, 45 years, smoker.",
        "Low back pain, 6 weeks postoperative.",
        "Low back pain in pregnancy, 32 weeks.",
        "Low back pain. Feedback from PT, 2 weeks.",
        "Prednisone taper for sciatica, 6 days.",
        "Low back pain, 6-week course of PT.",
    ],
)
def test_durations_listed_for_something_else(text: str) -> None:
    assert {f.finding for f in read(text) if f.finding.startswith("duration_") and f.documented()} == set()


@pytest.mark.parametrize(
    "text,expected",
    [  # guideline IV.H: a diagnosis "consistent with" is not established (a coder's review) ...
        ("Pain radiating down the left leg, consistent with sciatica.", {("sciatica", "hypothetical")}),
        ("Exam consistent with left S1 radiculopathy.", {("radiculopathy", "hypothetical")}),
        ("Chronic LBP x 1 year, compatible with vertebrogenic pain.", {("vertebral_link", "hypothetical")}),
        ("Pain pattern c/w sciatica.", {("sciatica", "hypothetical")}),
        ("Symptoms are not consistent with radiculopathy.", {("radiculopathy", "negated")}),
        # ... but a review of the first version found these wrongly put in doubt:
        ("Leg pain consistent with her known sciatica.", {("sciatica", "affirmed")}),
        ("Increased pain consistent with a flare of her sciatica.", {("sciatica", "affirmed")}),
        ("Exam consistent with radiculopathy, confirmed on EMG.", {("radiculopathy", "affirmed")}),
        ("Treatment plan consistent with ACOEM guidelines for lumbar radiculopathy.", {("radiculopathy", "affirmed")}),
        ("C/w gabapentin for radiculopathy.", {("radiculopathy", "affirmed")}),
        ("Will c/w Lyrica for left sciatica.", {("sciatica", "affirmed")}),
        ("Left sciatica, consistent with MRI.", {("sciatica", "affirmed")}),
        (
            "Imaging consistent with Modic type 1 changes at L5-S1, vertebrogenic low back pain.",
            {("modic_change", "affirmed"), ("vertebral_link", "affirmed"), ("low_back_pain", "affirmed")},
        ),
        ("Left sciatica with symptoms consistent with an acute flare.", {("sciatica", "affirmed")}),
    ],
)
def test_consistent_with(text: str, expected: set[tuple[str, str]]) -> None:
    got = {(f.finding, f.status) for f in read(text) if not f.finding.startswith("duration_")}
    assert expected <= got, got
    assert {k for k, _ in got} - {k for k, _ in expected} <= {"low_back_pain"}, got


def test_consistent_with_in_an_imaging_report_is_the_finding() -> None:
    got = {(f.finding, f.status) for f in read("Findings consistent with Modic type 1 endplate changes.", "imaging")}
    assert got == {("modic_change", "affirmed")}
    got = {(f.finding, f.status) for f in read("Findings consistent with left L5 radiculopathy.", "imaging")}
    assert got == {("radiculopathy", "affirmed")}


def test_duration_boundaries() -> None:
    assert duration_key(5.9) == "duration_acute"
    assert duration_key(6) == "duration_subacute"
    assert duration_key(12) == "duration_subacute"
    assert duration_key(13) == "duration_chronic"


# --- sentences and sections ------------------------------------------------------------------------------


def test_sentence_splitting_survives_clinical_text() -> None:
    text = (
        "Seen by Dr. Smith, e.g. for pain vs. strain. Naprosyn 500 mg. b.i.d. and Flexeril 5.5 mg p.r.n. "
        "Disc herniation at L4-5 and L5-S1. Item No. 2 applies.\n"
        "1. Low back pain. 2. Lumbar radiculopathy.\nFollow up"
    )
    got = [text[s.start : s.end] for s in split(text)]
    assert got == [
        "Seen by Dr. Smith, e.g. for pain vs. strain.",
        "Naprosyn 500 mg. b.i.d. and Flexeril 5.5 mg p.r.n.",
        "Disc herniation at L4-5 and L5-S1.",
        "Item No. 2 applies.",
        "Low back pain.",
        "Lumbar radiculopathy.",
        "Follow up",
    ]


def test_sections_from_headers() -> None:
    text = (
        "HISTORY OF PRESENT ILLNESS:  Sciatica for 2 weeks.\n"
        "PAST MEDICAL HISTORY:  Lumbar stenosis.\n"
        "PHYSICAL EXAMINATION:  Low back pain with flexion.  NEUROLOGIC:  No radiculopathy.\n"
        "IMPRESSION:\n1.  Lumbar radiculopathy.\n"
        "PLAN:  MRI to look for disc herniation.\n"
        "DIAGNOSES: Low back pain."
    )
    got = [(f.finding, f.section) for f in read(text)]
    assert got == [
        ("sciatica", "history"),
        ("duration_acute", "history"),
        ("stenosis", "history"),
        ("low_back_pain", "exam"),
        ("radiculopathy", "exam"),
        ("radiculopathy", "assessment"),
        ("disc_herniation", "assessment"),
        ("low_back_pain", "assessment"),
    ]


def test_imaging_report_sections() -> None:
    text = "FINDINGS: L4-5 disc herniation.\nIMPRESSION: Modic type 1 changes at L4-5."
    assert {f.section for f in read(text, "imaging")} == {"imaging"}
    assert [f.section for f in read("MRI: L4-5 disc herniation.\nASSESSMENT: Sciatica.")] == [
        "imaging",
        "assessment",
    ]


def test_default_section_and_sentence_text() -> None:
    f = one("  Lumbar   radiculopathy.\n", "radiculopathy", section="imaging")
    assert f.section == "imaging"
    assert f.sentence == "Lumbar radiculopathy."


def test_to_json_shape() -> None:
    f = one("Possible left L5-S1 disc herniation.", "disc_herniation")
    assert f.to_json() == {
        "finding": "disc_herniation",
        "status": "hypothetical",
        "side": "left",
        "level": "lumbosacral",
        "levels": ["L5-S1"],
        "sentence": "Possible left L5-S1 disc herniation.",
        "section": "assessment",
    }
    m = one("Mother had Modic type 2 changes.", "modic_change").to_json()
    assert m["type"] == 2
    assert m["experiencer"] == "other"
    assert list(m) == ["finding", "status", "type", "sentence", "section", "experiencer"]


def test_empty_and_unrelated_text() -> None:
    assert read("") == []
    assert read("   ") == []
    assert read("Hypertension, well controlled.") == []


def test_finding_is_frozen_and_hashable() -> None:
    f = one("Sciatica.", "sciatica")
    with pytest.raises(AttributeError):
        f.status = "negated"  # type: ignore[misc]
    assert len({f, one("Sciatica.", "sciatica")}) == 1


# --- the `read` command ----------------------------------------------------------------------------------


def _run(monkeypatch: pytest.MonkeyPatch, data: bytes, section: str = "assessment") -> tuple[int, bytes, str]:
    stdout = io.BytesIO()
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    monkeypatch.setattr(sys, "stdout", SimpleNamespace(buffer=stdout))
    monkeypatch.setattr(sys, "stderr", stderr)
    code = read_command.run(argparse.Namespace(section=section))
    return code, stdout.getvalue(), stderr.getvalue()


def test_command_prints_one_json_object_per_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run(monkeypatch, "Low back pain, but no radiculopathy. Résumé ok.".encode())
    assert code == 0
    assert err == ""
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert [(x["finding"], x["status"]) for x in lines] == [
        ("low_back_pain", "affirmed"),
        ("radiculopathy", "negated"),
    ]


def test_command_section_option(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(monkeypatch, b"Vertebrogenic pain. Modic type 1 changes.", section="imaging")
    assert code == 0
    assert [orjson.loads(x)["finding"] for x in out.splitlines()] == ["modic_change"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "read: stdin is empty: expected an assessment or report text"),
        (b" \n\t ", "read: stdin is empty: expected an assessment or report text"),
        (b"low back\x00pain", "is not UTF-8 text"),
        (b"\xff\xfe\x00l", "is not UTF-8 text"),
        (b"low back pain \xe9", "is not UTF-8 text"),
    ],
)
def test_command_rejects_empty_and_binary(monkeypatch: pytest.MonkeyPatch, data: bytes, message: str) -> None:
    code, out, err = _run(monkeypatch, data)
    assert code == 2
    assert out == b""
    assert message in err


def test_command_is_registered() -> None:
    from streams.cli import build_parser

    args = build_parser().parse_args(["read", "--section", "imaging"])
    assert args.func is read_command.run
    assert args.section == "imaging"


# A coder's review of 2026-12-03: a hedged link ("likely due to", "the likely pain generator") counted as the
# documented link; it is the provider's uncertain word (guideline IV.H).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Modic type 1 changes at L4-5 are the likely pain generator.",
            {("modic_change", "affirmed"), ("vertebral_link", "hypothetical")},
        ),
        (
            "The endplate changes are likely the source of her pain.",
            {("endplate_degeneration", "hypothetical"), ("vertebral_link", "hypothetical")},
        ),
        (
            "Low back pain may be related to the endplate changes.",
            {("low_back_pain", "affirmed"), ("vertebral_link", "hypothetical"), ("endplate_degeneration", "affirmed")},
        ),
        (
            "Modic changes, which are likely the pain generator.",
            {("modic_change", "affirmed"), ("vertebral_link", "hypothetical")},
        ),
        (
            "Low back pain not likely due to the Modic changes.",
            {("low_back_pain", "affirmed"), ("vertebral_link", "negated"), ("modic_change", "negated")},
        ),
        (
            "Modic type 1 changes at L4-5 are the pain generator.",
            {("modic_change", "affirmed"), ("vertebral_link", "affirmed")},
        ),
        (
            "Chronic low back pain due to Modic type 1 changes at L5-S1, likely to improve with ablation.",
            {
                ("duration_chronic", "affirmed"),
                ("low_back_pain", "affirmed"),
                ("vertebral_link", "affirmed"),
                ("modic_change", "affirmed"),
            },
        ),
    ],
)
def test_hedged_links(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


# A coder's review of 2026-12-03: "educated on sciatica precautions" read as sciatica. A finding named only as
# the precautions a patient was taught is no finding; a review found that "X precautions" alone is often the
# visit's own diagnosis ("L1 compression fracture precautions: no bending", "right sciatica precautions
# discussed and naproxen prescribed"), so those stay.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patient educated on sciatica precautions.", set()),
        ("Patient instructed in the fracture precautions.", set()),
        ("Patient educated on sciatica precautions for her left sciatica.", {("sciatica", "affirmed")}),
        ("Left sciatica - precautions reviewed.", {("sciatica", "affirmed")}),
        ("L1 compression fracture precautions: no bending, lifting or twisting.", {("fracture", "affirmed")}),
        ("Right-sided sciatica precautions discussed and naproxen prescribed.", {("sciatica", "affirmed")}),
        ("Educated on sciatica and given a home exercise program.", {("sciatica", "affirmed")}),
    ],
)
def test_precautions_taught_are_no_finding(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected


# A coder's review of 2026-12-03: a hedge on a cause made a known finding hypothetical ("probably related to
# his known L4-5 disc herniation": no M51.26), and "chronic/longstanding neck pain" was the visit's duration.
# "Known" just before a finding keeps a hedged cause off it (not other hedges, nor a negation); another part's
# pain right after the duration word keeps the word to that part.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Low back pain probably related to his known L4-5 disc herniation seen on MRI.",
            {("low_back_pain", "affirmed"), ("disc_herniation", "affirmed")},
        ),
        (
            "Low back pain likely due to known stenosis or herniation.",
            {("low_back_pain", "affirmed"), ("stenosis", "affirmed"), ("disc_herniation", "hypothetical")},
        ),
        (
            "Low back pain, possible recurrence of her known L5-S1 disc herniation.",
            {("low_back_pain", "affirmed"), ("disc_herniation", "hypothetical")},
        ),
        ("If her known left sciatica worsens, return to clinic.", {("sciatica", "hypothetical")}),
        ("No known history of sciatica.", {("sciatica", "negated")}),
        (
            "Low back pain probably related to L4-5 disc herniation.",
            {("low_back_pain", "affirmed"), ("disc_herniation", "hypothetical")},
        ),
        ("Longstanding neck pain. Low back pain after lifting.", {("low_back_pain", "affirmed")}),
        ("Chronic knee pain and low back pain.", {("low_back_pain", "affirmed")}),
        (
            "Chronic neck pain; chronic low back pain.",
            {("duration_chronic", "affirmed"), ("low_back_pain", "affirmed")},
        ),
        ("Chronic kidney disease and low back pain.", {("low_back_pain", "affirmed")}),
        ("Chronic neck and low back pain.", {("duration_chronic", "affirmed"), ("low_back_pain", "affirmed")}),
        ("Acute neck and lower back pain.", {("duration_acute", "affirmed"), ("low_back_pain", "affirmed")}),
        (
            "Chronic neck and acute low back pain.",
            {("duration_acute", "affirmed"), ("low_back_pain", "affirmed")},
        ),
        ("Chronic low back pain.", {("duration_chronic", "affirmed"), ("low_back_pain", "affirmed")}),
    ],
)
def test_known_findings_and_other_parts_durations(text: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text) == expected
