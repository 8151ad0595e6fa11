"""The engines an evaluation run compares, behind one small interface.

- ``assistant``: the product, through ``AskService`` (the same service the API, CLI and chat
  UI use), with its hybrid retriever for the retrieval metrics and the rules engine for the
  rule items;
- ``retrieval``: the assistant's retrieval alone (no answering), for when only the index exists;
- ``llamaindex`` and ``bm25``: the baselines (see ``baselines.py``), retrieval only.

Every engine returns an ``EngineOutput`` per gold item; scoring is done elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.gold import GoldItem
from assistant.evaluation.metrics import CitationRef, Hit

ENGINE_NAMES = ("assistant", "retrieval", "llamaindex", "bm25")
RETRIEVE_K = 10


@dataclass
class EngineOutput:
    hits: list[Hit] | None = None
    answer: str | None = None
    citations: list[CitationRef] = field(default_factory=list)
    refused: bool | None = None
    rules: Any = None  # the rules engine's structured result (direct call with the gold facts)
    chat_rules: Any = None  # the ``rules`` field of the chat answer
    latency_ms: float | None = None
    interpreted_question: str | None = None
    error: str | None = None


def retrieval_query(item: GoldItem, authority_full: str | None) -> str:
    """The text a conversation-less, filter-less engine searches with.

    Baselines have no sessions and no authority filter, so a follow-up gets its previous
    turn prepended and an authority the question does not name is appended ("(Wigan)"):
    the same information the assistant gets from its session and request.
    """
    q = item.question
    if item.turns:
        q = f"{item.turns[-1]} {q}"
    if item.authority:
        short = item.authority.split()[0]
        if short.lower() not in q.lower():
            q = f"{q} ({(authority_full or short).split()[0]})"
    return q


def _chunk_hit(rc) -> Hit:
    c = rc.chunk
    return Hit(document_id=c.document_id, text=c.text, start=c.start, end=c.end, score=float(rc.score))


class _Authorities:
    def __init__(self, settings):
        from assistant.corpus import load_corpus

        self.corpus = load_corpus(settings.manifest_path)

    def full(self, name: str | None) -> str | None:
        return self.corpus.resolve_authority(name) if name else None


class RetrievalEngine:
    """The assistant's retrieval alone: HybridRetriever (or VectorStore.search if absent)."""

    name = "retrieval"
    answers = False

    def __init__(self, settings, retriever=None, store=None):
        t0 = time.perf_counter()
        self.settings = settings
        self.auth = _Authorities(settings)
        self.retriever = retriever
        self.store = store
        if self.retriever is None:
            try:
                from assistant.retrieval.hybrid_retriever import HybridRetriever

                self.retriever = HybridRetriever(settings, store=store)
            except ImportError:
                self.retriever = None
        if self.retriever is None and self.store is None:
            from assistant.components.vector_store.vector_store_component import VectorStore

            self.store = VectorStore(settings)
        self.build_s = time.perf_counter() - t0

    def search(self, query: str, authority_full: str | None, k: int = RETRIEVE_K) -> list[Hit]:
        if self.retriever is not None:
            return [_chunk_hit(rc) for rc in self.retriever.retrieve(query, authority=authority_full, k=k).chunks]
        return [_chunk_hit(rc) for rc in self.store.search(query, k=k, authority=authority_full)]

    def run(self, item: GoldItem) -> EngineOutput:
        full = self.auth.full(item.authority)
        q = item.question if not item.turns else f"{item.turns[-1]} {item.question}"
        t0 = time.perf_counter()
        hits = self.search(q, full)
        return EngineOutput(hits=hits, latency_ms=(time.perf_counter() - t0) * 1000)


class BaselineEngine:
    """Wraps a baseline index (``search(query, k)``) as an engine."""

    answers = False

    def __init__(self, baseline, settings):
        self.baseline = baseline
        self.name = baseline.name
        self.build_s = getattr(baseline, "build_s", 0.0)
        self.auth = _Authorities(settings)

    def run(self, item: GoldItem) -> EngineOutput:
        q = retrieval_query(item, self.auth.full(item.authority))
        t0 = time.perf_counter()
        hits = self.baseline.search(q, RETRIEVE_K)
        return EngineOutput(hits=hits, latency_ms=(time.perf_counter() - t0) * 1000)


_RULE_CALLS = {
    # endpoint -> (RulesService method, facts model in assistant.rules.facts)
    "review-schedule": ("review_schedule", "ReviewScheduleFacts"),
    "eligibility/sgo": ("sgo", "SgoFacts"),
    "eligibility/cao": ("cao", "CaoFacts"),
    "private-fostering": ("private_fostering", "PrivateFosteringFacts"),
    "timeline": ("timeline", "TimelineFacts"),
}


