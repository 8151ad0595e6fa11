"""The chat behind the same log-in as the API (``assistant.access``), through Chainlit's own
authentication, configured here rather than written anew:

- log-in is on exactly when the API's is (a key, a user or single sign-on configured), and
  it is decided per request, so a user added with ``permanence users add`` turns it on
  without a restart; Chainlit's socket then refuses connections without a valid log-in, and
  restores a chat session only for the user who started it;
- password log-in checks the user store (or, while there are no users, the shared key as
  an administrator's password); single sign-on is Chainlit's OAuth providers, configured by
  their ``OAUTH_*`` variables, with roles from the user store;
- the socket accepts only the server's own origin and ``settings.allow_origins``;
- Chainlit's HTTP routes that name a chat session answer 404 for a session that does not
  exist or is someone else's, instead of a 500 or another person's data;
- files the chat makes (quiz summaries) go under ``data_dir/chat_files`` (0700 folder,
  0600 files), where the retention purge finds them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs

from assistant.access import roles
from assistant.access.identity import OPEN, Principal, access_for
from assistant.privacy.files import FILE_MODE, private_dir
from assistant.privacy.retention import chat_files_dir
from assistant.ui import runtime

log = logging.getLogger(__name__)


def _access():
    return access_for(runtime.settings())


def login_required() -> bool:
    return _access().enabled


def _chat_user(principal: Principal):
    from chainlit.user import User

    return User(identifier=principal.name, display_name=principal.name,
                metadata={"role": principal.role, "via": principal.via})


_failures: dict = {}  # "name" / "address" -> SlidingWindow; made anew by configure_chainlit


def _failures_by(kind: str):
    if kind not in _failures:
        from assistant.server.security import SlidingWindow

        _failures[kind] = SlidingWindow(runtime.settings().auth_failures_per_minute)
    return _failures[kind]


def _name_failures():
    return _failures_by("name")


async def password_login(username: str, password: str):
    """Chainlit's password callback. A name with too many recent failures is refused
    without checking (per address, ``SessionGuard`` counts too)."""
    import asyncio

    name = username.strip()[:200]
    if _name_failures().retry_after(name) is not None:
        log.warning("chat log-in for %r refused: too many failures", name)
        return None
    principal = await asyncio.to_thread(_access().from_password, name, password)
    if principal is None:
        _name_failures().add(name)
        log.warning("chat log-in refused for %r", name)
        return None
    return _chat_user(principal)


async def sso_login(provider_id: str, token: str, raw_user_data: dict, default_user, id_token=None):
    principal = _access().from_sso(default_user.identifier)
    if principal is None:
        log.warning("single sign-on user %r via %s is not a user here", default_user.identifier, provider_id)
        return None
    return _chat_user(principal)


def current_principal() -> Principal:
    """Who the current chat session belongs to (log-in off: the local administrator)."""
    import chainlit as cl

    user = cl.user_session.get("user")
    if user is None:
        return OPEN
    meta = getattr(user, "metadata", None) or {}
    checked = _access().from_chat_claims(user.identifier, meta) if login_required() else None
    return checked or Principal(user.identifier, "", "revoked")


def may(permission: str) -> bool:
    return roles.permits(current_principal().role, permission)


# --- Chainlit, configured -----------------------------------------------------------------

def _same_origin_or_allowed(origin: str | None, environ: dict | None = None) -> bool:
    """The socket's origin check: the server's own origin, or one in ``settings.allow_origins``."""
    if not origin:
        return True  # not a browser; the log-in still applies
    allowed = {o.rstrip("/") for o in runtime.settings().allow_origins}
    if origin.rstrip("/") in allowed:
        return True
    environ = environ or {}
    host = environ.get("HTTP_HOST")
    if not host:
        return False
    scheme = environ.get("wsgi.url_scheme", "http")
    return origin.rstrip("/") in (f"{scheme}://{host}", f"{'https' if scheme == 'http' else 'http'}://{host}")


def _private_chat_files(settings) -> None:
    """Chainlit keeps session files in ``<app root>/.files``; move them under the data folder."""
    import chainlit.config as cl_config
    import chainlit.server as cl_server
    from chainlit.session import BaseSession

    files = private_dir(chat_files_dir(settings))
    old = Path(cl_config.APP_ROOT) / ".files"
    if old.resolve() != files.resolve() and old.is_dir():
        for leftover in old.iterdir():  # quiz summaries an earlier version left in the repository
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    cl_config.FILES_DIRECTORY = files
    cl_server.FILES_DIRECTORY = files
    if getattr(BaseSession.persist_file, "_permanence_private", False):
        return
    original = BaseSession.persist_file

    async def persist_file(self, *args, **kwargs):
        ref = await original(self, *args, **kwargs)
        entry = self.files.get(ref["id"]) if isinstance(ref, dict) else None
        if entry is not None:
            os.chmod(Path(entry["path"]).parent, 0o700)
            os.chmod(entry["path"], FILE_MODE)
        return ref

    persist_file._permanence_private = True  # type: ignore[attr-defined]
    BaseSession.persist_file = persist_file


def configure_chainlit(settings) -> None:
    """Point Chainlit's authentication at ours; safe to call again (tests mount more than once)."""
    import chainlit.auth as cl_auth
    import chainlit.server as cl_server
    import chainlit.socket as cl_socket
    from chainlit.config import config
    from chainlit.utils import wrap_user_function

    os.environ["CHAINLIT_AUTH_SECRET"] = access_for(settings).jwt_secret()
    _failures.clear()
    for module in (cl_auth, cl_socket, cl_server):
        module.require_login = login_required
    config.code.password_auth_callback = wrap_user_function(password_login)
    config.code.oauth_callback = wrap_user_function(sso_login)
    cl_server.sio.eio.cors_allowed_origins = _same_origin_or_allowed
    _private_chat_files(settings)


