"""Golden findings: `read` on representative texts returns exactly these findings.

A regression guard for speed work on the reader (streams/core/reading): any change in what is found, its
status, side, level, segments, Modic type, sentence, section or experiencer shows up here. The texts are
the benchmark's phrasing (bench/bench_reading.py), sentences from MTSamples.com
(https://www.mtsamples.com, via tests/fixtures/reading/mtsamples_annotated.yaml; credit MTSamples.com) and
edge cases (headers, family history, tabs and double spaces, years, segment runs, ";" and ":" scopes,
vessel stenosis). The expected findings were recorded from the reader before its speed-up: they pin
what it says, including readings that are arguable ("Clinical correlation for radiculopathy." affirmed);
whether it is right is measured on the annotated corpus (tests/test_reading_corpus.py, README).

Each finding is written as (finding, status, the other `to_json` fields in order as key=value, sentence).
"""

from __future__ import annotations

import pytest

from streams.core.reading import Finding, read

Summary = tuple[str, str, str, str]

CASES: list[tuple[str, str, list[Summary]]] = [
    (
        (
            "ASSESSMENT: Low back pain status post L4-5 microdiscectomy in 2019. Pain radiates into "
            "the buttock but not below the knee, so radicular pain is unlikely. Straight leg raise "
            "negative bilaterally, strength 5/5, reflexes symmetric.\nPLAN: continue home exercise "
            "program, follow up in 6 weeks."
        ),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "level=lumbar levels=L4-L5 section=assessment",
                "Low back pain status post L4-5 microdiscectomy in 2019.",
            ),
            (
                "radiculopathy",
                "negated",
                "section=assessment",
                "Pain radiates into the buttock but not below the knee, so radicular pain is unlikely.",
            ),
        ],
    ),
    (
        (
            "Low back pain status post L4-5 microdiscectomy in 2019. Bilateral lower extremity "
            "radicular symptoms, left greater than right. Denies bowel or bladder dysfunction, saddle "
            "anesthesia or fever. Takes ibuprofen 600 mg b.i.d. and cyclobenzaprine 10 mg p.r.n. with "
            "partial relief. Discussed red flags; patient verbalized understanding."
        ),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "level=lumbar levels=L4-L5 section=assessment",
                "Low back pain status post L4-5 microdiscectomy in 2019.",
            ),
            (
                "radiculopathy",
                "affirmed",
                "side=bilateral section=assessment",
                "Bilateral lower extremity radicular symptoms, left greater than right.",
            ),
        ],
    ),
    (
        (
            "ASSESSMENT: Myofascial low back pain with trigger points in the right quadratus "
            "lumborum. History of L5-S1 disc herniation, treated conservatively. Modic changes absent "
            "on the prior study. Rule out compression fracture given osteoporosis and steroid use. "
            "Refer to physical therapy 2x/week for 6 weeks; return if symptoms worsen."
        ),
        "assessment",
        [
            (
                "myofascial",
                "affirmed",
                "section=assessment",
                "Myofascial low back pain with trigger points in the right quadratus lumborum.",
            ),
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                "Myofascial low back pain with trigger points in the right quadratus lumborum.",
            ),
            (
                "disc_herniation",
                "historical",
                "level=lumbosacral levels=L5-S1 section=assessment",
                "History of L5-S1 disc herniation, treated conservatively.",
            ),
            ("modic_change", "negated", "section=assessment", "Modic changes absent on the prior study."),
            (
                "fracture",
                "hypothetical",
                "section=assessment",
                "Rule out compression fracture given osteoporosis and steroid use.",
            ),
            (
                "duration_subacute",
                "affirmed",
                "section=assessment",
                "Refer to physical therapy 2x/week for 6 weeks; return if symptoms worsen.",
            ),
        ],
    ),
    (
        (
            "Vertebrogenic low back pain, confirmed on MRI with Modic type 1 changes at L5-S1. Denies "
            "bowel or bladder dysfunction, saddle anesthesia or fever. Takes ibuprofen 600 mg b.i.d. "
            "and cyclobenzaprine 10 mg p.r.n. with partial relief. Rule out compression fracture "
            "given osteoporosis and steroid use. Refer to physical therapy 2x/week for 6 weeks; "
            "return if symptoms worsen."
        ),
        "assessment",
        [
            (
                "vertebral_link",
                "affirmed",
                "section=assessment",
                "Vertebrogenic low back pain, confirmed on MRI with Modic type 1 changes at L5-S1.",
            ),
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                "Vertebrogenic low back pain, confirmed on MRI with Modic type 1 changes at L5-S1.",
            ),
            (
                "modic_change",
                "affirmed",
                "level=lumbosacral levels=L5-S1 type=1 section=assessment",
                "Vertebrogenic low back pain, confirmed on MRI with Modic type 1 changes at L5-S1.",
            ),
            (
                "fracture",
                "hypothetical",
                "section=assessment",
                "Rule out compression fracture given osteoporosis and steroid use.",
            ),
            (
                "duration_subacute",
                "affirmed",
                "section=assessment",
                "Refer to physical therapy 2x/week for 6 weeks; return if symptoms worsen.",
            ),
        ],
    ),
    (
        (
            "Left sacroiliac joint dysfunction with positive Fortin finger test and thigh thrust. "
            "Denies bowel or bladder dysfunction, saddle anesthesia or fever. Pain radiates into the "
            "buttock but not below the knee, so radicular pain is unlikely. History of L5-S1 disc "
            "herniation, treated conservatively. Discussed red flags; patient verbalized "
            "understanding."
        ),
        "assessment",
        [
            (
                "sacroiliac_dysfunction",
                "affirmed",
                "side=left section=assessment",
                "Left sacroiliac joint dysfunction with positive Fortin finger test and thigh thrust.",
            ),
            (
                "radiculopathy",
                "negated",
                "section=assessment",
                "Pain radiates into the buttock but not below the knee, so radicular pain is unlikely.",
            ),
            (
                "disc_herniation",
                "historical",
                "level=lumbosacral levels=L5-S1 section=assessment",
                "History of L5-S1 disc herniation, treated conservatively.",
            ),
        ],
    ),
    (
        (
            "ASSESSMENT: Left sacroiliac joint dysfunction with positive Fortin finger test and thigh "
            "thrust. No evidence of radiculopathy, stenosis or fracture. Mother had sciatica and "
            "lumbar spinal stenosis. Bilateral lower extremity radicular symptoms, left greater than "
            "right. Consider lumbar epidural steroid injection at L5-S1 if no improvement."
        ),
        "assessment",
        [
            (
                "sacroiliac_dysfunction",
                "affirmed",
                "side=left section=assessment",
                "Left sacroiliac joint dysfunction with positive Fortin finger test and thigh thrust.",
            ),
            ("radiculopathy", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("stenosis", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("fracture", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            (
                "sciatica",
                "affirmed",
                "section=assessment experiencer=other",
                "Mother had sciatica and lumbar spinal stenosis.",
            ),
            (
                "stenosis",
                "affirmed",
                "level=lumbar section=assessment experiencer=other",
                "Mother had sciatica and lumbar spinal stenosis.",
            ),
            (
                "radiculopathy",
                "affirmed",
                "side=bilateral section=assessment",
                "Bilateral lower extremity radicular symptoms, left greater than right.",
            ),
        ],
    ),
    (
        (
            "ASSESSMENT: Lumbar degenerative disc disease at L3-4 and L4-5 with facet arthropathy. No "
            "evidence of radiculopathy, stenosis or fracture. Consider lumbar epidural steroid "
            "injection at L5-S1 if no improvement."
        ),
        "assessment",
        [
            (
                "disc_degeneration",
                "affirmed",
                "level=lumbar levels=L3-L4|L4-L5 section=assessment",
                "Lumbar degenerative disc disease at L3-4 and L4-5 with facet arthropathy.",
            ),
            (
                "spondylosis",
                "affirmed",
                "section=assessment",
                "Lumbar degenerative disc disease at L3-4 and L4-5 with facet arthropathy.",
            ),
            ("radiculopathy", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("stenosis", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("fracture", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
        ],
    ),
    (
        (
            "Low back pain, unspecified, for the past year, improving with physical therapy. No "
            "evidence of radiculopathy, stenosis or fracture. Modic changes absent on the prior "
            "study. Rule out compression fracture given osteoporosis and steroid use. Plan: continue "
            "home exercise program, follow up in 6 weeks."
        ),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                "Low back pain, unspecified, for the past year, improving with physical therapy.",
            ),
            (
                "duration_chronic",
                "affirmed",
                "section=assessment",
                "Low back pain, unspecified, for the past year, improving with physical therapy.",
            ),
            ("radiculopathy", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("stenosis", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("fracture", "negated", "section=assessment", "No evidence of radiculopathy, stenosis or fracture."),
            ("modic_change", "negated", "section=assessment", "Modic changes absent on the prior study."),
            (
                "fracture",
                "hypothetical",
                "section=assessment",
                "Rule out compression fracture given osteoporosis and steroid use.",
            ),
        ],
    ),
    (
        (
            "ASSESSMENT: Lumbago with sciatica on the right, onset 10 days ago. Mother had sciatica "
            "and lumbar spinal stenosis. Bilateral lower extremity radicular symptoms, left greater "
            "than right. Discussed red flags; patient verbalized understanding."
        ),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                "Lumbago with sciatica on the right, onset 10 days ago.",
            ),
            (
                "sciatica",
                "affirmed",
                "side=right section=assessment",
                "Lumbago with sciatica on the right, onset 10 days ago.",
            ),
            (
                "duration_acute",
                "affirmed",
                "section=assessment",
                "Lumbago with sciatica on the right, onset 10 days ago.",
            ),
            (
                "sciatica",
                "affirmed",
                "section=assessment experiencer=other",
                "Mother had sciatica and lumbar spinal stenosis.",
            ),
            (
                "stenosis",
                "affirmed",
                "level=lumbar section=assessment experiencer=other",
                "Mother had sciatica and lumbar spinal stenosis.",
            ),
            (
                "radiculopathy",
                "affirmed",
                "side=bilateral section=assessment",
                "Bilateral lower extremity radicular symptoms, left greater than right.",
            ),
        ],
    ),
    (
        (
            "Low back pain, unspecified, for the past year, improving with physical therapy. Possible "
            "left S1 radiculopathy; EMG ordered. Modic changes absent on the prior study. Consider "
            "lumbar epidural steroid injection at L5-S1 if no improvement."
        ),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                "Low back pain, unspecified, for the past year, improving with physical therapy.",
            ),
            (
                "duration_chronic",
                "affirmed",
                "section=assessment",
                "Low back pain, unspecified, for the past year, improving with physical therapy.",
            ),
            (
                "radiculopathy",
                "hypothetical",
                "side=left level=sacral levels=S1 section=assessment",
                "Possible left S1 radiculopathy; EMG ordered.",
            ),
            ("modic_change", "negated", "section=assessment", "Modic changes absent on the prior study."),
        ],
    ),
    (
        (
            "MRI LUMBAR SPINE WITHOUT CONTRAST. FINDINGS: Type 1 Modic endplate changes at L4-L5 with "
            "endplate edema. Disc desiccation at L4-5 and L5-S1.\nIMPRESSION: Left L4-5 disc extrusion "
            "contacting the traversing left L5 nerve root. Clinical correlation for radiculopathy."
        ),
        "imaging",
        [
            (
                "modic_change",
                "affirmed",
                "level=lumbar levels=L4-L5 type=1 section=imaging",
                "Type 1 Modic endplate changes at L4-L5 with endplate edema.",
            ),
            (
                "endplate_degeneration",
                "affirmed",
                "section=imaging",
                "Type 1 Modic endplate changes at L4-L5 with endplate edema.",
            ),
            (
                "disc_degeneration",
                "affirmed",
                "level=lumbosacral levels=L4-L5|L5-S1 section=imaging",
                "Disc desiccation at L4-5 and L5-S1.",
            ),
            (
                "disc_herniation",
                "affirmed",
                "side=left level=lumbar levels=L4-L5 section=imaging",
                "Left L4-5 disc extrusion contacting the traversing left L5 nerve root.",
            ),
            ("radiculopathy", "affirmed", "section=imaging", "Clinical correlation for radiculopathy."),
        ],
    ),
    (
        (
            "MRI LUMBAR SPINE WITHOUT CONTRAST. FINDINGS: Mild compression deformity of L1, chronic "
            "in appearance. No spinal canal stenosis.\nIMPRESSION: Left L4-5 disc extrusion contacting "
            "the traversing left L5 nerve root. Clinical correlation for radiculopathy."
        ),
        "imaging",
        [
            ("stenosis", "negated", "section=imaging", "No spinal canal stenosis."),
            (
                "disc_herniation",
                "affirmed",
                "side=left level=lumbar levels=L4-L5 section=imaging",
                "Left L4-5 disc extrusion contacting the traversing left L5 nerve root.",
            ),
            ("radiculopathy", "affirmed", "section=imaging", "Clinical correlation for radiculopathy."),
        ],
    ),
    (
        (
            "MRI LUMBAR SPINE WITHOUT CONTRAST. FINDINGS: Alignment is normal. Vertebral body heights "
            "are preserved. No fracture.\nIMPRESSION: Endplate degeneration at L4-L5. Cannot exclude "
            "early discitis; consider follow-up MRI."
        ),
        "imaging",
        [
            ("fracture", "negated", "section=imaging", "No fracture."),
            (
                "endplate_degeneration",
                "affirmed",
                "level=lumbar levels=L4-L5 section=imaging",
                "Endplate degeneration at L4-L5.",
            ),
        ],
    ),
    (
        (
            "MRI LUMBAR SPINE WITHOUT CONTRAST. FINDINGS: Type 1 Modic endplate changes at L4-L5 with "
            "endplate edema. Disc desiccation at L4-5 and L5-S1.\nIMPRESSION: Left L4-5 disc extrusion "
            "contacting the traversing left L5 nerve root. Clinical correlation for radiculopathy."
        ),
        "imaging",
        [
            (
                "modic_change",
                "affirmed",
                "level=lumbar levels=L4-L5 type=1 section=imaging",
                "Type 1 Modic endplate changes at L4-L5 with endplate edema.",
            ),
            (
                "endplate_degeneration",
                "affirmed",
                "section=imaging",
                "Type 1 Modic endplate changes at L4-L5 with endplate edema.",
            ),
            (
                "disc_degeneration",
                "affirmed",
                "level=lumbosacral levels=L4-L5|L5-S1 section=imaging",
                "Disc desiccation at L4-5 and L5-S1.",
            ),
            (
                "disc_herniation",
                "affirmed",
                "side=left level=lumbar levels=L4-L5 section=imaging",
                "Left L4-5 disc extrusion contacting the traversing left L5 nerve root.",
            ),
            ("radiculopathy", "affirmed", "section=imaging", "Clinical correlation for radiculopathy."),
        ],
    ),
    (
        (
            "Her cervical MRI reveals an 8 mm central spinal canal at C6-7, multilevel foraminal "
            "stenosis, though her report is not complete as we do not have all the pages."
        ),
        "history",
        [
            (
                "stenosis",
                "affirmed",
                "level=cervical levels=C6-C7 section=history",
                (
                    "Her cervical MRI reveals an 8 mm central spinal canal at C6-7, multilevel foraminal "
                    "stenosis, though her report is not complete as we do not have all the pages."
                ),
            ),
        ],
    ),
    (
        "Right lower extremity radiculopathy with history of post laminectomy pain.",
        "assessment",
        [
            (
                "radiculopathy",
                "affirmed",
                "side=right section=assessment",
                "Right lower extremity radiculopathy with history of post laminectomy pain.",
            ),
        ],
    ),
    (
        "She does have degenerative disk disease of her lumbar spine but no hip pathology.",
        "history",
        [
            (
                "disc_degeneration",
                "affirmed",
                "level=lumbar section=history",
                "She does have degenerative disk disease of her lumbar spine but no hip pathology.",
            ),
        ],
    ),
    (
        "Left knee and low back pain.",
        "history",
        [
            ("low_back_pain", "affirmed", "section=history", "Left knee and low back pain."),
        ],
    ),
    (
        (
            "Neuro Psychiatric: The patient denies any problems related to the central nervous "
            "system, such as seizures, altered mental status, cranial nerve symptoms, motor weakness, "
            "sensory symptoms (tingling, numbness, radicular pain, gait abnormalities."
        ),
        "history",
        [
            (
                "radiculopathy",
                "affirmed",
                "section=history",
                (
                    "Neuro Psychiatric: The patient denies any problems related to the central nervous "
                    "system, such as seizures, altered mental status, cranial nerve symptoms, motor weakness, "
                    "sensory symptoms (tingling, numbness, radicular pain, gait abnormalities."
                ),
            ),
        ],
    ),
    (
        "Residual stenosis, C3-C4, C4-C5, C5-C6, and C6-C7 with probable instability.",
        "assessment",
        [
            (
                "stenosis",
                "affirmed",
                "level=cervical levels=C3-C4|C4-C5|C5-C6|C6-C7 section=assessment",
                "Residual stenosis, C3-C4, C4-C5, C5-C6, and C6-C7 with probable instability.",
            ),
        ],
    ),
    (
        ("He currently takes OTC Advil and Tylenol for lower back pain, but no prescriptive medication."),
        "history",
        [
            (
                "low_back_pain",
                "affirmed",
                "section=history",
                ("He currently takes OTC Advil and Tylenol for lower back pain, but no prescriptive medication."),
            ),
        ],
    ),
    (
        "He comes to the emergency room on his own with 3-day history of back pain.",
        "history",
        [
            (
                "duration_acute",
                "affirmed",
                "section=history",
                "He comes to the emergency room on his own with 3-day history of back pain.",
            ),
        ],
    ),
    (
        (
            "HISTORY: Chronic low back pain x 2 years.\nFAMILY HISTORY: Mother had "
            "sciatica.\nASSESSMENT: L4-5 disc herniation; no radiculopathy."
        ),
        "assessment",
        [
            ("duration_chronic", "affirmed", "section=history", "Chronic low back pain x 2 years."),
            ("low_back_pain", "affirmed", "section=history", "Chronic low back pain x 2 years."),
            ("sciatica", "affirmed", "section=history experiencer=other", "Mother had sciatica."),
            (
                "disc_herniation",
                "affirmed",
                "level=lumbar levels=L4-L5 section=assessment",
                "L4-5 disc herniation; no radiculopathy.",
            ),
            ("radiculopathy", "negated", "section=assessment", "L4-5 disc herniation; no radiculopathy."),
        ],
    ),
    (
        ("In 2006, she had a lumbar fracture. Possible  left\tS1 radiculopathy, right L5 radiculopathy is suspected."),
        "assessment",
        [
            ("fracture", "historical", "level=lumbar section=assessment", "In 2006, she had a lumbar fracture."),
            (
                "radiculopathy",
                "hypothetical",
                "side=left level=sacral levels=S1 section=assessment",
                "Possible left S1 radiculopathy, right L5 radiculopathy is suspected.",
            ),
            (
                "radiculopathy",
                "hypothetical",
                "side=right level=lumbar levels=L5 section=assessment",
                "Possible left S1 radiculopathy, right L5 radiculopathy is suspected.",
            ),
        ],
    ),
    (
        ("Low back pain secondary to Modic type 1 and 2 endplate changes at L4-5, L5-S1 and L3-4; aortic stenosis."),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                (
                    "Low back pain secondary to Modic type 1 and 2 endplate changes at L4-5, L5-S1 and L3-4; "
                    "aortic stenosis."
                ),
            ),
            (
                "vertebral_link",
                "affirmed",
                "section=assessment",
                (
                    "Low back pain secondary to Modic type 1 and 2 endplate changes at L4-5, L5-S1 and L3-4; "
                    "aortic stenosis."
                ),
            ),
            (
                "modic_change",
                "affirmed",
                "level=lumbosacral levels=L4-L5|L5-S1|L3-L4 type=1 section=assessment",
                (
                    "Low back pain secondary to Modic type 1 and 2 endplate changes at L4-5, L5-S1 and L3-4; "
                    "aortic stenosis."
                ),
            ),
            (
                "modic_change",
                "affirmed",
                "level=lumbosacral levels=L4-L5|L5-S1|L3-L4 type=2 section=assessment",
                (
                    "Low back pain secondary to Modic type 1 and 2 endplate changes at L4-5, L5-S1 and L3-4; "
                    "aortic stenosis."
                ),
            ),
        ],
    ),
    (
        ("IMPRESSION: 1. Vertebrogenic pain. 2. Spinal stenosis at L3-4 with facet arthropathy. Dr. Smith reviewed."),
        "imaging",
        [
            (
                "stenosis",
                "affirmed",
                "level=lumbar levels=L3-L4 section=imaging",
                "Spinal stenosis at L3-4 with facet arthropathy.",
            ),
            ("spondylosis", "affirmed", "section=imaging", "Spinal stenosis at L3-4 with facet arthropathy."),
        ],
    ),
    (
        ("Pain in the right low back for the past 3 weeks, worse with sitting. R sacroiliac joint dysfunction."),
        "history",
        [
            (
                "low_back_pain",
                "affirmed",
                "side=right section=history",
                "Pain in the right low back for the past 3 weeks, worse with sitting.",
            ),
            (
                "duration_acute",
                "affirmed",
                "section=history",
                "Pain in the right low back for the past 3 weeks, worse with sitting.",
            ),
            ("sacroiliac_dysfunction", "affirmed", "side=right section=history", "R sacroiliac joint dysfunction."),
        ],
    ),
    (
        "Degenerative and protruding disc at L5-S1. Fracture was ruled out. Stenosis not seen.",
        "exam",
        [
            (
                "disc_degeneration",
                "affirmed",
                "level=lumbosacral levels=L5-S1 section=exam",
                "Degenerative and protruding disc at L5-S1.",
            ),
            (
                "disc_herniation",
                "affirmed",
                "level=lumbosacral levels=L5-S1 section=exam",
                "Degenerative and protruding disc at L5-S1.",
            ),
            ("fracture", "negated", "section=exam", "Fracture was ruled out."),
            ("stenosis", "negated", "section=exam", "Stenosis not seen."),
        ],
    ),
    (
        ("LBP, sub-acute, 8-week history of symptoms; lumbago vs. myofascial pain. 10:30 follow up."),
        "assessment",
        [
            (
                "low_back_pain",
                "affirmed",
                "section=assessment",
                "LBP, sub-acute, 8-week history of symptoms; lumbago vs. myofascial pain.",
            ),
            (
                "duration_subacute",
                "affirmed",
                "section=assessment",
                "LBP, sub-acute, 8-week history of symptoms; lumbago vs. myofascial pain.",
            ),
            (
                "low_back_pain",
                "hypothetical",
                "section=assessment",
                "LBP, sub-acute, 8-week history of symptoms; lumbago vs. myofascial pain.",
            ),
            (
                "myofascial",
                "hypothetical",
                "section=assessment",
                "LBP, sub-acute, 8-week history of symptoms; lumbago vs. myofascial pain.",
            ),
        ],
    ),
    (
        ("No evidence of radiculopathy, stenosis or fracture; the patient's father has spinal stenosis."),
        "assessment",
        [
            (
                "radiculopathy",
                "negated",
                "section=assessment",
                ("No evidence of radiculopathy, stenosis or fracture; the patient's father has spinal stenosis."),
            ),
            (
                "stenosis",
                "negated",
                "section=assessment",
                ("No evidence of radiculopathy, stenosis or fracture; the patient's father has spinal stenosis."),
            ),
            (
                "fracture",
                "negated",
                "section=assessment",
                ("No evidence of radiculopathy, stenosis or fracture; the patient's father has spinal stenosis."),
            ),
            (
                "stenosis",
                "affirmed",
                "section=assessment experiencer=other",
                ("No evidence of radiculopathy, stenosis or fracture; the patient's father has spinal stenosis."),
            ),
        ],
    ),
]


def summary(finding: Finding) -> Summary:
    """(finding, status, "key=value ..." of the other output fields in order, sentence)."""
    out = finding.to_json()
    extra = " ".join(
        f"{k}={'|'.join(v) if isinstance(v, list) else v}"
        for k, v in out.items()
        if k not in ("finding", "status", "sentence")
    )
    return out["finding"], out["status"], extra, out["sentence"]


@pytest.mark.parametrize(("text", "section", "expected"), CASES)
def test_golden_findings(text: str, section: str, expected: list[Summary]) -> None:
    assert [summary(f) for f in read(text, section)] == expected
