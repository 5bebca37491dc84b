"""What the reader looks for: finding phrases, durations, the vertebral link, and modifiers.

Decisions a coder would ask about (they follow ICD-10-CM's index and the coding rules in rules.md):

- disc_herniation: herniation, herniated disc, HNP, protrusion, extrusion, ruptured/slipped/prolapsed/
  sequestered disc, disc displacement. A disc *bulge* is not a herniation (radiology nomenclature keeps
  them apart; coders query rather than code M51.2- from "bulge"), so "bulge" is not read.
- disc_degeneration: degenerative disc disease, DDD, disc degeneration, degenerated/degenerative disc,
  desiccation.
- spondylosis: spondylosis/spondylotic, facet arthropathy/arthrosis/hypertrophy/syndrome (ICD-10-CM indexes
  facet arthropathy to M47.8-), the same of the uncovertebral and (zyg)apophyseal joints (apophyseal joints
  are the facets), alone or two joined ("uncovertebral and apophyseal joint arthrosis"), osteoarthritis of
  the spine. Not spondylolisthesis or spondylolysis, not osteophytes alone.
- stenosis: spinal/canal/central/(neuro)foraminal/lateral-recess stenosis or narrowing, narrowing of the
  spinal canal, a (neural) foramen or the lateral recess, "the central canal has been narrowed", bare
  "stenosis" unless it is a vessel or valve ("aortic stenosis"). Disc-space narrowing is not stenosis.
- fracture: any fracture mention (compression fracture included), and broke/broken with a bone or limb
  ("broke her left ankle", "a broken wrist"; not "broke out in a rash"); `level` tells spine from elsewhere.
- myofascial: "myofascial" and "myofascitis" only. A strain or sprain is an injury (S39.012-), not M54.59.
- sacroiliac_dysfunction: SI/sacroiliac joint dysfunction, pain, arthropathy, syndrome; sacroiliitis.
- low_back_pain: low/lower back pain, low back and leg pain, lumbago, LBP, lumbar/lumbosacral pain, pain
  in the low back, pain in one other part and the low back ("pain in the neck and lower back"), a short
  list sharing "pain" ("low back, left buttock and leg pain"; the other parts' sides are not the back's).
  Bare "back pain" is not low back pain (it codes to M54.9).
- radiculopathy: radiculopathy, radicular pain/symptoms, radiculitis. sciatica: sciatica, sciatic pain.
- vertebral_link: "vertebrogenic", or pain tied to endplate/Modic changes ("secondary to", "due to",
  "attributed to", "which I attribute (it) to", "related to", "caused by", "from", "Modic changes ...
  source of her pain", or "Modic changes ... are the pain generator/source").
- side: the nearest side word in the same phrase; "left worse/greater than right", "left > right" and
  "L > R" are bilateral (both sides are affected, one more).
"""

from __future__ import annotations

import re

from streams.core.reading.scan import words

__all__ = [
    "FINDINGS",
    "DURATIONS",
    "LBP_LISTED_BEFORE",
    "LISTED_AFTER",
    "X_AFTER_PAIN",
    "VERTEBRAL_LINK",
    "MODIFIER_WORDS",
    "SEGMENTS",
    "FINDING_STEMS",
    "DURATION_STEMS",
    "VERTEBRAL_LINK_STEMS",
    "VERTEBRAL_LINK_WORDS",
    "MODIFIER_STEMS",
    "PREFILTER_STEMS",
    "SYMPTOM",
    "NON_SPINAL_STENOSIS",
    "NON_SPINAL_STENOSIS_AFTER",
    "MODIC_TYPE",
    "NUMBERS",
    "UNIT_WEEKS",
    "HERNIATION_WORD",
]

_DISC = r"dis[ck]s?"
# Where nerves run: narrowing here is stenosis (of a disc space it is not).
_NARROWED_SPACE = (
    r"(?:(?:(?:lumbar|cervical|thoracic)\s+)?(?:spinal|central)\s+canal|(?:neural\s+|neuro)?foram(?:en|ina)"
    r"(?!\s+(?:magnum|ovale))|lateral\s+recess(?:es)?)"
)

