"""What kind of answer a question expects, and whether a quoted passage holds one.

A practitioner who asks "how long does an SGO last?" is answered by a passage that names
a duration, not by the passage about SGOs that shares most words with the question. The
answerability gate (``answering/gate.py``) uses these two halves together: the type the
question expects, and whether the quote contains something of that type. Both halves are
patterns over words, deliberately tolerant on the passage side (policies say "4 weekly",
"every six months", "no later than the second review") and strict on the question side
(only explicit asks: "how long", "how often", "who", "how much").
"""

from __future__ import annotations

import re
from typing import Literal

AnswerType = Literal[
    "duration", "date", "frequency", "person", "amount", "number", "case_law", "yes_no", "list", "definition", "text"
]

_NUM = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|eighteen|twenty|twenty[- ]six|twenty[- ]one|a|an|several|few)"
_UNIT = r"(?:working\s+)?(?:days?|weeks?|months?|years?|hours?)"

# --- the question side -------------------------------------------------------------------

_Q_AMOUNT = re.compile(
    r"\bhow\s+much\b(?:\s+[\w']+){0,5}?\s+(?:charges?|costs?|pays?|paid|fees?|money|earns?|receives?)\b"
    r"|\bhow\s+much\s+(?:is|are)\s+(?:the\s+|an?\s+)?(?:[\w']+\s+){0,3}(?:allowances?|fees?|payments?)\b"
    r"|\bwhat(?:'s|s|\s+is|\s+are)?\s+(?:the\s+)?(?:[\w']+\s+){0,3}(?:fees?|prices?)\b"
    r"|\bwhat\s+(?:does|do|will|would)\s+(?:[\w']+\s+){1,5}cost\b"
    r"|\b(?:court|legal|application|solicitors?'?)\s+fees?\b"
    r"|\b(?:allowance|payment|fostering|maintenance|boarding[-\s]out)\s+rates?\b"
    r"|\brates?\s+of\s+(?:allowance|pay|payment)\b|£"
    r"|\bwhat(?:'s|s|\s+is|\s+are)\s+(?:the\s+)?(?:[\w']+\s+){0,3}(?:allowances?|payments?|rates?|fees?|prices?|costs?|salary)\b"
    r"|\b(?:weekly|monthly|annual)\s+(?:[\w']+\s+){0,2}(?:allowances?|payments?|rates?)\b",
    re.IGNORECASE,
)
# "which case law says ...", "is it Re B-S?": a court judgment, which a council policy rarely names
_Q_CASE_LAW = re.compile(
    r"\bcase[\s-]*law\b|\bjudg(?:e)?ments?\b|\bprecedents?\b|\bruling\b|\bre\s+[A-Z][A-Za-z]?(?:-[A-Z][A-Za-z]?)?\b"
    r"|\b(?:ewca|ewhc|ewfc|uksc)\b|\bcourt\s+of\s+appeal\b|\bsupreme\s+court\b|\b[A-Z]\w+\s+v\.?\s+[A-Z]\w+\b",
)
_Q_FREQUENCY = re.compile(
    r"\bhow\s+(?:often|frequently|regularly)\b|\bfrequency\b|\bhow\s+many\s+times\b|\bat\s+what\s+intervals?\b"
    r"|\bwhat\s+intervals?\b",
    re.IGNORECASE,
)
_Q_DURATION = re.compile(
    r"\bhow\s+long\b(?!\s+(?:after|before|from|since|until|till|have\s+(?:we|i)\s+got))"
    r"|\b(?:until|till|up\s+to|to)\s+what\s+age\b|\bwhat\s+age\s+does\b|\bhow\s+many\s+(?:days|weeks|months|years)\b"
    r"|\bduration\b|\bexpires?\b|\blasts?\s+(?:for|until|till)\b|\bhow\s+old\b",
    re.IGNORECASE,
)
_Q_DATE = re.compile(
    r"\bhow\s+(?:long|soon|quickly)\s+(?:after|before|from|until|till|have)\b|\bhow\s+soon\b|\bhow\s+quickly\b"
    r"|\bby\s+when\b|\bdeadlines?\b|\btime\s*scales?\b|\btime\s*frames?\b|\btime\s*limits?\b|\bwithin\s+what\b"
    r"|\bwhich\s+(?:review|meeting|stage|point)\b|\bat\s+what\s+(?:stage|point)\b"
    r"|(?:^\W*|[,;:?(-]\s*|\b(?:and|so|but|then|or)\s+)when(?:'s|s)?\b",
    re.IGNORECASE,
)
# "when" that asks for circumstances ("when is adoption the right plan?") is not a date.
_WHEN_CIRCUMSTANCE = re.compile(
    r"\bwhen\s+(?:is|are|would|should|might|can|could)\s+(?:an?\s+|the\s+)?[\w\s'-]{0,40}?\b(?:used|suitable|appropriate|"
    r"considered|right|best|preferred|chosen|an\s+option|the\s+plan|needed|required|recommended)\b"
    r"|\bwhen\s+(?:should|do|does|would)\s+(?:we|i|you|they|the\s+\w+)\s+(?:consider|use|choose|think\s+about)\b",
    re.IGNORECASE,
)
_Q_PERSON = re.compile(
    r"^\W*who\b|\bwho(?:'s|\s+is|\s+are|\s+should|\s+must|\s+will|\s+would|\s+can|\s+may|\s+does|\s+do)?\s+"
    r"(?:\w+\s+){0,2}?(?:chairs?|attends?|attend|runs?|leads?|decides?|approves?|signs?|ratif\w*|holds?|responsible|"
    r"makes?|convenes?|invited|involved|present|sits?|agrees?|undertakes?|completes?|carries|oversees?|manages?)\b"
    r"|\bby\s+whom\b|\bwhose\s+(?:job|role|responsibility|decision)\b|\bwhich\s+(?:team|panel|person|professional|"
    r"manager|worker|officer|role|service)\b",
    re.IGNORECASE,
)
_Q_NUMBER = re.compile(
    r"\bhow\s+many\b(?!\s+(?:days|weeks|months|years|times)\b)|\bnumber\s+of\b|\bpercentage\b|\bproportion\b|%"
    r"|\bstatistics\b|\bfigures?\b|\bstats\b",
    re.IGNORECASE,
)
_Q_YES_NO = re.compile(
    r"^\W*(?:so\s+|and\s+|but\s+)?(?:can|could|does|do|did|is|isn't|are|aren't|should|must|will|would|may|might|"
    r"has|have|was|were|shall)\b",
    re.IGNORECASE,
)
_Q_LIST = re.compile(
    r"\bwho\s+(?:can|may|could|is\s+able\s+to|are\s+able\s+to|is\s+allowed|are\s+allowed|is\s+eligible|are\s+eligible)\b"
    r"|\bwhich\s+(?:people|persons|options|factors|routes)\b|\bwhat\s+(?:are|were)\s+the\b|\blist\b|\boptions\b|"
    r"\broutes\b|\badvantages\b|\bdisadvantages\b|\bpros\b|\bcons\b|\bbenefits\b|\bdrawbacks\b|\bdownsides\b|"
    r"\bupsides\b|\bcriteria\b|\bprinciples\b|\bfactors\b|\bagenda\b|\b(?:types|kinds|forms|aspects|elements|stages|"
    r"steps|ways|examples|functions|objectives|indicators|considerations)\b|\blooks?\s+at\b|\bcovers?\b|\bincludes?\b|"
    r"\bconsider\b|\bsuitable\b|\bwhat\s+does\s+.+\s+consider\b|\bwhat\s+should\s+.+\s+(?:include|cover|consider)\b",
    re.IGNORECASE,
)
_Q_DEFINITION = re.compile(
    r"^\W*(?:what(?:'s|s|\s+is|\s+are)\s+(?:an?\s+|the\s+)?[\w\s'-]{1,40}\??\s*$|define\b|definition\b|"
    r"what\s+does\s+[\w\s'-]{1,40}\s+mean\b|meaning\s+of\b|what\s+(?:is|are)\s+meant\s+by\b)",
    re.IGNORECASE,
)