def run_rule(rules_service: Any, endpoint: str, facts: dict[str, Any]) -> Any:
    """Call the rules engine for one gold rule item (same request models as the API).

    Raises ``NotImplementedError`` when there is no rules service or no method for the
    endpoint, and pydantic's ``ValidationError`` when the gold facts do not fit the model
    (a gold item out of date with the rules API: reported per item, not hidden).
    """
    if rules_service is None:
        raise NotImplementedError("no rules service")
    method, model_name = _RULE_CALLS[endpoint]
    fn = getattr(rules_service, method, None)
    if not callable(fn):
        raise NotImplementedError(f"rules service has no {method}() for {endpoint!r}")
    from assistant.rules import facts as facts_mod

    model = getattr(facts_mod, model_name)
    return fn(model.model_validate(facts))


class _RecordingRetriever:
    """Delegates to the assistant's retriever and keeps its last ``Retrieval``.

    Retrieval metrics then score exactly what the answer was built from (its ``top_k``
    passages), and the eval does not pay for a second search per question.
    """

    def __init__(self, inner):
        self._inner = inner
        self.last = None

    def retrieve(self, *args, **kwargs):
        self.last = self._inner.retrieve(*args, **kwargs)
        return self.last

    def __getattr__(self, name):
        return getattr(self._inner, name)


class AssistantEngine:
    """The product: ``AskService.ask`` for answers, its retriever for retrieval metrics."""

    name = "assistant"
    answers = True

    def __init__(self, settings, services=None):
        t0 = time.perf_counter()
        if services is None:
            from assistant.services import get_services

            services = get_services(settings)
        self.services = services
        self.settings = settings
        from assistant.answering.schemas import AskRequest

        self.AskRequest = AskRequest
        retriever = getattr(services.ask, "retriever", None)
        self.retrieval = RetrievalEngine(settings, retriever=retriever)
        self._recorder = None
        if retriever is not None:
            self._recorder = _RecordingRetriever(retriever)
            services.ask.retriever = self._recorder
        self.rules = getattr(services, "rules", None)
        self.auth = self.retrieval.auth
        # warm-up: the first call loads the model and caches; latency is measured warm
        try:
            services.ask.ask(self.AskRequest(question="who may apply for a special guardianship order?"))
        except Exception:  # noqa: BLE001 - a failing warm-up shows up again, per item, with its error
            pass
        self.build_s = time.perf_counter() - t0

    def run(self, item: GoldItem) -> EngineOutput:
        out = EngineOutput()
        try:
            sid = None
            for turn in item.turns:
                sid = self.services.ask.ask(self.AskRequest(question=turn, session_id=sid)).session_id
            # A follow-up is asked without the authority: resolving "what about Bolton?" is under test.
            authority = None if item.turns else item.authority
            if self._recorder is not None:
                self._recorder.last = None
            t0 = time.perf_counter()
            resp = self.services.ask.ask(self.AskRequest(question=item.question, authority=authority, session_id=sid))
            out.latency_ms = (time.perf_counter() - t0) * 1000
        except Exception as exc:  # noqa: BLE001 - one failing item must not end the run
            out.error = f"{type(exc).__name__}: {exc}"
            out.answer, out.refused = "", False
            return out
        out.answer = resp.answer
        out.refused = bool(resp.refused)
        out.interpreted_question = resp.interpreted_question
        out.citations = [
            CitationRef(document_id=c.document_id, quote=c.quote, start=c.start, end=c.end, n=c.n) for c in resp.citations
        ]
        out.chat_rules = resp.rules
        out.rules = resp.rules
        if item.kind == "rule" and item.rule is not None and self.rules is not None:
            try:
                out.rules = run_rule(self.rules, item.rule.endpoint, item.rule.facts)
            except NotImplementedError:
                pass  # score the chat path's rules field instead
            except Exception as exc:  # noqa: BLE001
                out.error = f"rules: {type(exc).__name__}: {exc}"
        if not item.must_refuse:
            recorded = self._recorder.last if self._recorder is not None else None
            if recorded is not None:
                out.hits = [_chunk_hit(rc) for rc in recorded.chunks]
            else:  # answered without retrieving (screened, or a rule question): search separately
                q = resp.interpreted_question or item.question
                try:
                    out.hits = self.retrieval.search(q, self.auth.full(item.authority))
                except Exception as exc:  # noqa: BLE001
                    out.error = f"retrieval: {type(exc).__name__}: {exc}"
        return out

    def close(self) -> None:
        """Give the services their own retriever back."""
        if self._recorder is not None and getattr(self.services.ask, "retriever", None) is self._recorder:
            self.services.ask.retriever = self._recorder._inner