# One alternation, one named group per finding key. Order matters where phrases overlap: Modic before
# endplate, so "Modic endplate changes" is one modic_change.
FINDINGS = re.compile(
    r"\b(?:"
    # Modic: "Modic type 1 changes", "type II Modic endplate changes", "Modic 2", "Modic changes"
    r"(?P<modic_change>(?:type\s+(?:[123]|i{1,3})\b(?:\s*(?:and|or|/|-|,)\s*(?:[123]|i{1,3})\b)?\s+)?modic"
    r"(?:\s+(?:type\s*)?(?:[123]|i{1,3})\b(?:\s*(?:and|or|/|-|,)\s*(?:type\s*)?(?:[123]|i{1,3})\b)?)?"
    r"(?:\s+(?:degenerative\s+)?(?:end\s?-?plates?|vertebral\s+body|bone\s+marrow|marrow))?"
    r"(?:\s+(?:changes?|signal(?:\s+changes?)?|edema|abnormalit(?:y|ies)|degeneration|type\b))?)"
    r"|(?P<endplate_degeneration>(?:degenerative|degenerated|reactive)\s+(?:vertebral\s+)?end\s?-?plates?"
    r"(?:\s+(?:changes?|signal|sclerosis|edema|irregularit(?:y|ies)|abnormalit(?:y|ies)))?"
    r"|(?:vertebral\s+)?end\s?-?plates?\s+(?:degeneration|degenerative\s+changes?|changes?|sclerosis|edema"
    r"|irregularit(?:y|ies)|abnormalit(?:y|ies)|signal\s+changes?|erosions?|disease"
    r"|damage))"
    r"|(?P<disc_degeneration>degenerative\s+" + _DISC + r"(?:\s+disease)?|ddd|" + _DISC + r"\s+degeneration"
    r"|degenerat(?:ed|ing)\s+(?:[\w-]+\s+){0,2}?"
    + _DISC
    + r"|degenerative\s+(?:[\w-]+\s+){1,2}?"
    + _DISC
    + r"|"
    + _DISC
    + r"(?:\s+space)?\s+(?:desiccation|dessication|degenerative\s+changes?)"
    r"|desiccat(?:ed|ion)|dessicat(?:ed|ion)"
    r"|degenerative\s+changes?\s+(?:of|in|at|involving)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?" + _DISC + r")"
    r"|(?P<disc_herniation>hnp|herniated\s+nucleus\s+pulposus"
    r"|" + _DISC + r"\s+(?:herniations?|protrusions?|extrusions?|prolapse|rupture|displacement|fragments?)"
    r"|(?:ruptured|slipped|prolapsed|sequestered)\s+(?:[\w-]+\s+){0,2}?" + _DISC + r""
    r"|(?:herniat(?:ed|ion|ions|ing)|protru(?:sion|sions|ding|ded)|extru(?:sion|sions|ded))"
    r"(?:\s+(?:[\w-]+\s+){0,2}?" + _DISC + r"\b)?)"
    r"|(?P<spondylosis>spondylosis|spondylotic|spondylarthrosis"
    # bony spurs at the endplate are spondylosis, not the (Modic) endplate change behind M54.51
    r"|(?:vertebral\s+)?end\s?-?plates?\s+(?:osteophytes?|spurring|spurs?)"
    r"|facet(?:\s+joint)?s?\s+(?:arthropathy|arthrosis|arthritis|hypertrophy|degeneration|disease|osteoarthritis"
    r"|syndrome|degenerative\s+changes?)"
    # uncovertebral and (zyg)apophyseal joints, one or two joined by "and": spinal joint arthropathy
    r"|(?:uncovertebral|(?:zyg)?apophys[ei]al|facet)(?:\s+(?:and|or|&|/)\s+(?:uncovertebral|(?:zyg)?apophys[ei]al"
    r"|facet))?(?:\s+joints?)?\s+(?:arthropathy|arthrosis|arthritis|osteoarthritis|hypertrophy|degeneration"
    r"|degenerative\s+changes?)"
    r"|(?:hypertrophic|degenerative|arthritic)\s+(?:changes?\s+(?:of|in)\s+the\s+)?facets?(?:\s+joints?)?"
    r"|facet\s+(?:joint\s+)?(?:(?:hypertrophic|degenerative|arthritic)\s+)?changes?"
    r"|osteoarthritis\s+of\s+the\s+(?:\w+\s+)?spine|(?:lumbar|cervical|thoracic)\s+(?:spine\s+)?osteoarthritis"
    r"|degenerative\s+(?:joint\s+disease|arthritis)\s+of\s+the\s+(?:\w+\s+)?spine)"
    r"|(?P<stenosis>(?:spinal|canal|central|foraminal|neuroforaminal|neural\s+foraminal|lateral\s+recess"
    r"|subarticular|recess|lumbar)\s+(?:canal\s+)?(?:stenosis|narrowing)|stenos[ie]s|stenotic"
    r"|(?:neuro)?foraminal\s+(?:encroachment|compromise)"
    # "narrowing of the spinal canal", "a narrowed foramen", "the central canal has been narrowed": canal,
    # foramen, recess only; not what narrowed it ("the disc narrowed the spinal canal" names the disc)
    r"|(?:narrowing\s+(?:of|in|at|within)\s+(?:the\s+)?|narrow(?:ed)?\s+)(?:(?:left|right|bilateral)\s+)?"
    r"(?:[a-z]\d{1,2}(?:\s*-\s*[a-z]?\d{1,2})?\s+)?" + _NARROWED_SPACE + r""
    r"|" + _NARROWED_SPACE + r"\s+(?:is|are|was|were|has\s+been|have\s+been|appears?|remains?|becomes?)\s+"
    r"(?:(?:mildly|moderately|severely|markedly|minimally|slightly|significantly|focally|further|also|congenitally"
    r"|critically|to|and)\s+){0,3}narrowed)"
    r"|(?P<fracture>fractures?|fractured|fx"
    # "broke her left ankle", "a broken wrist": a bone or limb after it ("broke out in a rash" is not one)
    r"|brok(?:e|en)\s+(?:(?:his|her|their|my|the|a|both)\s+)?(?:(?:left|right|lt|rt)\s+)?(?:[a-z]\d{1,2}\s+)?(?:ankles?|wrists?"
    r"|hips?|legs?|arms?|foot|feet|ribs?|femurs?|tibias?|tibiae|fibulas?|fibulae|pelvis|vertebra[el]?|back|neck"
    r"|nose|fingers?|toes?|elbows?|collarbones?|clavicles?|humerus|bones?))"
    r"|(?P<myofascial>myofascitis|myofascial(?:\s+(?:pain(?:\s+syndrome)?|syndrome|strain|component|dysfunction"
    r"|trigger\s+points?))?)"
    r"|(?P<sacroiliac_dysfunction>sacroiliitis|sacroiliac\s+joint\s+(?:mediated\s+)?pain"
    r"|(?:sacroiliac|s\.?i\.?)(?:\s+joints?)?\s+(?:dysfunction|pain|arthropathy|arthritis|syndrome|disease"
    r"|irritation|inflammation|instability|mediated\s+pain|joint\s+pain)"
    r"|(?:dysfunction|pain|arthropathy)\s+(?:of|in|at)\s+(?:the\s+)?(?:(?:left|right|bilateral)\s+)?"
    r"(?:sacroiliac|si)\s+joints?"
    r"|pain\s+(?:radiat\w+|originat\w+|com\w+|aris\w+)\s+from\s+(?:the\s+|her\s+|his\s+)?(?:(?:left|right)\s+)?"
    r"(?:sacroiliac|si)\s+joints?)"
    r"|(?P<low_back_pain>lbp|lumbago|lumbalgia|low(?:er)?[\s-]+back\s+syndrome"
    r"|(?:low(?:er)?\s+)?paralumbar\s+(?:\w+\s+)?pain"
    r"|low(?:er)?[\s-]*back(?:\s+(?:and|or|/|&)\s+(?:[a-z]+\s+){0,2}?|\s+(?:region|area)\s+|\s+)"
    r"(?:pain|ache|aches|aching|discomfort)"
    # "low back, left buttock and leg pain": the list is looked at, not read, so its sides stay its own
    r"|low(?:er)?[\s-]*back(?=(?:\s*,\s*[a-z]+(?:\s+[a-z]+)?){1,2},?\s+(?:and|or|&)\s+[a-z]+(?:\s+[a-z]+)?"
    r"\s+(?:pain|ache|aches|aching|discomfort)\b)"
    r"|low(?:er)?[\s-]?back(?:ache|pain)"
    r"|(?:lumbar|lumbosacral)(?:\s+(?:spine|back|region|area))?\s+(?:pain|ache|discomfort)"
    r"|(?:pain|ache|aching|discomfort)\s+(?:in|of|across|involving|to|at)\s+(?:the\s+|his\s+|her\s+|my\s+|their\s+)?"
    r"(?:(?:left|right|bilateral|mid|midline|central|lower|low)\s+)*(?:low(?:er)?[\s-]+back|lumbar\s+(?:spine|region|area)"
    r"|lumbosacral\s+(?:spine|region|area|junction))"
    # "pain in the neck and lower back": only "pain" is read, so the other part's side is not the back's
    r"|(?:pain|ache|aching|discomfort)(?=\s+(?:in|of|across|involving|to|at)\s+(?:the\s+|his\s+|her\s+|my\s+|their\s+)?"
    r"[a-z]+(?:\s+[a-z]+)?(?:\s*,\s*(?:and\s+)?|\s+(?:and|or|&)\s+|\s*/\s*)(?:the\s+|his\s+|her\s+|my\s+|their\s+)?"
    r"(?:(?:left|right|bilateral|mid|midline|central)\s+)?low(?:er)?[\s-]+back\b))"
    r"|(?P<radiculopathy>radiculopath(?:y|ies|ic)|polyradiculopathy|radiculitis"
    r"|radicular(?!\s+(?:impingement|compression|nerve|artery|vein))(?:\s+(?:pain|symptoms?|complaints?|component|features?|signs?|process|irritation|leg\s+pain))?)"
    r"|(?P<sciatica>sciatica|sciatic(?:\s+nerve)?[\s-]+(?:type\s+)?(?:pain|symptoms?|neuralgia|irritation)"
    r"|ischialgia)"
    r")\b",
)

