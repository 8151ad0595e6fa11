"""The chat's doors with log-in on, tried as a security tester would: the real app (API and
chat) served by uvicorn on loopback, a Socket.IO client and plain HTTP.

An unauthenticated socket is refused; so is a foreign web origin, even logged in; a second
user cannot resume the first's session; Chainlit's routes that name a session answer 404 for
an unknown or foreign one (never a 500); wrong passwords end in 429; with only the key set,
the key logs in an administrator; and ``permanence serve`` will not listen beyond loopback
with log-in off.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
import socketio

from assistant.access.identity import access_for
from assistant.settings import REPO_ROOT, Settings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

ALICE, BOB = ("alice", "alice's password"), ("bob", "bob's password!")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(settings):
    import uvicorn

    from assistant.server.app import create_app
    from assistant.ui.mount import mount_chat

    app = create_app(settings)
    mount_chat(app, settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="chat-access-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.config.port}"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    s = Settings(data_dir=tmp_path_factory.mktemp("chat-access"), auth_secret="c" * 48,
                 allow_origins=["https://intranet.council.example"], auth_failures_per_minute=5)
    users = access_for(s).users
    users.add(*ALICE[:1], "trainer", ALICE[1])
    users.add(*BOB[:1], "practitioner", BOB[1])
    return s


@pytest.fixture(scope="module")
def base(settings):
    server, thread, url = _serve(settings)
    yield url
    server.should_exit = True
    thread.join(timeout=20)


def login(base, name, password) -> httpx.Response:
    return httpx.post(f"{base}/chat/login", data={"username": name, "password": password})


@pytest.fixture(scope="module")
def cookies(base):
    out = {}
    for name, password in (ALICE, BOB):
        r = login(base, name, password)
        assert r.status_code == 200, r.text
        out[name] = r.cookies["access_token"]
    return out


async def _connect(base, session_id, cookie=None, origin=None):
    """A chat socket as the browser opens it; the client, or the error that refused it."""
    client = socketio.AsyncClient(reconnection=False)
    headers = {}
    if cookie:
        headers["Cookie"] = f"access_token={cookie}"
    if origin:
        headers["Origin"] = origin
    auth = {"sessionId": session_id, "clientType": "webapp", "userEnv": "{}", "chatProfile": None, "threadId": None}
    try:
        await client.connect(base, socketio_path="/chat/ws/socket.io", headers=headers, auth=auth,
                             transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError as exc:
        await client.shutdown()
        return exc
    return client


def connect(base, session_id, cookie=None, origin=None, keep=False):
    async def go():
        result = await _connect(base, session_id, cookie, origin)
        if isinstance(result, Exception) or keep:
            return result
        await result.disconnect()
        await result.shutdown()
        return "connected"

    return asyncio.run(go())


def test_the_chat_says_log_in_is_required(base):
    config = httpx.get(f"{base}/chat/auth/config").json()
    assert config["requireLogin"] is True and config["passwordAuth"] is True


def test_an_unauthenticated_socket_is_refused(base):
    assert isinstance(connect(base, "anon-1"), socketio.exceptions.ConnectionError)
    assert isinstance(connect(base, "anon-2", cookie="not-a-token"), socketio.exceptions.ConnectionError)


def test_a_foreign_origin_is_refused_even_logged_in(base, cookies):
    assert isinstance(connect(base, "evil-1", cookies["alice"], origin="https://evil.example"),
                      socketio.exceptions.ConnectionError)
    assert connect(base, "own-1", cookies["alice"], origin=base) == "connected"
    assert connect(base, "intranet-1", cookies["alice"], origin="https://intranet.council.example") == "connected"


def test_a_second_user_cannot_resume_the_first_users_session(base, cookies):
    assert connect(base, "alice-session", cookies["alice"]) == "connected"  # disconnected, kept for resuming
    assert isinstance(connect(base, "alice-session", cookies["bob"]), socketio.exceptions.ConnectionError)
    assert connect(base, "alice-session", cookies["alice"]) == "connected"  # the owner still can


def test_chainlit_routes_naming_a_session_are_404_not_500(base, cookies):
    assert connect(base, "alice-files", cookies["alice"]) == "connected"
    alice, bob = {"access_token": cookies["alice"]}, {"access_token": cookies["bob"]}
    requests = [
        ("PUT", "/chat/feedback", {"feedback": {"forId": "m1", "value": 1}, "sessionId": "no-such-session"}, None),
        ("POST", "/chat/project/action", {"action": {"name": "x"}, "sessionId": "no-such-session"}, None),
        ("GET", "/chat/project/file/f1?session_id=no-such-session", None, None),
        ("GET", "/chat/project/file/f1?session_id=alice-files", None, bob),     # someone else's session
        ("PUT", "/chat/feedback", {"feedback": {"forId": "m1", "value": 1}, "sessionId": "alice-files"}, bob),
    ]
    for method, path, body, who in requests:
        r = httpx.request(method, f"{base}{path}", json=body, cookies=who or alice)
        assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
    r = httpx.put(f"{base}/chat/feedback", json={"feedback": {"forId": "m1", "value": 1}, "sessionId": "alice-files"})
    assert r.status_code == 401  # no log-in, no feedback


def test_the_chat_page_is_served_with_the_security_headers(base):
    r = httpx.get(f"{base}/chat/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'sha256-" in csp and "'unsafe-inline'" not in csp.split(";")[1]
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"


def test_wrong_passwords_end_in_429(base, settings):
    codes = [login(base, "mallory", f"guess number {i}").status_code for i in range(settings.auth_failures_per_minute)]
    assert set(codes) == {401}, codes
    r = login(base, "mallory", "another guess")
    assert r.status_code == 429 and "too many" in r.text


def test_with_only_the_key_the_key_logs_in_an_administrator(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", api_key="only-the-key-0123456789", auth_secret="k" * 48)
    server, thread, url = _serve(settings)
    try:
        assert httpx.get(f"{url}/chat/auth/config").json()["requireLogin"] is True
        assert login(url, "admin", "not the key").status_code == 401
        r = login(url, "admin", "only-the-key-0123456789")
        assert r.status_code == 200
        me = httpx.get(f"{url}/chat/user", cookies={"access_token": r.cookies["access_token"]}).json()
        assert me["identifier"] == "admin" and me["metadata"]["role"] == "admin"
        assert connect(url, "key-admin", r.cookies["access_token"]) == "connected"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_serve_refuses_to_listen_beyond_loopback_with_log_in_off(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMANENCE_", "OAUTH_"))}
    env.update(PERMANENCE_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--host", "0.0.0.0"], env=env,
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 2
    assert "Refusing to serve on 0.0.0.0 with log-in off" in " ".join(out.stdout.split())


def test_single_sign_on_is_chainlits_own_providers_configured_by_environment(base, monkeypatch):
    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_ID", "client-id")
    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_SECRET", "client-secret")
    config = httpx.get(f"{base}/chat/auth/config").json()
    assert config["requireLogin"] is True and "google" in config["oauthProviders"]


def test_sso_users_get_their_role_from_the_user_store(settings, monkeypatch):
    from chainlit.user import User

    from assistant.ui import runtime
    from assistant.ui.chat_access import sso_login

    monkeypatch.setenv("OAUTH_GOOGLE_CLIENT_ID", "client-id")
    monkeypatch.setattr(runtime, "_settings", settings)  # another test may have mounted the chat since
    known = asyncio.run(sso_login("google", "t", {}, User(identifier="alice")))
    stranger = asyncio.run(sso_login("google", "t", {}, User(identifier="someone@else.example")))
    assert known.metadata == {"role": "trainer", "via": "oauth"}
    assert stranger.metadata["role"] == "practitioner"


def test_chat_files_live_under_the_data_folder_for_the_service_user_only(base, settings):
    import stat

    import chainlit.config as cl_config
    from chainlit.session import HTTPSession

    from assistant.ui.chat_access import configure_chainlit

    configure_chainlit(settings)  # as mounting the chat for these settings does (another test may have since)
    files = settings.data_dir / "chat_files"
    assert cl_config.FILES_DIRECTORY == files and stat.S_IMODE(files.stat().st_mode) == 0o700
    session = HTTPSession(id="files-check", client_type="webapp")
    ref = asyncio.run(session.persist_file(name="quiz-summary.md", mime="text/markdown", content=b"my answers"))
    path = session.files[ref["id"]]["path"]
    assert path.is_relative_to(files) and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_chainlits_own_open_api_docs_are_gone(base):
    for path in ("/chat/openapi.json", "/chat/docs", "/chat/redoc"):
        r = httpx.get(f"{base}{path}")
        assert "swagger" not in r.text.lower() and '"openapi"' not in r.text, path


def test_session_ids_are_taken_out_of_access_log_lines():
    import logging

    from assistant.commands.ask_commands import SessionIdFilter

    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/chat/project/file/f1?session_id=abc-123&x=1", "1.1", 200), None)
    SessionIdFilter().filter(record)
    assert "abc-123" not in record.getMessage() and "session_id=[removed]&x=1" in record.getMessage()
