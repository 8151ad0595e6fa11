"""The FastAPI application: thin routers, one per feature, over shared services.

Routers live in ``assistant/server/<feature>/<feature>_router.py``; each parses input,
calls one service function and shapes the response. Every route but ``/health`` is
guarded by ``security.require(<permission>)``; every response gets the security headers
(``headers.SecurityHeaders``); ``/docs`` is served from files on this machine and, when
log-in is on, only to those logged in. Expired personal data is purged at start-up and
every ``purge_interval_s`` (``assistant.privacy.retention``).
"""

from __future__ import annotations

import importlib
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from assistant.components.embedding.embedding_component import set_torch_threads
from assistant.server.errors import validation_error_handler
from assistant.server.headers import SecurityHeaders, allow_inline_scripts
from assistant.server.plain_errors_as_json import wrap_app as plain_errors_as_json
from assistant.server.security import authenticate
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
    "assistant.server.users.users_router",
)

DOCS_STATIC = "/docs-static"


def _swagger_files() -> Path | None:
    """Swagger UI's files as the ``fastapi-offline`` package ships them (no CDN)."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    path = Path(fastapi_offline.__file__).with_name("static")
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def _add_docs(app: FastAPI) -> None:
    """``/openapi.json`` and ``/docs`` behind the same log-in as the API, assets from this server."""

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(authenticate)])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    files = _swagger_files()
    if files is None:
        return
    app.mount(DOCS_STATIC, StaticFiles(directory=files), name="docs-static")

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(authenticate)])
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
        )
        allow_inline_scripts(page.body.decode("utf-8"))
        return page


def _name_the_authorities(app: FastAPI) -> None:
    """Every ``authority`` field and parameter in the schema lists the names the API accepts
    (full, short and aliases from the manifest), so what the schema allows the API takes."""
    base = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = base()
        try:
            from assistant.services import get_services

            names = sorted({n for ns in get_services(app.state.settings).corpus.authority_names.values() for n in ns})
        except Exception:  # noqa: BLE001 - no readable manifest: the schema stays as the models say
            return schema
        targets = [p.get("authority") for s in schema.get("components", {}).get("schemas", {}).values()
                   for p in [s.get("properties", {})]]
        targets += [p.get("schema") for ops in schema.get("paths", {}).values() for op in ops.values()
                    for p in op.get("parameters", []) if p.get("name") == "authority"]
        for target in filter(None, targets):
            for branch in target.get("anyOf", [target]):
                if branch.get("type") == "string":
                    branch["enum"] = names
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from assistant.privacy.retention import run_periodically

        stop = threading.Event()
        worker = threading.Thread(target=run_periodically, args=(settings, stop), name="purge", daemon=True)
        worker.start()
        try:
            yield
        finally:
            stop.set()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (the process settings when None)."""
    settings = settings or get_settings()
    # the body limit answers 413 as the bytes arrive, so a huge upload is never read into memory
    app = FastAPI(
        title="Permanence policy assistant", version="0.1.0", max_body_size=settings.max_body_bytes,
        docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan(settings),
    )
    app.state.settings = settings
    set_torch_threads(settings.serve_torch_threads)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_middleware(SecurityHeaders)
    for name in _ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    _name_the_authorities(app)
    _add_docs(app)
    plain_errors_as_json(app)  # e.g. the body limit's 413, sent before any handler runs
    return app