# Vessels and valves, checked on the words just before a bare "stenosis".
NON_SPINAL_STENOSIS = re.compile(
    r"\b(?:aortic|mitral|valv\w*|carotid|renal|pyloric|tracheal|subglottic|urethral|meatal|pulmonic|pulmonary"
    r"|tricuspid|coronary|arterial|artery|biliary|ductal|esophageal|anastomotic|vascular|subclavian|iliac|femoral"
    r"|popliteal|tibial|mesenteric|celiac|ureteral|ureteropelvic|vaginal|venous|intestinal|duodenal|colonic|anal"
    r"|bronchial|laryngeal|stent|graft|ostial|ica|eca|cca|lad|lcx|rca|sfa|pda|svc|ivc|ras)\W+(?:\w+\W+)?$",
)

# ... and on the words just after it: "60% stenosis of the left internal carotid artery".
NON_SPINAL_STENOSIS_AFTER = re.compile(
    r"\W+(?:of|in|at|involving)\W+(?:the\W+)?(?:(?:left|right|bilateral|proximal|mid|distal|internal|external"
    r"|common|main|superficial|origin\W+of\W+the)\W+){0,3}"
    r"(?:aort\w*|mitral|valv\w*|carotid|renal|pylor\w*|trache\w*|subglottic|urethr\w*|meat\w*|pulmon\w*"
    r"|tricuspid|coronary|arter\w*|biliary|bile|duct\w*|esophag\w*|anastomo\w*|vascular|vessel\w*|vein\w*"
    r"|iliac|femoral|popliteal|subclavian|vertebral\W+arter\w*|basilar|ostium|ostial|stent|graft|bowel|colon|ureter\w*"
    r"|bronch\w*|larynx|airway)\b"
)

