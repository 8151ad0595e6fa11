"""Mount the Chainlit chat into the FastAPI app, so one process serves the API and the chat.

``permanence serve`` calls ``mount_chat(app, settings)``; the chat then lives under
``/chat/`` beside the API routes and calls the services directly (no HTTP hop).

Where Chainlit looks for its files: ``chainlit.config`` reads ``CHAINLIT_APP_ROOT``
(default: the current directory) once, when it is first imported, and takes
``.chainlit/config.toml``, ``chainlit.md`` and ``public/`` from there. We point it at
the repository root before importing Chainlit, so the chat looks the same whichever
folder ``permanence serve`` is started from.

Offline: Chainlit's built ``index.html`` links Google Fonts (preconnect + stylesheet)
and KaTeX's CSS from jsDelivr. ``public/theme.json`` (``"custom_fonts": []``) removes the
font stylesheet; the rest is removed from the served page here. The browser test checks
that the page requests nothing from a non-loopback host.

Click-only citation panel: since Chainlit 2.11 the front end opens the side panel by
itself whenever a message with ``display="side"`` elements arrives, titled with the last
element's name and showing every side element of the conversation (upstream issue
Chainlit/chainlit#2932, fix proposed in PR #2982). Until that ships, the served bundle
gets the same one-line change as that PR (``click_only_side_panel``): the panel opens
only from a click on a marker, which sets it to that marker's element alone.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from fastapi import FastAPI

from assistant.settings import REPO_ROOT, Settings
from assistant.ui import runtime

log = logging.getLogger(__name__)

CHAT_PATH = "/chat"
_APP_FILE = Path(__file__).with_name("chainlit_app.py")
_mounted_path: str | None = None

# <link>s to outside hosts in Chainlit's index.html: fonts.googleapis.com,
# fonts.gstatic.com, cdn.jsdelivr.net (KaTeX). Any <link>/<script> with an absolute
# http(s) URL is dropped, so a future Chainlit that adds another is caught too.
_EXTERNAL_TAG = re.compile(
    r"<(?:link|script)\b[^>]*\b(?:href|src)\s*=\s*[\"']https?://[^\"']*[\"'][^>]*>(?:\s*</script>)?",
    re.IGNORECASE | re.DOTALL,
)


def strip_external_assets(html: str) -> str:
    """``html`` without tags that make the browser fetch from another host."""
    return _EXTERNAL_TAG.sub("", html)


# In MessagesContainer's effect over the side elements: ``setSideView({title:
# last.name, elements: all})``. Minified names vary by build, hence the pattern.
_AUTO_OPEN_SIDE_VIEW = re.compile(r"\b\w\(\{title:(\w)\[\1\.length-1\]\.name,elements:\1\}\)")


def click_only_side_panel(bundle_js: str) -> tuple[str, int]:
    """``bundle_js`` without the side panel's auto-open, and how many places changed
    (0 means this Chainlit build no longer has it: the fix has shipped, or moved)."""
    return _AUTO_OPEN_SIDE_VIEW.subn("void 0", bundle_js)


def _serve_click_only_side_panel() -> None:
    """Serve Chainlit's main bundle with ``click_only_side_panel`` applied; every other
    asset is Chainlit's own handler. The route goes first so it wins over Chainlit's."""
    import chainlit.server as cl_server
    from fastapi.responses import Response
    from starlette.routing import Route

    if any(getattr(r, "name", "") == "permanence_patched_bundle" for r in cl_server.app.router.routes):
        return
    assets = Path(cl_server.build_dir) / "assets"
    index_html = (Path(cl_server.build_dir) / "index.html").read_text(encoding="utf-8")
    m = re.search(r"assets/(index-[\w-]+\.js)", index_html)
    if not m:
        log.warning("Chainlit's index.html names no main bundle; the side panel may open by itself")
        return
    bundle_name = m.group(1)
    patched, count = click_only_side_panel((assets / bundle_name).read_text(encoding="utf-8"))
    if count != 1:
        log.warning("Chainlit's side-panel auto-open not found (%d matches); serving its bundle unchanged", count)
        return
    body = patched.encode("utf-8")

    async def patched_bundle(request):
        if request.path_params["filename"] != bundle_name:
            return await cl_server.serve_asset_file(request.path_params["filename"])
        return Response(body, media_type="text/javascript")

    route = Route("/assets/{filename:path}", patched_bundle, methods=["GET"], name="permanence_patched_bundle")
    cl_server.app.router.routes.insert(0, route)


def _prepare_chainlit_environment() -> None:
    """Point Chainlit at the repository root; must run before ``import chainlit``."""
    os.environ.setdefault("CHAINLIT_APP_ROOT", str(REPO_ROOT))
    cfg = sys.modules.get("chainlit.config")
    if cfg is not None and Path(cfg.APP_ROOT).resolve() != Path(os.environ["CHAINLIT_APP_ROOT"]).resolve():
        log.warning(
            "Chainlit was imported before mount_chat and reads its config from %s, not %s",
            cfg.APP_ROOT,
            os.environ["CHAINLIT_APP_ROOT"],
        )


def _serve_offline_page() -> None:
    """Make Chainlit's HTML page free of outside URLs (fonts, KaTeX CDN)."""
    import chainlit.server as cl_server

    if getattr(cl_server.get_html_template, "_permanence_offline", False):
        return
    original = cl_server.get_html_template

    def offline_html_template(root_path):
        from assistant.server.headers import allow_inline_scripts

        return allow_inline_scripts(strip_external_assets(original(root_path)))

    offline_html_template._permanence_offline = True  # type: ignore[attr-defined]
    # ``serve`` looks the function up in its module at call time, so this takes effect.
    cl_server.get_html_template = offline_html_template


