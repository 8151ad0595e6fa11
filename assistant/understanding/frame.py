"""The question frame: one typed reading of a question, made once, used by every stage.

Before this module a question was read by regex layers in five packages, each with its
own idea of what a council name or a "when" question is. Now ``read_frame`` reads:

- **intent**: what is being asked (definition, eligibility, timescale, process, list,
  yes/no, figure, comparison, version change), or that it is not a policy question at all
  (an injection, an off-topic request, or a request to draft or decide something);
- the **expected answer type** (``answer_types.py``): what a passage must contain to
  answer it (a duration, a frequency, a person or role, an amount ...);
- **subjects**: the glossary concepts it is about (SGO, PPM, adoption ...);
- **authorities**, resolved only against the manifest's names and aliases: "the council",
  "our LA" and "my local authority" name no authority; a council that is not in the
  corpus is reported as ``unknown_authority``;
- the **version scope**: current versions, a named one, or both versions compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.answering.guards import DeclineReason, screen
from assistant.corpus import Corpus
from assistant.retrieval.glossary import Glossary
from assistant.retrieval.query_analysis import VersionScope, detect_version_scope, find_authorities
from assistant.understanding.answer_types import AnswerType, expected_answer_type

Intent = Literal[
    "definition", "eligibility", "timescale", "process", "list", "yes_no", "figure", "comparison",
    "version_change", "question", "not_policy", "off_topic", "injection",
]


@dataclass(frozen=True)
class QuestionFrame:
    question: str
    intent: Intent
    answer_type: AnswerType
    subjects: tuple[str, ...] = ()  # glossary entry ids of subject concepts, in order of mention
    subject_forms: tuple[str, ...] = ()  # their surfaces in the question
    authorities: tuple[str, ...] = ()  # full names; the explicit one first
    unknown_authority: str | None = None  # a council named that the corpus does not hold
    version: VersionScope = field(default_factory=VersionScope)
    decline: DeclineReason | Literal["not_policy"] | None = None

    @property
    def compares_versions(self) -> bool:
        return self.version.reason == "comparing versions"

    def describe(self) -> str:
        """The frame in words, for ``interpreted_question``'s companion field."""
        parts = [f"{self.intent.replace('_', ' ')} question"]
        if self.answer_type not in ("text", "list", "yes_no", "definition"):
            parts.append(f"expects a {self.answer_type.replace('_', ' ')}")
        if self.subject_forms:
            parts.append("about " + ", ".join(self.subject_forms))
        parts.append("for " + (", ".join(self.authorities) if self.authorities else "every council"))
        parts.append(self.version.reason or "current versions")
        return "; ".join(parts)


# --- councils that are not in the corpus -------------------------------------------------

_COUNCIL = re.compile(
    r"\b((?:[A-Za-z][A-Za-z'\-]*\s+){0,3}?[A-Za-z][A-Za-z'\-]*)\s+(?:city\s+|borough\s+|county\s+|metropolitan\s+borough\s+|"
    r"district\s+)?(?:council|cc|mbc|bc|la)\b(?!\s*(?:tax|house|meeting))",
    re.IGNORECASE,
)
# Words that can stand before "council" without being its name: "the council's policy",
# "is our council", "what does my local council say".
_NOT_A_NAME = frozenset(
    """
    the a an our my your their his her its this that these those which what whose each every any other another same
    local county city borough district town parish metropolitan unitary neighbouring neighboring nearby relevant
    responsible home placing host previous new old current own one all both either neither such
    by from of for in at to and or with is are was were be does do did has have had say says said tell about on
    than as if when where who whom how why per via into onto over under between across
    policy policies guidance strategy procedure procedures plan
    """.split()
)


def _strip_possessive(word: str) -> str:
    for suffix in ("'s", "\u2019s", "s'", "'"):
        if word.casefold().endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    return word


def unknown_council(question: str, corpus: Corpus) -> str | None:
    """A council the question names that the corpus does not hold ("Manchester City Council",
    "north yorkshire council"), or None. Names the corpus knows come from the manifest."""
    known = {n.casefold() for names in corpus.authority_names.values() for n in names}
    for m in _COUNCIL.finditer(question):
        words = [_strip_possessive(w) for w in m.group(1).split()]
        # the name is the run of words right before "council" that are not function words
        name: list[str] = []
        for w in reversed(words):
            if w.casefold() in _NOT_A_NAME:
                break
            name.insert(0, w)
        if not name:
            continue
        candidate = " ".join(name)
        if candidate.casefold() in known or any(
            candidate.casefold().endswith(k) or k.endswith(candidate.casefold()) for k in known
        ):
            continue
        return candidate.title()
    return None


# --- requests that are not questions about policy ----------------------------------------

_NOT_POLICY = re.compile(
    r"\b(?:draft|write|prepare|compose|fill\s+in)\s+(?:me\s+|up\s+)?(?:an?\s+|the\s+|my\s+|our\s+|this\s+)?"
    r"(?:[\w'-]+\s+){0,3}?(?:statement|report|letter|assessment|e-?mail|care\s+plan|chronology|swet|minutes|"
    r"referral|summary\s+for\s+court|court\s+(?:bundle|application|report)|analysis|recommendation|case\s+note|"
    r"form|application|template)s?\b"
    r"|\b(?:should|shall|do|would)\s+(?:i|we|you)\s+(?:recommend|go\s+for|choose|pick|opt\s+for|pursue|seek|advise)\b"
    r"|\b(?:decide|tell\s+me)\s+(?:for\s+me\s+)?(?:what|which|whether)\s+(?:order|plan|option)\b"
    r"|\bdecide\s+(?:this|my|the)\s+case\b|\b(?:what|which)\s+(?:order|plan|option|placement)\s+(?:should|would|is\s+best)"
    r"\s+(?:i|we|you|for)\b|\bwhat\s+would\s+you\s+do\b|\bin\s+your\s+(?:opinion|view)\b|\bbest\s+option\s+for\s+"
    r"(?:this|my|our)\s+(?:child|case|family)\b",
    re.IGNORECASE,
)