# "degenerative and protruding disc" is read as one disc_degeneration match; this finds the herniation in it.
HERNIATION_WORD = re.compile(r"herniat|protru|extru")

MODIC_TYPE = re.compile(r"\b(?:type\s*)?([123]|iii|ii|i)\b")

# Duration: an adjective in front of a back term ("acute on chronic low back pain") or a time span.
_NUM = (
    r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty"
    r"|thirty|a\s+few|a\s+couple(?:\s+of)?|couple(?:\s+of)?|few|several|many|a|an"
)
_NUM2 = (
    r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty"
    r"|thirty|a\s+few|a\s+couple(?:\s+of)?|couple(?:\s+of)?|few|several|many"
)
_NUM4 = (  # a number that starts its own word (a stem): "a few" starts with "a", no stem
    r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty"
    r"|thirty|few|several"
)
_UNIT = r"days?|weeks?|wks?|months?|mos?|years?|yrs?"
# The pain of another part right after a duration word is that part's duration: "chronic neck pain",
# "longstanding knee pain" say nothing of the low back's (found by a coder's review); "chronic neck pain;
# chronic low back pain" has its own. Another part named together with the low back shares the word
# ("chronic neck and low back pain", "chronic neck and lumbar pain"); any other "and" still stops it
# ("chronic kidney disease and low back pain" is no duration of the back, a review found).
_OTHER_PART = (
    r"(?:neck|cervical|shoulders?|knees?|hips?|elbows?|wrists?|hands?|feet|foot|ankles?|abdominal|pelvic"
    r"|chest|head|jaw|thoracic|upper[\s-]+back|mid[\s-]*back)"
)
_OTHER_PAIN = _OTHER_PART + r"[\s-]+pain\b"
DURATIONS = re.compile(
    r"\b(?P<adj>acute|sub-?acute|chronic|long[\s-]?standing)\b(?![\s-]+" + _OTHER_PAIN + r")(?="
    r"(?:[\s,-]+(?!with\b|of\b|from\b|in\b|for\b|and\s+(?!chronic|sub)|but\b)[a-z/]+){0,3}?[\s,-]+"
    r"(?:low(?:er)?[\s-]*back|back|lumbar|lumbosacral|lbp|lumbago|pain|sciatica|radicul\w*|myofasci(?:al|tis)"
    r"|sacroiliac|si|exacerbation|flare)\b"
    r"|[\s-]+" + _OTHER_PART + r"(?:\s*,\s*|\s+)(?:and\s+)?(?:low(?:er)?[\s-]*back|lumbar|lumbosacral)\b)"
    r"|(?:\b(?:for|since|over|x|times|during|past|last)\b|\u00d7|\bx(?=\d))\s*(?:the\s+)?"
    r"(?:(?:past|last|previous|prior|preceding|approximately|approx\.?|about|around|almost|nearly|roughly"
    r"|over|greater\s+than|more\s+than|less\s+than|at\s+least|>|<|~)\s*)*"
    r"(?P<num>" + _NUM + r")?(?:\s*(?:to|-)\s*(?:\d+|[a-z]+))?[\s-]*(?P<unit>" + _UNIT + r")\b"
    r"|\b(?P<num2>" + _NUM2 + r")[\s-]+(?P<unit2>day|week|wk|month|mo|year|yr)s?(?:'s?)?[\s-]+(?:history|duration)"
    r"|\b(?:began|started|start|onset|beginning)\b[^.;\n]{0,30}?\b(?P<num3>" + _NUM + r")\s+"
    r"(?P<unit3>" + _UNIT + r")\s+ago\b"
    # "since yesterday", "since this morning": days ("since last week" is a `unit` above)
    r"|\bsince\s+(?P<recent>yesterday|last\s+(?:night|evening|weekend)|this\s+(?:morning|afternoon|evening|week)"
    r"|the\s+(?:weekend|other\s+day))\b"
    # problem-list style, after the pain and a comma: "Low back pain, chronic.", "Low back pain, 6 weeks";
    # the reader checks the comma and the pain before them (LBP_LISTED_BEFORE: no look-behind here)
    r"|\b(?P<adj2>acute|sub-?acute|chronic)\b(?=\s*(?:[.,;:)]|$))"
    r"|\b(?P<num4>" + _NUM4 + r")[\s-]*(?P<unit4>" + _UNIT + r")\b"
    r"(?![\s-]+(?:ago|post|out|after|of|later|prior|before|earlier|status|s/p|postop|old)\b)",
)
# What must come right before those two: the low back's pain itself and a comma, maybe descriptors between
# ("Low back pain, chronic.", "LBP, left, improving, now 4 weeks"); not another part's ("mid back pain,
# chronic", "knee pain, chronic") and not a treatment's object ("prednisone taper for sciatica, 6 days").
# And after a time span, the end of its list item ("PT 2x/week, 6 weeks of therapy", "6-week course" are
# not the pain's). From a CDI review of the first version: "pain" anywhere before a comma let in 117 wrong
# durations against 35 right ones (therapy courses, follow-up, work notes, comorbidities, ages).
_NOT_FOR = r"(?<!for )(?<!for the )(?<!for his )(?<!for her )(?<!for low )(?<!for lower )"
LBP_LISTED_BEFORE = re.compile(
    r"(?:"
    + _NOT_FOR
    + r"(?<!mid )(?<!mid-)(?<!upper )(?<!thoracic )(?<!neck and )\bback\s+pain|"
    + _NOT_FOR
    + r"(?:\blbp|\blumbago|\bsciatica|\blumbar\s+radiculopathy))"
    r"(?:\s*,\s*(?:left|right|bilateral|improving|worsening|worse|better|stable|unchanged|intermittent|persistent"
    r"|constant|mild|moderate|severe|recurrent|mechanical|axial|nonradicular|non-radicular|new))*"
    r"\s*,\s*(?:(?:now|about|approximately|approx\.?|around|nearly|roughly)\s+|~\s*)?$"
)
LISTED_AFTER = re.compile(r"\s*(?:[.,;)]|$|duration\b|history\b|hx\b)")
# "LBP x2 weeks": the "x" right after the pain's words
X_AFTER_PAIN = re.compile(r"(?:back\s+pain|\blbp|\blumbago|\bsciatica)\s*$")
NUMBERS = {
    "one": 1.0, "a": 1.0, "an": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0,
    "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0, "eleven": 11.0, "twelve": 12.0, "fifteen": 15.0,
    "eighteen": 18.0, "twenty": 20.0, "thirty": 30.0, "few": 3.0, "couple": 2.0, "several": 3.0, "many": 3.0,
}  # fmt: skip
UNIT_WEEKS = {"d": 1 / 7, "w": 1.0, "m": 52 / 12, "y": 52.0}
# A time span counts as the pain's duration only in a sentence about symptoms.
SYMPTOM = re.compile(r"pain|back|lbp|lumbago|sciatica|radicul|symptom|ache|discomfort")

