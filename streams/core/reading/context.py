"""ConText-style status and experiencer for findings in one sentence.

Coding needs more than "the word is there": "no radiculopathy", "possible S1 radiculopathy", "history of
sciatica" and "mother had sciatica" all mention a finding that the provider does not document for this
patient now. Following ConText (Harkema et al., 2009), trigger phrases open a scope: pre-triggers forward,
post-triggers backward, both ending at a terminator ("but", "however", "which", ";", ":" ...) or the
sentence end, and at most `_MAX_WORDS` words away so that a "no" early in a long sentence does not
swallow an unrelated finding at its end. Within that window a negation distributes over a list
("no evidence of radiculopathy, stenosis or fracture"). Pseudo-triggers ("no change", "not only",
"over the past", "3-year history of") are matched first and trigger nothing.

When several triggers cover a finding: negated > hypothetical > historical > affirmed. Uncertainty words
follow the outpatient coding guideline (ICD-10-CM Section IV.H): "probable", "likely", "suspected",
"questionable", "rule out" are not coded, so they are hypothetical; so are "consistent with", "compatible
with" and "c/w" before a diagnosis the provider infers (a coder's review: "radiating down the left leg,
consistent with sciatica" was coded as sciatica), though not in an imaging report, where they are how a
radiologist states a finding, and not where the reader (reading._hedges) sees the diagnosis established or
the phrase about something else ("consistent with her known sciatica", "c/w gabapentin").
What a consent discussion lists ("risks and benefits of the surgery including ...", "complications such
as ...") and what the patient fears ("afraid that she broke ...") are hypothetical too.
"N-year history of" and "long history of" describe an ongoing condition and are not historical.
A hedged cause of a finding called "known" leaves the finding established.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from operator import itemgetter

from streams.core.reading.scan import Scanner, words

__all__ = ["TRIGGERS", "TRIGGER_STEMS", "Trigger", "triggers", "status_at", "punctuation_terms"]

_MAX_WORDS = 10
_MAX_WORDS_EXPERIENCER = 6

_RELATIVE = (
    r"(?:mother|father|brother|sister|mom|dad|son|daughter|wife|husband|spouse|parents?|siblings?|grandmother"
    r"|grandfather|grandparents?|aunt|uncle|cousin|niece|nephew|twin)s?"
)

# What a consent discussion lists may happen, not what the patient has: "risks and benefits of the surgery
# including ...", "risks of the procedure such as ...", "potential complications including ...". Only
# procedure words may stand between the risks and the list, so that a finding there is still read.
_RISK_LIST = (
    r"(?:(?:potential|possible)\s+)?(?:risks?|complications?)(?:\s*,?\s*(?:and\s+|or\s+)?(?:benefits?"
    r"|alternatives?|complications?|risks?)){0,3}(?:\s+(?:of|from|for|with)\s+(?:the\s+|this\s+|a\s+|an\s+"
    r"|his\s+|her\s+|their\s+)?(?:[a-z-]+\s+){0,2}?(?:surgery|surgeries|procedures?|operations?|injections?"
    r"|treatment|therapy|intervention|fusion|decompression|anesthesia|medications?|blocks?|ablation))?"
    r"(?:\s+(?:were|was|have\s+been|has\s+been)\s+(?:discussed|explained|reviewed|described))?"
    r"\s*,?\s*(?:including|includes?|such\s+as)"
)

# A hedge on a cause is one trigger: "probably related to", "most likely secondary to", "possibly due to",
# "likely from". Apart, the causal words end the scope (they are terminators), and "disc herniation" after
# them read as affirmed: an uncertain diagnosis, which outpatient coding does not code (guideline IV.H).
_HEDGED_CAUSE = (
    r"(?:(?:most|more|very)\s+)?(?:probably|possibly|likely|presumably|perhaps|questionably|potentially"
    r"|probable|possible|suspected)\s+(?:(?:be|being)\s+)?(?:related\s+to|due\s+to|secondary\s+to|caused\s+by"
    r"|attributable\s+to|attributed\s+to|from|a\s+result\s+of|the\s+result\s+of|associated\s+with)"
)

# "Family history: positive for ...", "family history is significant for ...", "PMH significant for ...":
# one trigger each, colon included, so that ":" and "positive / significant for" (terminators) do not end it.
_HISTORY_FOR = r"\s*(?:(?:is|was)\s+)?(?:significant|notable|remarkable|positive)\s+for"
_HISTORY_OPENS = r"(?:\s*:)?(?:" + _HISTORY_FOR + r")?"

# Group order is match priority at one position: pseudo first, then post forms that begin with a pre word
# ("not seen" before "not"), then the rest. Group names: <kind>_<direction>.
TRIGGERS = re.compile(
    r"(?P<pseudo>\b(?:not\s+only|no\s+(?:significant\s+)?(?:change|increase|interval\s+change|improvement|relief"
    r"|better|further|new\s+complaints)|not\s+(?:improved|helped|relieved|resolved|better|responded|certain)"
    r"|(?:has|have|had)\s+not\s+(?:helped|improved|resolved|responded)|without\s+(?:relief|improvement|help"
    r"|benefit|difficulty|success)|gram[\s-]negative|failed\s+to\s+(?:improve|respond|resolve)"
    r"|(?:for|over|in|during|within)\s+the\s+(?:past|last|previous|preceding)"
    r"|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|many|few)[\s-]+(?:day|week|month|year)s?"
    r"(?:'s?)?[\s-]+(?:history|hx)\s+of|long(?:[\s-]standing)?\s+history\s+of|history\s+of\s+present\s+illness"
    r"|prior\s+to|no\s+longer\s+(?:able|working)|not\s+able|unable"
    r"|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few)[\s-]*"
    r"(?:year|yr|month|week|day)s?[\s-]*old|previously\s+(?:described|noted|reported|documented"
    r"|mentioned|discussed|seen)|present(?:s|ing|ed)?\s+with\s+(?:a\s+)?history\s+of"
    r"|not\s+(?:clearly\s+|necessarily\s+|really\s+)?(?:associated|related|correlated?|attributable|due|secondary)"
    r"|(?:does|did|do)\s+not\s+(?:really\s+|clearly\s+)?(?:correlate|explain|account)"
    # a treatment's possibility and a condition's progression are not the condition in doubt: "discussed the
    # possibility of surgery for his L4-5 disc herniation", "concern for progression of his stenosis"
    r"|possibilit(?:y|ies)\s+of\s+(?:a\s+|an\s+|further\s+)?(?:surgery|surgical|operative|operation|injections?"
    r"|procedures?|treatment|therapy|fusion|decompression|intervention|discectomy|laminectomy|ablation)"
    r"|(?:worrisome|concern(?:ing|ed)?)\s+(?:for|about|of)\s+(?:the\s+)?(?:progression|worsening|deterioration)"
    r"|(?:lack|lacks|lacked|lacking)\s+of\s+(?:improvement|response|relief|progress|benefit|success|change))\b)"
    r"|(?P<hyp_post>\b(?:(?:is|are|was|were)\s+(?:suspected|possible|questionable|likely|considered|probable)"
    r"(?!\s+(?:related|due|secondary|caused|from|attributable|attributed|a\s+result|the\s+result|associated)\b)"
    r"|(?:suspected|questionable)(?=\s*(?:[.,;]|$))|(?:is\s+|are\s+)?not\s+excluded"
    r"|(?:can\s*not|can't|could\s+not|couldn't|may\s+not)\s+be\s+(?:excluded|ruled\s+out)"
    r"|not\s+(?:be\s+|been\s+)?ruled\s+out|(?:(?:is|are|was|were|remains?)\s+)?(?:in|on)\s+the\s+differential"
    r"|(?:to|may|might|must|should|will|could|can|needs?\s+to|has\s+to)\s+be\s+(?:ruled\s+out|excluded))\b)"
    r"|(?P<neg_bothfor>\b(?:is|are|was|were|has\s+been|have\s+been)\s+negative\s+for\b)"
    r"|(?P<neg_prefor>\bnegative(?:\s+[a-z]+){0,5}?\s+for\b)"
    r"|(?P<neg_post>\b(?:(?:is|are|was|were|has\s+been|have\s+been)\s+)?(?:absent|ruled\s+out|excluded"
    r"|not\s+(?:seen|identified|present|demonstrated|visualized|appreciated|noted|evident|found)"
    r"|no\s+longer\s+(?:present|seen|evident)|negative(?!\s+for\b)"
    r"|unlikely)\b)"
    r"|(?P<hyp_both>\b(?:versus|vs\.?)(?=\s))"
    r"|(?P<neg_pre>\b(?:no\s+(?:evidence|signs?|sign|indication|findings?|history|complaints?)\s+(?:of|for|to\s+suggest)"
    r"|(?:does|did|do)\s+not\s+complain\s+(?:of|about)|(?:doesn't|didn't)\s+complain\s+(?:of|about)"
    r"|(?:lack|lacks|lacked|lacking)\s+(?:of\s+)?(?:any\s+)?(?:evidence|signs?|findings?|indications?)\s+(?:of|for)"
    r"|no|not|denies|denied|deny|denying|without|w/o|negative\s+for|neg\s+for|free\s+of"
    r"|absence\s+of|lack\s+of|unremarkable\s+for|absent|never|none"
    r"|neither|nor|ruled\s+out|rules\s+out|rather\s+than|instead\s+of|unlikely|resolution\s+of|does\s+not"
    r"|did\s+not|doesn't|didn't|fails?\s+to\s+(?:reveal|show|demonstrate))\b)"
    r"|(?P<hyp_pre>\b(?:"
    + _RISK_LIST
    + r"|"
    + _HEDGED_CAUSE
    + r"|if|possible|possibly|suspect|suspected|suspicious\s+(?:for|of)|rule\s+out|r/o|consider"
    r"|considering|considered|suggest|suggests|suggesting|suggestive\s+of|possibility\s+of|possibilities\s+of"
    r"|may|might|could|cannot\s+exclude|to\s+exclude|doubt|doubts|doubtful|worrisome\s+for"
    r"|can\s*not\s+rule\s+out|can't\s+(?:exclude|rule\s+out)|concern(?:ing)?\s+(?:for|of|about)|questionable"
    r"|question\s+of|probable|probably|likely|differential(?:\s+diagnosis)?(?:\s+(?:includes?|of))?"
    r"|(?:to\s+)?(?:evaluate|assess|check|screen|look|test)\s+for|(?:checked|tested|screened)\s+for"
    r"|work[\s-]?up\s+(?:for|of)|risk\s+(?:of|for)"
    r"|at\s+risk|in\s+case|unless|whether|should|presumed|presumptive|equivocal"
    r"|(?:afraid|worried|fear(?:s|ed|ful)?)\s+(?:that|of|about))\b)"
    # uncertain in outpatient coding (guideline IV.H) but a radiologist's plain finding: the reader drops it
    # in imaging sections ("MRI findings consistent with Modic type 1 changes" stays affirmed there)
    r"|(?P<hyp_preuncertain>\b(?:consistent\s+with|compatible\s+with|c/w)\b)"
    r"|(?P<exp_pre>\b(?:family\s+(?:history|hx)"
    + _HISTORY_OPENS
    + r"|fh|fhx|(?:his|her|their|patient's|the\s+patient's)\s+"
    + _RELATIVE
    + r"|"
    + _RELATIVE
    + r")\b)"
    r"|(?P<exp_post>\b(?:in\s+(?:his|her|their|the\s+patient's)\s+" + _RELATIVE + r"|runs\s+in\s+the\s+family)\b)"
    r"|(?P<hist_both>\bpreviously\b)"
    r"|(?P<hist_post>\b(?:in\s+the\s+past|(?:has|have|had|now)\s+resolved|resolved)\b)"
    r"|(?P<hist_preyear>\bin\s+(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?(?:19|20)\d\d\b)"
    r"|(?P<hist_pre>\b(?:(?:past\s+(?:medical\s+)?history|pmh|medical\s+history)(?:\s*:|\s+of)?"
    + _HISTORY_FOR
    + r"|history\s+of|hx\s+of|h/o|status\s+post|s/p|prior|previous|past|former"
    r"|formerly|remote|old)\b)"
    r"|(?P<hist_precolon>\b(?:past\s+(?:medical\s+)?history|pmh|medical\s+history)\s*:)"  # the colon is part of it
    r"|(?P<term>\b(?:but|however|although|though|except|apart\s+from|aside\s+from|which|who|whose|yet"
    r"|nevertheless|now|currently|presently|today|presents?|presenting|complains?|complaining|c/o|reports?"
    r"|reporting|states|positive\s+for|significant\s+for|notable\s+for|remarkable\s+for|secondary\s+to|due\s+to"
    r"|caused\s+by|attributed\s+to|related\s+to|otherwise|then|than|given|because"
    r"|(?:he|she|they|(?:the\s+)?patient|pt)\s+(?:also\s+(?:has|have|had|is|was)|has|have|is)"
    r"|(?:with|and)\s+(?:his|her|their))\b)",
)

Trigger = tuple[str, int, int]  # (group name, start, end) in the text

# Every trigger starts with one of these (scan.py); tests check them against the corpus.
_COPULA_WORDS = (
    "suspected possible questionable likely considered probable not no absent ruled excluded negative unlikely in"
)
_RELATIVES = (
    "mother father brother sister mom dad son daughter wife husband spouse parent sibling grand aunt uncle "
    "cousin niece nephew twin"
)
TRIGGER_STEMS = (
    *words(
        "not no without w/o gram fail long history prior unable previous present doesn didn suspect question "
        "cannot can't couldn versus vs negative absent absence ruled rules excluded unlikely den free never none "
        "neither nor rather instead resolution if suspic rule r/o possib consider suggest might may could "
        "concern probab likely differential evaluate assess check screen look test work risk unless whether "
        "should presum equivocal family fh runs resolved h/o hx s/p past former remote old but however although "
        "though except apart aside which who whose yet nevertheless now currently presently today complain c/o "
        "report states positive significant notable remarkable secondary due caused attributed related "
        "otherwise then than his her their patient' one two three four five six seven eight nine ten eleven "
        "twelve several few many"
    ),
    *words("complic potential afraid worried fear"),  # consent lists (_RISK_LIST), "afraid that"
    *words("lack unremarkable neg doubt worrisome must will need most more very perhaps remain"),
    *words("medical pmh given because consistent compatible c/w"),
    *(f"{who} {verb}" for who in ("he", "she", "they", "pt") for verb in ("has", "have", "had", "is", "was", "also")),
    *("patient has", "patient have", "patient had", "patient is", "patient was", "patient also"),
    *(f"{w} {p}" for w in ("with", "and") for p in ("his", "her", "their")),
    *("on the",),
    *_RELATIVES.split(),
    *("has not", "have not", "had not", "has been", "have been", "has resolved", "have resolved", "had resolved"),
    *("does not", "did not", "do not", "can not", "could not", "may not", "to be", "at risk", "in case"),
    *("for the", "over the", "in the", "during the", "within the", "the patient", "status post", "in his"),
    *("in her", "in their", "to evaluate", "to assess", "to check", "to screen", "to look", "to test"),
    *("to exclude",),
    *(f"{c} {w}" for c in ("is", "are", "was", "were") for w in _COPULA_WORDS.split()),
    *(f"in {m}" for m in words("1 2 jan feb mar apr may jun jul aug sep oct nov dec")),
    *(f"{d}{sep}" for d in range(100) for sep in (" ", "-")),
)
_SCANNER = Scanner(TRIGGERS, TRIGGER_STEMS)


def triggers(text: str, start: int = 0, end: int | None = None) -> list[Trigger]:
    """Triggers and terminators in the sentence text[start:end] (lowercased), in order; pseudo dropped.

    "In 2006, ..." is historical only when it opens the sentence.
    """
    stop = len(text) if end is None else end
    out: list[Trigger] = []
    for m_start, m_end, m in _SCANNER.spans(text, start, stop):
        kind = m.lastgroup
        if kind is None or kind == "pseudo" or (kind == "hist_preyear" and m_start != start):
            continue
        out.append((kind, m_start, m_end))
    marks = punctuation_terms(text, out, start, stop)
    if marks:
        out += marks
        out.sort(key=_START)
    return out


def punctuation_terms(text: str, found: list[Trigger], start: int, stop: int) -> list[Trigger]:
    """The ";" and ":" in text[start:stop] as terminators: they follow a word directly, so they are found here,
    not by the scanner. A colon inside one of the sentence's triggers `found` ("family history: positive for") is
    part of it, not a terminator. The reader's own pass calls this too, for each sentence it resolves."""
    out: list[Trigger] = []
    i = text.find(";", start, stop)
    while i != -1:
        out.append(("term", i, i + 1))
        i = text.find(";", i + 1, stop)
    i = text.find(":", start, stop)
    if i != -1:
        inside = [(t[1], t[2]) for t in found if ":" in text[t[1] : t[2]]]
        while i != -1:
            if not any(s < i < e for s, e in inside):
                out.append(("term", i, i + 1))
            i = text.find(":", i + 1, stop)
    return out


