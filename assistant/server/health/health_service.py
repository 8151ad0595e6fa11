"""Liveness and readiness, cheaply: no model load, no search.

Ready means the index answers and the feedback store takes writes (tested by taking its
write lock and letting it go), since every answer is registered there.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.settings import Settings


class Health(BaseModel):
    status: str  # "ok" when the index is ready and the store writable, "degraded" when not
    index_ready: bool
    storage_writable: bool = True
    documents: int
    engine: str
    generative_configured: bool
    version: str = "0.1.0"
    rules: dict | None = None  # the rule layer's status: stale rules (policy changed under them) or the load error


class HealthService:
    def __init__(self, settings: Settings, store_provider, feedback_provider=None):
        self.settings = settings
        self._store_provider = store_provider
        self._feedback_provider = feedback_provider

    def check(self) -> Health:
        try:
            store = self._store_provider()
            ready = store.exists()
            docs = len(store.list_documents()) if ready else 0
        except Exception:
            ready, docs = False, 0
        writable = True
        if self._feedback_provider is not None:
            try:
                writable = self._feedback_provider().writable()
            except Exception:  # noqa: BLE001 - a store that cannot even open is not writable
                writable = False
        return Health(
            status="ok" if ready and writable else "degraded",
            index_ready=ready,
            storage_writable=writable,
            documents=docs,
            engine=self.settings.engine,
            generative_configured=bool(self.settings.llm_base_url),
            rules=_rules_status(self.settings),
        )


def _rules_status(settings: Settings) -> dict | None:
    try:
        from assistant.server.rules.rules_service import rules_status
    except ImportError:  # the rule layer is optional
        return None
    return rules_status(settings)