def asks_for_list(question: str) -> bool:
    """Who may / what are the options ...: the answer is a list, to be given whole."""
    return bool(_Q_LIST.search(question))


def expected_answer_type(question: str) -> AnswerType:
    """The kind of answer ``question`` asks for; "text" when it asks for nothing specific."""
    q = question.strip()
    if _Q_AMOUNT.search(q):
        return "amount"
    if _Q_CASE_LAW.search(q):
        return "case_law"
    if _Q_FREQUENCY.search(q):
        return "frequency"
    if _Q_DURATION.search(q):
        return "duration"
    if _Q_DATE.search(q) and not _WHEN_CIRCUMSTANCE.search(q):
        return "date"
    if _Q_PERSON.search(q) and not _Q_LIST.search(q):
        return "person"
    if _Q_NUMBER.search(q):
        return "number"
    if _Q_YES_NO.search(q):
        return "yes_no"
    if _Q_LIST.search(q):
        return "list"
    if _Q_DEFINITION.search(q):
        return "definition"
    return "text"


# --- the passage side --------------------------------------------------------------------

_P_DURATION = re.compile(
    rf"\b{_NUM}[\s-]+{_UNIT}\b|\b\d+\s*-\s*\d+\s+{_UNIT}\b|\buntil\s+(?:the\s+)?(?:child|young\s+person|they|he|she)\s+"
    rf"(?:is|are|reaches?|turns?)\s+(?:aged?\s+)?\d+|\b(?:age|aged)\s+(?:of\s+)?\d+\b|\bunder\s+\d+|\b\d+(?:th)?\s+birthday\b"
    rf"|\buntil\s+(?:the\s+age\s+of\s+)?\d+\b|\b(?:permanent|permanently|lifelong|for\s+life|indefinite\w*)\b|\buntil\b|\bceases?\b|\bexpir\w+|\bends?\b",
    re.IGNORECASE,
)
_P_FREQUENCY = re.compile(
    rf"\bevery\s+(?:{_NUM}\s+)?{_UNIT}\b|\b{_NUM}[\s-]*(?:weekly|monthly|yearly)\b|\b(?:daily|weekly|fortnightly|monthly|"
    rf"quarterly|annually|yearly|biannually|bi-annually)\b|\bintervals?\b|\b(?:once|twice|three\s+times)\b|\bper\s+(?:week|month|year)\b"
    rf"|\bat\s+(?:each|every)\b|\bregular(?:ly)?\b|\bthereafter\b|\bno\s+less\s+(?:than|often)\b",
    re.IGNORECASE,
)
_P_DATE = re.compile(
    rf"\b{_NUM}[\s-]+{_UNIT}\b|\b(?:first|second|third|fourth|initial|next|final|\d+(?:st|nd|rd|th)|four[- ]month|"
    rf"statutory)\s+(?:statutory\s+|looked[- ]after\s+|cla\s+|lac\s+)?(?:review|meeting|hearing)s?\b|\bwithin\b|\bby\s+the\b|"
    rf"\bno\s+later\s+than\b|\bbefore\b|\bprior\s+to\b|\bafter\b|\bat\s+the\s+(?:point|time|stage|start|end)\b|\bimmediately\b"
    rf"|\b(?:19|20)\d\d\b|\bonce\b|\bas\s+soon\s+as\b|\bwhen(?:ever)?\b|\bearl(?:y|ier|iest)\b|\bstart\w*|\boutset\b"
    rf"|\bbegin\w*|\bpromptly\b|\bthroughout\b|\bongoing\b|\bat\s+(?:all\s+)?times\b|\bduring\b|\buntil\b|\bat\s+the\b.{{0,30}}\breview\b|\bthe\s+day\b",
    re.IGNORECASE,
)
_P_PERSON = re.compile(
    r"\b(?:manager|managers|officer|officers|IRO|IROs|worker|workers|panel|carers?|guardians?|parents?|team|chair(?:ed|s)?|"
    r"head|director|ADM|decision[- ]maker|court|judge|agency|agencies|relatives?|grandparents?|persons?|people|"
    r"local\s+authority|council|practitioner|practitioners|professionals?|social\s+workers?|service|adviser|advisor|"
    r"coordinator|co-ordinator|lead|leads|supervisor|Cafcass|Guardian|solicitor|legal|school|VSH|child|children|"
    r"young\s+person|family|families|members?|representative|nominated|allocated|responsible|attend\w*|invited)\b",
    re.IGNORECASE,
)
_P_AMOUNT = re.compile(r"£\s?\d|\b\d[\d,.]*\s*(?:pounds|gbp)\b|\bpounds?\s+(?:a|per)\s+week\b", re.IGNORECASE)
# a count or share: "three particular aspects" or "most children" is not a figure
_P_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\s*%?|\bper\s*cent\b", re.IGNORECASE)  # figures are written in digits

_P_CASE_LAW = re.compile(
    r"\bRe\s+[A-Z][A-Za-z-]*\b|\[(?:19|20)\d\d\]\s*(?:EWCA|EWHC|EWFC|UKSC|UKHL)|\b[A-Z]\w+\s+v\.?\s+[A-Z]\w+\b|\bcase[\s-]*law\b|\bjudgment\b"
)

_PASSAGE_TYPE = {
    "case_law": _P_CASE_LAW,
    "duration": _P_DURATION,
    "frequency": _P_FREQUENCY,
    "date": _P_DATE,
    "person": _P_PERSON,
    "amount": _P_AMOUNT,
    "number": _P_NUMBER,
}


def holds_answer_type(text: str, answer_type: AnswerType) -> bool:
    """Does ``text`` contain something of ``answer_type``? Types with no passage pattern
    (yes/no, list, definition, text) are held by any passage: coverage decides those."""
    pattern = _PASSAGE_TYPE.get(answer_type)
    return True if pattern is None else bool(pattern.search(text))


def checks_answer_type(answer_type: AnswerType) -> bool:
    """Whether the gate can check this type in a passage."""
    return answer_type in _PASSAGE_TYPE