_START, _END = itemgetter(1), itemgetter(2)
# A post-trigger reaches back over a comma only into a list ("Fracture, dislocation or subluxation is not
# seen"); after a comma without a list word, the words before the trigger are its own subject.
_LIST_JOIN = re.compile(r"\b(?:and|or|nor)\b|/")
_RANK = {"negated": 3, "hypothetical": 2, "historical": 1}
_HYPOTHETICAL = _RANK["hypothetical"]
# "known" just before a finding (a level or side may stand between) says it is established, so a hedge on a
# cause before it ("probably related to his known L4-5 disc herniation", "likely due to known lumbar
# stenosis") is about the relation, not the finding. Other hedges keep their scope: a review found "possible
# recurrence of her known herniation", "questionable known herniation per patient", "if known L5
# radiculopathy, EMG would help" put in doubt what "known" names. A negation still negates.
_KNOWN = re.compile(r"\bknown\s+(?:[\w-]+\s+)?$")
_CAUSE = re.compile(_HEDGED_CAUSE)
_STATUS = {"neg": "negated", "hyp": "hypothetical", "hist": "historical"}

Role = tuple[bool, bool, bool, int, str]  # (forward, backward, experiencer, rank, status)


def _role(kind: str) -> Role:
    """What a trigger group does: <head>_<direction>; "pre" looks forward, "post" back, "both" both ways."""
    head, _, direction = kind.partition("_")
    forward, backward = not direction.startswith("post"), not direction.startswith("pre")
    if head == "exp":
        return forward, backward, True, 0, ""
    status = _STATUS[head]
    return forward, backward, False, _RANK[status], status


