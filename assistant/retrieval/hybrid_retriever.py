"""Hybrid retrieval for one question: analyse, expand, search with filters, re-rank.

1. Authorities: the request's (validated), else the ones named in the question, else all.
2. Versions: current documents unless the question names an older one (query_analysis).
3. The query is expanded with the glossary both ways (SGO <-> special guardianship order).
4. ``VectorStore.search`` fuses dense and sparse hits, filtered by authority and status;
   with several authorities named, each is searched so none is crowded out.
5. Hits are re-ranked by a mix of the fused score and the share of query terms the
   passage contains: fusion alone ranks a passage that mentions "permanence" ten times
   above the one sentence that answers the question.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from functools import cached_property

from assistant.corpus import Corpus, load_corpus
from assistant.models import RetrievedChunk
from assistant.retrieval.glossary import Expansion, Glossary, load_glossary
import difflib
import re

from assistant.retrieval.lexical import Concept, QueryTerms, TermWeights, content_terms, stem, tokens, STOPWORDS
from assistant.retrieval.query_analysis import QueryAnalysis, VersionScope, analyse, is_when_question
from assistant.settings import Settings


@dataclass
class Retrieval:
    """What retrieval found for one question, and how it read the question."""

    question: str
    analysis: QueryAnalysis
    expansion: Expansion
    query_terms: QueryTerms
    chunks: list[RetrievedChunk]
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def top_dense(self) -> float:
        return max((c.dense_score or 0.0 for c in self.chunks), default=0.0)

    @property
    def top_score(self) -> float:
        return self.chunks[0].score if self.chunks else 0.0


class HybridRetriever:
    """Retrieves passages for questions; one per service container (holds the store)."""

    def __init__(self, settings: Settings, store=None, corpus: Corpus | None = None, glossary: Glossary | None = None):
        self.settings = settings
        self._store = store
        self.corpus = corpus or load_corpus(settings.manifest_path)
        self.glossary = glossary or load_glossary(settings.glossary_path)

    @property
    def store(self):
        if self._store is None:
            from assistant.components.vector_store.vector_store_component import VectorStore

            self._store = VectorStore(self.settings)
        return self._store

    @cached_property
    def weights(self) -> TermWeights:
        """Term rarity over every indexed chunk of the corpus's documents (one pass over the index)."""
        try:
            by_doc = self.store.all_chunks()
        except Exception:  # nothing indexed yet: no weights
            by_doc = {}
        # a document not (yet) indexed: weights from the rest
        return TermWeights(c.text for doc in self.corpus.documents for c in by_doc.get(doc.id, []))

    def query_terms(self, question: str, expansion: Expansion | None = None) -> tuple[QueryTerms, list[str]]:
        """The question's concepts (glossary entries with all their wordings, other words
        one by one) and the spelling corrections made for words the corpus does not know."""
        return build_query_terms(question, self.glossary, self.weights, [(m.start, m.end) for m in analyse(self.corpus, question).mentions])

    def retrieve(
        self, question: str, authority: str | None = None, k: int | None = None, scope: VersionScope | None = None
    ) -> Retrieval:
        """Passages for ``question``; ``authority`` (a full name) overrides detection, and
        ``scope`` (the question frame's version scope) overrides the versions detected."""
        t0 = time.perf_counter()
        k = k or self.settings.top_k
        analysis = analyse(self.corpus, question, authority)
        if scope is not None and scope != analysis.scope:
            analysis = dataclasses.replace(analysis, scope=scope)
        expansion = self.glossary.expand(question)
        terms, corrections = build_query_terms(
            question, self.glossary, self.weights, [(m.start, m.end) for m in analysis.mentions]
        )
        search_text = expansion.text + (" " + " ".join(corrections) if corrections else "")
        t1 = time.perf_counter()

        scope = analysis.scope
        candidates = max(self.settings.retrieval_candidates, k)
        groups: list[list[RetrievedChunk]] = []
        targets: list[str | None] = analysis.authorities or [None]
        if scope.document_ids:
            # A named version fixes the authority; search the named documents only.
            targets = [None]
        query = search_text
        if len(targets) > 1:
            query = self._embed_once(search_text)  # one embedding for every authority's search
        for auth in targets:
            groups.append(
                self.store.search(
                    query,
                    k=candidates,
                    authority=auth,
                    status=scope.statuses,
                    document_ids=list(scope.document_ids) if scope.document_ids else None,
                )
            )
        t2 = time.perf_counter()
        ranked = self._rerank(groups, terms, is_when_question(question))
        per_group = k if len(groups) == 1 else max(k // len(groups), 3)
        chosen = _interleave_best(ranked, per_group, k if len(groups) == 1 else per_group * len(groups))
        t3 = time.perf_counter()
        return Retrieval(
            question=question,
            analysis=analysis,
            expansion=expansion,
            query_terms=terms,
            chunks=chosen,
            timings_ms={
                "analyse": (t1 - t0) * 1000,
                "search": (t2 - t1) * 1000,
                "rerank": (t3 - t2) * 1000,
            },
        )

    def _embed_once(self, text: str):
        """Dense and sparse vectors of ``text``, for several filtered searches of one question."""
        try:
            from assistant.components.embedding.embedding_component import get_embedder
            from assistant.components.sparse.sparse_component import get_sparse_encoder
            from assistant.components.vector_store.vector_store_component import QueryVectors

            return QueryVectors(
                dense=get_embedder(self.settings).embed_query(text),
                sparse=get_sparse_encoder(self.settings).encode_query(text),
            )
        except Exception:  # another store implementation: let it embed per search
            return text

    def _rerank(self, groups: list[list[RetrievedChunk]], terms: QueryTerms, when: bool = False) -> list[list[RetrievedChunk]]:
        w = self.settings.rerank_lexical_weight
        out: list[list[RetrievedChunk]] = []
        for hits in groups:
            if not hits:
                out.append([])
                continue
            top = max(h.score for h in hits) or 1.0
            rescored = []
            for h in hits:
                text = f"{h.chunk.section} {h.chunk.text}"
                lex = terms.coverage(text)
                score = (1 - w) * (h.score / top) + w * lex
                if when and _TIMESCALE_HINT.search(h.chunk.text):
                    score += 0.1  # "when ..." is answered by a passage that names a time
                rescored.append(h.model_copy(update={"score": round(score, 6)}))
            rescored.sort(key=lambda r: -r.score)
            out.append(rescored)
        return out


def _interleave_best(groups: list[list[RetrievedChunk]], per_group: int, total: int) -> list[RetrievedChunk]:
    """The best ``per_group`` of each group, merged by score, deduplicated by chunk id."""
    seen: set[str] = set()
    merged: list[RetrievedChunk] = []
    for g in groups:
        for h in g[:per_group]:
            if h.chunk.id not in seen:
                seen.add(h.chunk.id)
                merged.append(h)
    merged.sort(key=lambda r: -r.score)
    return merged[:total]


_TIMESCALE_HINT = re.compile(
    r"\b(?:\d+|one|two|three|four|six|twelve|thirteen)[\s-](?:working\s+)?(?:days?|weeks?|weekly|months?|years?)\b|"
    r"\b(?:first|second|third|2nd|four-month)\s+(?:statutory\s+|looked\s+after\s+|'?looked\s+after\s+children'?s'?\s+)?review",
    re.IGNORECASE,
)
_VERSION_YEARS = re.compile(r"\b20\d\d(?:\s*[-\u2013/]\s*(?:20)?\d\d)?\b")
_IDIOMS = re.compile(r"\bin\s+place\b|\bin\s+care\s+for\b", re.IGNORECASE)


def build_query_terms(
    question: str, glossary: Glossary, weights: TermWeights, skip: list[tuple[int, int]] | None = None
) -> tuple[QueryTerms, list[str]]:
    """Concepts of ``question``: each glossary entry found (any wording satisfies it) and
    each remaining content word; unknown words are corrected to the nearest corpus word
    when one is close (practitioners type fast: "arrangments", "guardianshp")."""
    concepts: list[Concept] = []
    corrections: list[str] = []
    covered = [False] * len(question)
    # Authority names are filters, not words to find: every passage of Wigan's policy
    # is about Wigan whether or not it says so.
    for s, e in skip or []:
        for i in range(s, min(e, len(question))):
            covered[i] = True
    for m in glossary.find(question):
        alts = [tuple(content_terms(f)) for f in m.entry.forms]
        alts = [a for a in alts if a]
        if not alts:
            continue
        if any(covered[m.start : m.end]):
            continue
        for i in range(m.start, m.end):
            covered[i] = True
        # Weigh a concept by its wordings the corpus knows ("kid" is as common as "child").
        known = [a for a in alts if all(weights.known(t) for t in a)] or alts
        weight = max(sum(weights.idf(t) for t in a) / len(a) for a in known)
        concepts.append(Concept(alts, weight, m.entry.id, subject=m.entry.subject))
    rest = "".join(ch if not covered[i] else " " for i, ch in enumerate(question))
    rest = _IDIOMS.sub(" ", rest)  # "in place" is not about placements
    rest = _VERSION_YEARS.sub(" ", rest)  # "2021-25": a version filter, handled by query_analysis
    vocab = weights.vocabulary
    seen: set[str] = set()
    for tok in tokens(rest):
        if tok in STOPWORDS or (len(tok) < 2 and not tok.isdigit()):
            continue
        term = stem(tok)
        if term in seen:
            continue
        seen.add(term)
        if vocab and not weights.known(term) and len(term) >= 5 and not term.isdigit():
            pool = [v for v in vocab if v[:1] == term[:1] and abs(len(v) - len(term)) <= 2]
            close = difflib.get_close_matches(term, pool, n=1, cutoff=0.8)
            if close:
                corrections.append(close[0])
                concepts.append(Concept([(close[0],), (term,)], weights.idf(close[0]), f"{tok}->{close[0]}"))
                continue
        concepts.append(Concept([(term,)], weights.idf(term), tok))
    if not concepts:
        return QueryTerms([]), corrections
    return QueryTerms(concepts), corrections
