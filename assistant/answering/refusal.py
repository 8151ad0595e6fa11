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