# The provider ties the pain to endplate/Modic changes. Group `at` (`at2`, `at3`, `at4`) marks where status
# triggers look: "Modic changes are not the pain generator" is negated by the "not" before `at4`.
_LINKED = r"(?:end\s?-?plates?|modic|vertebral\s+body\s+(?:edema|marrow|changes?))"
VERTEBRAL_LINK = re.compile(
    r"\b(?P<at>vertebrogenic)\b"
    r"|\b(?:pain|lbp|lumbago|symptoms?)\b[^.;\n]{0,80}?\b(?P<at2>secondary\s+to|due\s+to"
    r"|attribut(?:e|es|ed|able)\s+(?:(?:it|this|these|them|that)\s+)?to"
    r"|related\s+to|caused\s+by|because\s+of|(?:arising|originating|stemming|coming)\s+from"
    r"|from|generated\s+by)\b[^.;\n]{0,60}?\b" + _LINKED + r"\b"
    r"|\b" + _LINKED + r"\b[^.;\n]{0,60}?\b(?P<at3>(?:the\s+)?(?:pain\s+)?"
    r"(?:source|cause|generator|etiology|origin)s?\s+of|explains?|accounts?\s+for|responsible\s+for|causing"
    r"|producing)\b[^.;\n]{0,40}?\b(?:pain|lbp|symptoms?)\b"
    # "Modic changes are the pain generator": the pain word comes first, none needed after
    r"|\b" + _LINKED + r"\b[^.;\n]{0,60}?\b(?P<at4>(?:the\s+)?(?:primary\s+|main\s+)?"
    r"(?:pain|symptom)\s+(?:generators?|sources?))\b",
)

