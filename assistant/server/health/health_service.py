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
        )
