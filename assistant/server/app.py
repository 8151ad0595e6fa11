"""The FastAPI application: thin routers, one per feature, over shared services.

Routers live in ``assistant/server/<feature>/<feature>_router.py``; each parses input,
calls one service function and shapes the response.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from assistant.components.embedding.embedding_component import set_torch_threads
from assistant.server.errors import validation_error_handler
from assistant.server.plain_errors_as_json import wrap_app as plain_errors_as_json
from assistant.settings import Settings, get_settings

# Feature routers, included in this order. A module listed here must define ``router``.
_ROUTER_MODULES: tuple[str, ...] = (
    "assistant.server.home.home_router",
    "assistant.server.health.health_router",
    "assistant.server.ask.ask_router",
    "assistant.server.search.search_router",
    "assistant.server.documents.documents_router",
    "assistant.server.feedback.feedback_router",
    "assistant.server.gaps.gaps_router",
    "assistant.server.rules.rules_router",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (the process settings when None)."""
    settings = settings or get_settings()
    # the body limit answers 413 as the bytes arrive, so a huge upload is never read into memory
    app = FastAPI(title="Permanence policy assistant", version="0.1.0", max_body_size=settings.max_body_bytes)
    app.state.settings = settings
    set_torch_threads(settings.serve_torch_threads)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    for name in _ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    plain_errors_as_json(app)  # e.g. the body limit's 413, sent before any handler runs
    return app