# Side and level words near a finding (on lowercased text), and spinal segments and single-letter sides
# "L"/"R" (on the original text: case tells "L5" and "L" from "l"). One pass of each per sentence.
_ONE_SIDE = r"(?:left|right|lt|rt|lle|rle)"
MODIFIER_WORDS = re.compile(
    # "left worse than right", "left > right": both sides, one more (tried before "left" alone)
    r"\b(?:(?P<bilateral>"
    + _ONE_SIDE
    + r"\s*(?:[<>]|(?:worse|greater|more)\s+than)\s*"
    + _ONE_SIDE
    + r"|bilateral(?:ly)?|both\s+(?:sides|legs|lower\s+extremities|buttocks)|b/l|bles?)"  # "BLE": both legs
    r"|(?P<left>left|lt|lle)|(?P<right>right|rt|rle))"  # "LLE"/"RLE": that side's lower extremity
    r"(?:[\s-]*sided)?\b"
    r"|\b(?P<level>lumbosacral|thoracolumbar|cervicothoracic|lumbar|thoracic|cervical|sacral|sacrum)\b"
)
# Starts with a character class (fast scan); the look-behind stands in for a leading \b. "L > R" (also
# "R<L", "L worse than R") is one match: both sides.
# T1 and T2 as MRI sequences ("hypointense on T1", "T2-weighted", "T1 and T2 hyperintense"), not segments:
# read as T1/T2 they made a lumbar MRI's Modic change a thoracic finding. Checked after the letter, so the
# pattern still starts with a character class (re skips to it fast).
_SEQUENCE_WORDS = (
    r"(?i:weighted|w\b|hyper|hypo|signal|image|sequence|intens|bright|dark|shortening|prolongation|flair|stir)"
)
_MRI_SEQUENCE = (
    r"(?!(?<=T)[12](?:\s*-?\s*" + _SEQUENCE_WORDS + r"|\s*(?:and|or|/|,)\s*T[12]\s*-?\s*" + _SEQUENCE_WORDS + r"))"
    # "hypointense on T1", "signal on T2" (but "compression fracture on T1" is the vertebra)
    r"(?!(?<=intense on T)[12]\b)(?!(?<=signal on T)[12]\b)(?!(?<=intensity on T)[12]\b)"
)
SEGMENTS = re.compile(
    r"[CTLSR](?<![A-Za-z0-9][CTLSR])" + _MRI_SEQUENCE + r"(?:"
    r"(?<=[LR])(?:(?:\s*[<>]\s*|\s+(?:worse|greater|more)\s+than\s+)[LR])?(?![-/]?\w)"
    r"|(?<=[CTLS])\s?-?(?P<n1>\d{1,2})(?:\s*(?:-|/|to|through|\u2013)\s*(?P<seg2>[CTLS])?\s?-?(?P<n2>\d{1,2}))?\b)"
)