NOT_POLICY_TEXT = (
    "I can't draft documents or decide a case: that is for you, your manager and the court. "
    "What I can do is quote what each council's permanence policy says (for example who may apply "
    "for a special guardianship order, or when the permanence plan is due) and compute statutory "
    "dates from the facts you give, with the passages cited so you can check them."
)

# --- intent ------------------------------------------------------------------------------

_ELIGIBILITY = re.compile(
    r"\b(?:eligib\w*|qualif\w*|entitled|allowed\s+to|(?:can|could|may)\s+(?:\w+\s+){0,4}?apply|who\s+(?:can|may)\s+apply|"
    r"apply\s+without\s+leave|need\s+leave)\b",
    re.IGNORECASE,
)
_PROCESS = re.compile(
    r"\b(?:what\s+happens|how\s+(?:do|does|is|are|should|must|will)|process|procedure|steps?|who\s+\w+|role\s+of|"
    r"responsib\w*|attend\w*|chairs?|involved|agenda|sign[\s-]*off|approv\w*|ratif\w*)\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:compare|comparison|differ\w*|vs\.?|versus|same\s+(?:in|as|across)|each\s+council|every\s+council|all\s+"
    r"(?:the\s+)?councils|across\s+(?:the\s+)?councils|between\s+councils)\b",
    re.IGNORECASE,
)
_VERSION_CHANGE = re.compile(
    r"\bstill\b|\bsurviv\w*|\bkept\b|\bretain\w*|\bcarried\s+(?:over|forward)\b|\bwhat(?:'s|\s+is|\s+are)\s+new\b|\breplac\w*|\bused\s+to\b|\bany\s*more\b|\bnow\s+(?:say|call)s?\b|"
    r"\b(?:has|have|did)\s+(?:[\w'-]+\s+){0,8}?"
    r"changed?\b|\bwhat(?:'s|\s+has|\s+have)?\s+changed\b|\bchanges?\s+(?:to|in|between|from|since)\b|\bnew\s+(?:strategy|"
    r"version|policy)\b.*\b(?:old|previous|2021)\b|\b(?:old|previous|2021)\b.*\bnew\s+(?:strategy|version|policy)\b|"
    r"\bno\s+longer\b|\bdropped\b|\bremoved\b",
    re.IGNORECASE,
)


def _intent(question: str, answer_type: AnswerType, n_authorities: int, version: VersionScope) -> Intent:
    if version.reason == "comparing versions":
        return "version_change"
    if n_authorities > 1 or (_COMPARISON.search(question) and n_authorities != 1):
        return "comparison"
    if _ELIGIBILITY.search(question):
        return "eligibility"
    if answer_type in ("date", "duration", "frequency"):
        return "timescale"
    if answer_type == "person":
        return "process"
    if answer_type in ("number", "amount"):
        return "figure"
    if answer_type == "yes_no":
        return "yes_no"
    if answer_type == "list":
        return "list"
    if _PROCESS.search(question):
        return "process"
    if answer_type == "definition":
        return "definition"
    return "question"


def _version_scope(question: str, corpus: Corpus, authorities: list[str]) -> VersionScope:
    scope = detect_version_scope(corpus, question, authorities)
    if scope.reason == "comparing versions":
        return scope
    # "is X still in the new strategy?", "has that changed since the old one?": both versions.
    if _VERSION_CHANGE.search(question) and (scope.document_ids or re.search(r"\b(?:strateg|polic|version|guidance)", question, re.I)):
        docs = [d for d in corpus.documents if not authorities or d.authority in authorities]
        families = {d.family_id for d in docs if d.status == "superseded"}
        ids = tuple(d.id for d in docs if d.family_id in families)
        if ids:
            return VersionScope(("current", "superseded"), ids, "comparing versions")
    return scope


def read_frame(
    question: str,
    corpus: Corpus,
    glossary: Glossary,
    authority: str | None = None,
) -> QuestionFrame:
    """The frame of one question; ``authority`` is the one the request fixes (full name)."""
    decline: DeclineReason | Literal["not_policy"] | None = screen(question)
    answer_type = expected_answer_type(question)
    mentions = [m.authority for m in find_authorities(corpus, question)]
    authorities = [authority] if authority else []
    authorities += [a for a in mentions if a not in authorities]
    if authority and mentions and authority not in mentions:
        # the question names a council: it wins over the picker (the caller says so)
        authorities = [a for a in mentions]
    unknown = None if mentions else unknown_council(question, corpus)
    if decline is None and _NOT_POLICY.search(question):
        decline = "not_policy"
    subjects = glossary.subjects(question)
    version = _version_scope(question, corpus, authorities)
    if decline == "injection":
        intent: Intent = "injection"
    elif decline == "out_of_domain":
        intent = "off_topic"
    elif decline == "not_policy":
        intent = "not_policy"
    else:
        intent = _intent(question, answer_type, len(authorities), version)
    return QuestionFrame(
        question=question,
        intent=intent,
        answer_type=answer_type,
        subjects=tuple(dict.fromkeys(m.entry.id for m in subjects)),
        subject_forms=tuple(dict.fromkeys(m.surface for m in subjects)),
        authorities=tuple(authorities),
        unknown_authority=unknown,
        version=version,
        decline=decline,
    )
