"""When the evidence is too weak to answer: the decision and the signals it rests on.

Two signals, both cheap: the best dense similarity among the retrieved passages (is
anything about this at all?) and the best share of the question's terms that one
passage contains (does a passage speak to what was asked?). The thresholds are not
guessed: ``eval/calibrate_refusal.py`` picks them on the gold set (most correct
refusals with no false refusal of an answerable item) and they live in Settings.
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


def evidence_of(retrieval: Retrieval, weights: TermWeights, depth: int = 5) -> Evidence:
    """The signals over the best ``depth`` passages."""
    top = retrieval.chunks[:depth]
    dense = max((c.dense_score or 0.0 for c in top), default=0.0)
    lex = max(
        (retrieval.query_terms.coverage(f"{c.chunk.section} {c.chunk.text}") for c in top),
        default=0.0,
    )
    return Evidence(top_dense=float(dense), top_overlap=float(lex))


def is_weak(evidence: Evidence, settings: Settings) -> bool:
    """Refuse when either signal is under its calibrated threshold."""
    return evidence.top_dense < settings.refusal_threshold or evidence.top_overlap < settings.refusal_min_overlap