# Decoded once per group name rather than per trigger and finding.
_ROLES = {kind: _role(kind) for kind in TRIGGERS.groupindex if kind not in ("pseudo", "term")}


def status_at(text: str, found: list[Trigger], start: int, end: int, ordered: bool = False) -> tuple[str, str]:
    """(status, experiencer) of a finding at [start, end) given the sentence's triggers.

    `ordered`: the triggers are in order of start and of end alike (the reader checks it once per sentence
    with many triggers); then only those near enough to count are visited, found by position, instead of
    every trigger of the sentence for every finding (a sentence of thousands took seconds). Same answer.
    """
    status = "affirmed"
    rank = 0
    experiencer = "patient"
    roles = _ROLES
    # Forward: walk back from the finding to the nearest terminator; every pre-trigger passed is in scope.
    # By position: from the last one ending at or before `start`, by index (islice would step over the rest).
    before: Iterable[Trigger] = (
        map(found.__getitem__, range(bisect_right(found, start, key=_END) - 1, -1, -1)) if ordered else reversed(found)
    )
    for kind, t_start, t_end in before:
        if t_end > start:
            continue
        if kind == "term":
            break
        if ordered and text.count(" ", t_end, start) > _MAX_WORDS:
            break  # every earlier trigger is further away still
        forward, _, exp, t_rank, t_status = roles.get(kind) or _role(kind)
        if not forward:
            continue  # "both" triggers apply in both directions
        if exp:
            if text.count(" ", t_end, start) <= _MAX_WORDS_EXPERIENCER:
                experiencer = "other"
        elif t_rank > rank and text.count(" ", t_end, start) <= _MAX_WORDS:
            if t_rank == _HYPOTHETICAL and _KNOWN.search(text, t_end, start) and _CAUSE.fullmatch(text, t_start, t_end):
                continue  # "probably related to his known L4-5 disc herniation": the cause is in doubt
            status, rank = t_status, t_rank
    # Backward: walk forward from the finding to the nearest terminator; post-triggers there point back.
    after: Iterable[Trigger] = (
        map(found.__getitem__, range(bisect_left(found, end, key=_START), len(found))) if ordered else found
    )
    for kind, t_start, _t_end in after:
        if t_start < end:
            continue
        if kind == "term":
            break
        if ordered and text.count(" ", end, t_start) > _MAX_WORDS:
            break  # every later trigger is further away still
        _, backward, exp, t_rank, t_status = roles.get(kind) or _role(kind)
        if not backward:
            continue
        if not exp and (comma := text.rfind(",", end, t_start)) != -1 and not _LIST_JOIN.search(text, comma, t_start):
            break  # "Chronic low back pain, vertebrogenic component cannot be excluded": a clause of its own
        if exp:
            if text.count(" ", end, t_start) <= _MAX_WORDS_EXPERIENCER:
                experiencer = "other"
        elif t_rank > rank and text.count(" ", end, t_start) <= _MAX_WORDS:
            status, rank = t_status, t_rank
    return status, experiencer
