"""Inputs the assistant declines before retrieval: attempts to change its instructions,
and requests that are plainly not about permanence policy.

Declining is cheap and deterministic; the weak-evidence refusal after retrieval
(``refusal.py``) catches the in-domain questions that the corpus does not answer.
"""

from __future__ import annotations

import re
from typing import Literal

DeclineReason = Literal["injection", "out_of_domain", "unknown_authority"]

_INJECTION = [
    r"\bignore\s+(?:(?:all|any|the|your|my|of|these|those)\s+){0,3}(?:previous|prior|above|earlier|preceding|former|system)?\s*(?:instructions?|rules?|prompts?|guidelines?|directions?)",
    r"\bdisregard\s+(?:(?:all|any|the|your|of|these|those)\s+){0,3}(?:previous|prior|above|earlier)?\s*(?:instructions?|rules?|prompts?|guidelines?)",
    r"\bforget\s+(?:all\s+|everything|your\s+|the\s+)?(?:previous|prior|above)?\s*(?:instructions?|rules?|you\s+were\s+told)",
    r"\byou\s+are\s+now\b",
    r"\bfrom\s+now\s+on\s+you\b",
    r"\bact\s+as\s+(?:an?\s+)?(?!a\s+corporate)(?:unrestricted|different|new|dan|jailbroken|evil)",
    r"\bpretend\s+(?:to\s+be|you\s+are)\b",
    r"\b(?:reveal|show|print|repeat|output|tell\s+me|what\s+is|what's)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+|hidden\s+|initial\s+)?(?:prompt|instructions)",
    r"\bsystem\s+prompt\b",
    r"\bjail\s*break",
    r"\bdeveloper\s+mode\b",
    r"\bno\s+longer\s+(?:bound|restricted)\b",
    r"\bwithout\s+(?:any\s+)?(?:citations?|quotes?|sources?)\s*(?:,|and|just)?\s*(?:answer|tell|say|make)",
    r"\bmake\s+up\s+(?:an?\s+)?answer",
    r"\boverride\s+(?:your\s+|the\s+)?(?:rules|instructions|policy)",
    r"\b(?:use|from|with|rely\s+on)\s+your\s+own\s+knowledge",
    r"\bforget\s+(?:the|these|those|your)\s+(?:policies|documents|sources|rules|corpus)",
    r"\b(?:hidden|secret|internal)\s+(?:instructions|prompt|rules)",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION), re.IGNORECASE)

# Requests for some other task or topic altogether.
_OFF_TOPIC = [
    r"\b(?:write|compose|generate)\s+(?:me\s+)?(?:an?\s+)?(?:poem|song|story|joke|essay|limerick|haiku|code|script|program|sql|email\s+to\s+my)",
    r"\btell\s+(?:me\s+)?a\s+joke\b",
    r"\btranslate\s+(?:this|the\s+following|into|your|these|it)\b",
    r"\b(?:dose|dosage)\b",
    r"\b(?:weather|forecast)\b",
    r"\b(?:recipe|cook(?:ing)?\s+(?:time|instructions))\b",
    r"\b(?:football|premier\s+league|cricket)\s+(?:score|result|match|fixture)s?\b",
    r"\b(?:stock|share)\s+price\b|\bbitcoin\b|\bcrypto\b",
    r"\bcapital\s+of\b",
    r"\b(?:python|javascript|java|c\+\+)\s+(?:code|function|script)\b",
    # other services and other law: outside children's permanence planning altogether
    r"\badult\s+(?:social\s+care|services|safeguarding)\b|\bcare\s+act\s+assessment\b",
    r"\b(?:council|income)\s+tax\b|\bpay\s+(?:any\s+)?tax\b|\btax(?:ed|able)\b|\bhmrc\b",
    r"\b(?:leave\s+to\s+remain|immigration|visa|asylum\s+claim|home\s+office)\b",
    r"\b(?:adoption|maternity|paternity|parental|shared\s+parental)\s+(?:leave|pay)\b|\bleave\s+from\s+work\b",
    r"\b(?:universal\s+credit|child\s+benefit|housing\s+benefit|pip\s+claim|mortgage)\b",
]
_OFF_TOPIC_RE = re.compile("|".join(f"(?:{p})" for p in _OFF_TOPIC), re.IGNORECASE)


_COUNCIL = re.compile(
    r"\b([a-z][a-z'\-]+(?:\s+[a-z][a-z'\-]+)?)\s+(?:city\s+|borough\s+|county\s+|metropolitan\s+borough\s+|district\s+)?council\b",
    re.IGNORECASE,
)
_NOT_A_NAME = {
    "the", "a", "an", "our", "my", "your", "their", "this", "that", "which", "each", "every", "any", "other", "local",
    "county", "city", "borough", "district", "town", "parish", "same", "another", "whose", "what", "one", "all", "both",
    "by", "from", "of", "for", "in", "at", "to", "and", "or", "with", "is", "does", "do",
}


def other_council(question: str, known_authorities: list[str]) -> str | None:
    """A council the question names that is not in the corpus ("Manchester City Council")."""
    known = {a.split()[0].casefold() for a in known_authorities}
    for m in _COUNCIL.finditer(question):
        words = [w for w in m.group(1).split() if w.casefold().strip("'s") not in _NOT_A_NAME]
        words = [w[:-2] if w.lower().endswith("'s") else w for w in words]
        if not words:
            continue
        name = words[-1]
        if name.casefold() not in known:
            return " ".join(words).title()
    return None


def screen(question: str) -> DeclineReason | None:
    """Why the question is declined outright, or None to go on answering it."""
    if _INJECTION_RE.search(question):
        return "injection"
    if _OFF_TOPIC_RE.search(question):
        return "out_of_domain"
    return None


DECLINE_TEXT = {
    "injection": (
        "I can't change how I work or share my instructions. I answer questions about the "
        "permanence-planning policies in the corpus, quoting them word for word."
    ),
    "out_of_domain": (
        "I can only answer questions about the permanence-planning policies in the corpus "
        "(for example who may apply for a special guardianship order, or when the permanence "
        "plan is due), so I can't help with this one."
    ),
}
