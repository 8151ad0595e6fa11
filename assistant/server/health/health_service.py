"""Liveness and readiness, cheaply: no model load, no search."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.settings import Settings


class Health(BaseModel):
    status: str  # "ok" when the index is ready, "degraded" when it is not
    index_ready: bool
    documents: int
    engine: str
    generative_configured: bool
    version: str = "0.1.0"
    rules: dict | None = None  # the rule layer's status: stale rules (policy changed under them) or the load error


class HealthService:
    def __init__(self, settings: Settings, store_provider):
        self.settings = settings
        self._store_provider = store_provider

    def check(self) -> Health:
        try:
            store = self._store_provider()
            ready = store.exists()
            docs = len(store.list_documents()) if ready else 0
        except Exception:
            ready, docs = False, 0
        return Health(
            status="ok" if ready else "degraded",
            index_ready=ready,
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