# Stems every match of a pattern starts with (see scan.py); tests check them against the corpus.
_NUMBER_STEMS = (
    *words("one two three four five six seven eight nine ten eleven twelve fifteen eighteen twenty thirty few"),
    *words("several couple"),
    *(f"{d}{sep}" for d in range(100) for sep in (" ", "-", ".")),
)
FINDING_STEMS = (
    *words(
        "modic degenerat reactive endplate ddd disc disk desic dessic hnp hern rupt slip prolap seques protru "
        "extru spondyl facet uncov apophys zygapophys hypertroph arthritic osteoarth lumb foram subart stenos "
        "stenot narrow fract fx brok myofasc sacro s.i lbp lowb lowerb paralumb radic polyrad sciat ischi"
    ),
    *("type 1", "type 2", "type 3", "type i", "vertebral end", "end plate", "end-plate", "si ", "arthropathy "),
    *("cervical s", "cervical o", "thoracic s", "thoracic o", "spinal s", "spinal c", "spinal n", "canal s"),
    *("canal n", "central s", "central c", "central n", "neuroforam", "neural foram", "lateral recess"),
    *("recess s", "recess n", "dysfunction ", "ache ", "aches ", "aching ", "discomfort "),
    *("low b", "low-b", "lower b", "lower-b", "low p", "lower p"),
    *(f"pain {w}" for w in words("in of across involving to at radiat originat com aris")),
)
DURATION_STEMS = (
    *words("acute sub-a suba chronic long for since over times during past last \u00d7 began start onset beginning"),
    "x ",
    *(f"x{d}" for d in range(10)),  # "LBP x2 weeks"
    *_NUMBER_STEMS,
)
VERTEBRAL_LINK_STEMS = words("vertebr pain lbp lumbago symptom end modic")
# Every VERTEBRAL_LINK match holds one of these: "vertebrogenic" or the words of `at2` or `at3`. A text
# without them has no link (tests/test_reading_scan.py checks that on the corpus).
VERTEBRAL_LINK_WORDS = words(
    "due secondary from related attribut caus vertebrogenic generat source etiology origin explain account "
    "responsible producing"
)
MODIFIER_STEMS = (
    *words("left lt right rt bilateral b/l lumbosacral thoracolumbar cervicothoracic lumbar thoracic cervical"),
    *words("lle rle ble"),
    *("sacral", "sacrum", "both s", "both l", "both b"),
)
# A sentence without any of these has no finding, duration or link: skipped before the patterns run.
PREFILTER_STEMS = words(
    "radic sciat ischialg back lumb lbp dis ddd hnp hern protru extru modic plate spondyl facet spin stenos "
    "stenot foram fract fx myofasc sacroil si s.i acute chronic desiccat dessicat vertebr day week wk month "
    "mo year yr arth rupt slip prolap seques pain apophys narrow broke since long"
)
