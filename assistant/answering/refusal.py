"""When the evidence is too weak to answer: the decision and the signals it rests on.

Three cheap signals: the best dense similarity among the retrieved passages (is anything
about this at all?), the best share of the question's concepts that one passage contains
(does a passage speak to what was asked?), and the share of the question's weight in
words the corpus never uses ("ofsted", "solicitors", "dose"). They are combined as
``dense + a * overlap - b * unknown`` and compared with one threshold. Neither the
weights nor the threshold are guessed: ``eval/calibrate_refusal.py`` picks them on the
gold set (most correct refusals with no false refusal of an answerable item, the
threshold half-way into the gap) and they live in Settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieval.hybrid_retriever import Retrieval
from assistant.retrieval.lexical import TermWeights
from assistant.settings import Settings


@dataclass(frozen=True)
class Evidence:
    top_dense: float
    top_overlap: float
    unknown_share: float = 0.0

    def score(self, overlap_weight: float, unknown_weight: float) -> float:
        return self.top_dense + overlap_weight * self.top_overlap - unknown_weight * self.unknown_share


def evidence_of(retrieval: Retrieval, weights: TermWeights, depth: int = 5) -> Evidence:
    """The signals over the best ``depth`` passages."""
    top = retrieval.chunks[:depth]
    dense = max((c.dense_score or 0.0 for c in top), default=0.0)
    lex = max(
        (retrieval.query_terms.coverage(f"{c.chunk.section} {c.chunk.text}") for c in top),
        default=0.0,
    )
    concepts = retrieval.query_terms.concepts
    total = sum(c.weight for c in concepts)
    unknown = sum(
        c.weight for c in concepts if not any(all(weights.known(t) for t in alt) for alt in c.alternatives)
    )
    return Evidence(top_dense=float(dense), top_overlap=float(lex), unknown_share=unknown / total if total else 0.0)


def is_weak(evidence: Evidence, settings: Settings) -> bool:
    """Refuse when the combined evidence is under the calibrated threshold."""
    score = evidence.score(settings.refusal_overlap_weight, settings.refusal_unknown_weight)
    return score < settings.refusal_threshold


# A question that asks for a sum of money (a fee, a charge, an allowance rate) is answered
# only by a passage that states one. Passages about the same order or process score well on
# every signal above, so without this check "how much do solicitors charge for an SGO?" got
# the SGO disadvantages quoted back as if they answered it. "How much weight ..." or "are
# allowances paid?" do not ask for an amount and are left alone.
_ASKS_FOR_MONEY = re.compile(
    r"\bhow\s+much\b(?:\s+[\w']+){0,5}?\s+(?:charges?|costs?|pays?|paid|fees?|money|earns?|receives?)\b"
    r"|\bhow\s+much\s+(?:is|are)\s+(?:the\s+|an?\s+)?(?:[\w']+\s+){0,3}(?:allowances?|fees?|payments?)\b"
    r"|\bwhat(?:'s|s|\s+is|\s+are)?\s+(?:the\s+)?(?:[\w']+\s+){0,3}(?:fees?|prices?)\b"
    r"|\bwhat\s+(?:does|do|will|would)\s+(?:[\w']+\s+){1,5}cost\b"
    r"|\b(?:court|legal|application|solicitors?'?)\s+fees?\b"
    r"|\b(?:allowance|payment|fostering|maintenance|boarding[-\s]out)\s+rates?\b"
    r"|\brates?\s+of\s+(?:allowance|pay|payment)\b"
    r"|£",
    re.IGNORECASE,
)
_STATES_MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s*(?:pounds|gbp)\b|\bpounds?\s+(?:a|per)\s+week\b", re.IGNORECASE)


def asks_for_money(question: str) -> bool:
    """Does the question ask for an amount of money (fee, charge, cost, allowance rate)?"""
    return bool(_ASKS_FOR_MONEY.search(question))


def states_money(text: str) -> bool:
    """Does the passage state a sum of money?"""
    return bool(_STATES_MONEY.search(text))


def lacks_asked_amount(question: str, retrieval: Retrieval, depth: int = 5) -> bool:
    """True when the question asks for a sum of money and no top passage states one."""
    if not asks_for_money(question):
        return False
    return not any(states_money(c.chunk.text) for c in retrieval.chunks[:depth])
