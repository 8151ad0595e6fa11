"""The services container: one set of components per Settings, shared by API, CLI, chat UI and eval.

``get_services(settings)`` builds lazily and caches per settings object, so the
embedder and the Qdrant client are loaded once per process, and the chat UI (which
calls services directly, not over HTTP) shares them with the API in the same process.
"""

from __future__ import annotations

import threading

from assistant.answering.document_texts import DocumentTexts
from assistant.answering.extractive import ExtractiveEngine
from assistant.answering.gap_log import GapLog
from assistant.answering.generative import GenerativeEngine
from assistant.conversation.sessions import SessionStore
from assistant.corpus import Corpus, load_corpus
from assistant.retrieval.glossary import Glossary, load_glossary
from assistant.retrieval.hybrid_retriever import HybridRetriever
from assistant.server.ask.ask_service import AskService
from assistant.server.documents.documents_service import DocumentsService
from assistant.server.feedback.feedback_service import FeedbackService
from assistant.server.gaps.gaps_service import GapsService
from assistant.server.health.health_service import HealthService
from assistant.server.search.search_service import SearchService
from assistant.settings import Settings, get_settings


class Services:
    """Everything a front end needs; attributes are built on first use (thread-safe)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()

    def _once(self, name: str, build):
        # cached_property is not thread-safe on its own; build under a lock once.
        with self._lock:
            if name not in self.__dict__:
                self.__dict__[name] = build()
            return self.__dict__[name]

    # -- components --------------------------------------------------------------
    @property
    def corpus(self) -> Corpus:
        return self._once("_corpus", lambda: load_corpus(self.settings.manifest_path))

    @property
    def glossary(self) -> Glossary:
        return self._once("_glossary", lambda: load_glossary(self.settings.glossary_path))

    @property
    def store(self):
        def build():
            from assistant.components.vector_store.vector_store_component import VectorStore

            return VectorStore(self.settings)

        return self._once("_store", build)

    @property
    def retriever(self) -> HybridRetriever:
        return self._once("_retriever", lambda: HybridRetriever(self.settings, self.store, self.corpus, self.glossary))

    @property
    def texts(self) -> DocumentTexts:
        return self._once("_texts", lambda: DocumentTexts(self.settings))

    @property
    def extractive(self) -> ExtractiveEngine:
        return self._once(
            "_extractive", lambda: ExtractiveEngine(self.settings, self.corpus, self.texts, self.retriever.weights)
        )

    @property
    def generative(self) -> GenerativeEngine:
        return self._once("_generative", lambda: GenerativeEngine(self.settings, self.extractive))

    @property
    def sessions(self) -> SessionStore:
        s = self.settings
        return self._once("_sessions", lambda: SessionStore(s.session_max_turns, s.session_ttl_s, s.max_sessions))

    @property
    def gap_log(self) -> GapLog:
        return self._once("_gap_log", lambda: GapLog(self.settings))

    # -- feature services ----------------------------------------------------------
    @property
    def feedback(self) -> FeedbackService:
        return self._once("_feedback", lambda: FeedbackService(self.settings))

    @property
    def ask(self) -> AskService:
        return self._once(
            "_ask",
            lambda: AskService(
                self.settings,
                self.corpus,
                self.retriever,
                self.extractive,
                self.generative,
                self.sessions,
                self.gap_log,
                self.feedback,
            ),
        )

    @property
    def search(self) -> SearchService:
        return self._once("_search", lambda: SearchService(self.corpus, self.retriever))

    @property
    def documents(self) -> DocumentsService:
        return self._once("_documents", lambda: DocumentsService(self.corpus, lambda: self.store))

    @property
    def gaps(self) -> GapsService:
        return self._once("_gaps", lambda: GapsService(self.gap_log))

    @property
    def health(self) -> HealthService:
        return self._once("_health", lambda: HealthService(self.settings, lambda: self.store, lambda: self.feedback))

    @property
    def rules(self):
        """The rule layer's service when installed (RULES feature), else None."""

        def build():
            try:
                from assistant.server.rules.rules_service import get_rules_service  # type: ignore
            except ImportError:
                return None
            return get_rules_service(self.settings)

        return self._once("_rules", build)

    def warm_up(self) -> None:
        """Load the embedder, open the index and read the documents before the first question."""
        _ = self.ask, self.extractive
        self.retriever.weights  # noqa: B018 - reads every chunk once
        for doc in self.corpus.documents:
            try:
                self.texts.get(doc.id)
            except Exception:
                continue
        try:
            self.retriever.store.search("warm up", k=1)
        except Exception:
            pass


_cache: dict[int, tuple[Settings, Services]] = {}
_cache_lock = threading.Lock()


def get_services(settings: Settings | None = None) -> Services:
    """The services for ``settings`` (the process settings when None), built once."""
    settings = settings or get_settings()
    with _cache_lock:
        hit = _cache.get(id(settings))
        if hit is None or hit[0] is not settings:
            hit = (settings, Services(settings))
            _cache[id(settings)] = hit
        return hit[1]