def _activate_data_layer() -> None:
    """Make Chainlit pick up the app's ``@cl.data_layer`` (our feedback store).

    ``chainlit.data.get_data_layer`` decides once per process; if anything sent a
    Chainlit message before the app file was loaded (tests, a warm-up), it has cached
    "no data layer" and the thumbs would never show. Reset that decision.
    """
    import chainlit.data as cl_data

    if getattr(cl_data, "_data_layer", None) is None:
        cl_data._data_layer_initialized = False


def _drop_chainlit_docs(chainlit_app) -> None:
    """Chainlit's FastAPI app keeps FastAPI's own /docs, /redoc and /openapi.json, open to all
    and loading Swagger from a CDN; the chat needs none of them (the API's /docs is local)."""
    docs = {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
    chainlit_app.openapi()  # the schema of the chat's routes stays available in-process (tests fuzz it)
    chainlit_app.router.routes = [r for r in chainlit_app.router.routes if getattr(r, "path", None) not in docs]


def mount_chat(app: FastAPI, settings: Settings, path: str = CHAT_PATH, services=None) -> FastAPI:
    """Serve the Chainlit chat under ``path`` of ``app``, using ``settings``' services.

    Chainlit's server is one per process: a second call (another app object, e.g. in
    tests) mounts the same chat again and switches it to the newer settings; it must
    use the same ``path``.
    """
    global _mounted_path
    runtime.configure(settings, services)
    _prepare_chainlit_environment()
    if _mounted_path is None:
        from chainlit.server import app as chainlit_app
        from chainlit.utils import mount_chainlit

        from assistant.ui.chat_access import SessionGuard

        _serve_offline_page()
        _drop_chainlit_docs(chainlit_app)
        chainlit_app.add_middleware(SessionGuard, max_body=settings.max_body_bytes)
        _serve_click_only_side_panel()
        mount_chainlit(app=app, target=str(_APP_FILE), path=path)
        _activate_data_layer()
        _mounted_path = path
    elif path != _mounted_path:
        raise ValueError(f"the chat is already mounted at {_mounted_path!r} in this process; cannot also use {path!r}")
    else:
        from chainlit.server import app as chainlit_app

        app.mount(path, chainlit_app)
    from assistant.ui.chat_access import configure_chainlit

    configure_chainlit(settings)
    app.state.chat_path = path
    log.info("chat mounted at %s/", path)
    return app