# --- Chainlit's routes that name a session ------------------------------------------------------

_SESSION_ROUTES = ("/project/action", "/feedback", "/project/file", "/project/element")


class SessionGuard:
    """ASGI middleware in front of Chainlit: a request naming a chat session (``sessionId`` in
    a JSON body, ``session_id`` in the query) gets 404 unless that session exists and, with
    log-in on, belongs to the logged-in user."""

    def __init__(self, app, max_body: int = 1_048_576):
        self.app = app
        self.max_body = max_body

    async def _login(self, scope, receive, send):
        """Chainlit's ``POST /login``: an address with too many failed log-ins gets 429."""
        failures = _failures_by("address")
        address = (scope.get("client") or ("unknown",))[0]
        if (wait := failures.retry_after(address)) is not None:
            await _respond(send, 429, f"too many failed log-ins from this address; try again in {wait} s")
            return

        async def counting_send(message):
            if message["type"] == "http.response.start" and message["status"] == 401:
                failures.add(address)
            await send(message)

        await self.app(scope, receive, counting_send)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path", "").endswith("/login"):
            await self._login(scope, receive, send)
            return
        path = scope.get("path", "") if scope["type"] == "http" else ""
        sticky = path.endswith("/set-session-cookie")
        if not (path.endswith(_SESSION_ROUTES) or "/project/file/" in path or sticky):
            await self.app(scope, receive, send)
            return
        body, more, messages = b"", True, []
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if scope.get("method") in ("POST", "PUT", "DELETE") and (sticky or content_type.startswith(b"application/json")):
            while more:
                message = await receive()
                messages.append(message)
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.max_body:
                    await _respond(send, 413, "request body too large")
                    return
        session_id = _session_id(scope, body)
        if sticky:  # Chainlit reads its body as JSON unchecked: anything else was a 500
            if not session_id:
                await _respond(send, 422, 'send {"session_id": "<id>"} as JSON')
                return
        elif session_id is not None:
            problem = _session_problem(scope, session_id)
            if problem is not None:
                await _respond(send, *problem)
                return

        async def replay():
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay if messages else receive, send)


def _session_id(scope, body: bytes) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "session_id" in query:
        return query["session_id"][0]
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not ({"sessionId", "session_id"} & data.keys()):
        return None
    value = data.get("sessionId", data.get("session_id"))
    return value if isinstance(value, str) else ""  # "" is no session


def _session_problem(scope, session_id: str) -> tuple[int, str] | None:
    from chainlit.session import WebsocketSession

    session = WebsocketSession.get_by_id(session_id) if session_id else None
    if session is None:
        return 404, "no such chat session"
    if not login_required():
        return None
    from starlette.requests import Request

    from assistant.server.security import chat_cookie

    token = chat_cookie(Request(scope))
    principal = _access().from_chat_jwt(token) if token else None
    if principal is None:
        return 401, "log-in required"
    if session.user is None or session.user.identifier != principal.name:
        return 404, "no such chat session"
    return None


async def _respond(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
