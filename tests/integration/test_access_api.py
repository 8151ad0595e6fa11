"""Log-in and roles on the real API (the shared index, TestClient): each role reaches exactly
its routes; no or wrong credentials are 401 and, repeated, 429; the docs and schema are local
and behind the log-in; every response carries the security headers; a conversation continues
only for its owner; a locked feedback store costs no answer and shows in /health."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from assistant.access.identity import access_for
from assistant.server.app import create_app

pytestmark = pytest.mark.integration

KEY = "shared-key-for-scripts-0123456789"
ROLES = ("practitioner", "trainer", "qa_lead", "admin")

# route -> the permission it needs (assistant.access.roles)
ROUTES = {
    ("GET", "/documents"): "ask",
    ("POST", "/search"): "ask",
    ("POST", "/ask"): "ask",
    ("POST", "/rules/timeline"): "ask",
    ("POST", "/feedback"): "feedback",
    ("GET", "/feedback"): "feedback_review",
    ("GET", "/gaps"): "gaps",
    ("GET", "/gaps/summary"): "gaps",
    ("GET", "/users"): "users",
}
BODIES = {
    "/search": {"query": "special guardianship", "k": 2},
    "/ask": {"question": "who can apply for a special guardianship order?"},
    "/rules/timeline": {"looked_after_from": "2026-03-02", "today": "2026-06-01"},
    "/feedback": {"answer_id": "no-such-answer", "rating": "up"},
}


@pytest.fixture(scope="module")
def settings(index_settings, tmp_path_factory):
    users = tmp_path_factory.mktemp("users") / "users.sqlite3"
    s = index_settings.model_copy(update={"api_key": KEY, "users_file": users, "auth_secret": "s" * 48})
    return s


@pytest.fixture(scope="module")
def tokens(settings):
    store = access_for(settings).users
    out = {}
    for role in ROLES:
        store.add(f"{role}-user", role, f"{role} password!")
        out[role] = store.issue_token(f"{role}-user")
    return out


@pytest.fixture(scope="module")
def client(settings, tokens):
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def call(client, method, path, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = BODIES.get(path)
    return client.request(method, path, headers=headers, json=body if method == "POST" else None, **kw)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_routes(client, tokens, role):
    from assistant.access.roles import permits

    for (method, path), permission in ROUTES.items():
        r = call(client, method, path, tokens[role])
        if permits(role, permission):
            assert r.status_code not in (401, 403), (role, path, r.status_code, r.text[:200])
            assert r.status_code < 500
        else:
            assert r.status_code == 403, (role, path, r.status_code)
            assert permission in r.json()["detail"]


def test_the_shared_key_is_an_admin_and_me_says_who_is_calling(client, tokens):
    assert call(client, "GET", "/me", KEY).json() == {"name": "admin", "role": "admin", "via": "api-key"}
    assert call(client, "GET", "/me", tokens["trainer"]).json()["role"] == "trainer"
    assert call(client, "GET", "/users", KEY).status_code == 200


def test_no_credentials_is_401_on_every_route_but_health(client):
    assert client.get("/health").status_code == 200
    for method, path in [*ROUTES, ("GET", "/docs"), ("GET", "/openapi.json"), ("POST", "/ask/stream")]:
        r = call(client, method, path)
        assert r.status_code == 401, (path, r.status_code)
        assert r.headers["www-authenticate"] == "Bearer"


def test_the_docs_are_local_behind_the_log_in_with_the_bearer_scheme(client, tokens):
    page = call(client, "GET", "/docs", tokens["practitioner"])
    assert page.status_code == 200
    assert "/docs-static/swagger-ui-bundle.js" in page.text and "cdn.jsdelivr.net" not in page.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    spec = call(client, "GET", "/openapi.json", tokens["practitioner"]).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"HTTPBearer": []} in spec["paths"]["/ask"]["post"]["security"]


def test_a_chat_log_in_cookie_opens_the_docs_but_changes_nothing(client, settings):
    import jwt

    token = jwt.encode({"identifier": "qa_lead-user", "metadata": {"via": "password"}}, "s" * 48, algorithm="HS256")
    client.cookies.set("access_token", token)
    try:
        assert client.get("/docs").status_code == 200
        assert client.get("/gaps").status_code == 200  # reads
        assert client.post("/ask", json=BODIES["/ask"]).status_code == 401  # a cookie alone cannot write
        forged = jwt.encode({"identifier": "qa_lead-user", "metadata": {"via": "password"}}, "x" * 48, algorithm="HS256")
        client.cookies.set("access_token", forged)
        assert client.get("/gaps").status_code == 401
    finally:
        client.cookies.clear()


def test_security_headers_on_every_response(client, tokens):
    for r in (client.get("/health"), call(client, "POST", "/ask", tokens["practitioner"]), call(client, "GET", "/gaps")):
        h = r.headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src 'self'" in h["content-security-policy"] and "unsafe-inline" not in h["content-security-policy"].split("script-src")[1].split(";")[0]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
        assert h["cache-control"] == "no-store"


def test_422s_name_the_field_and_echo_nothing(client, tokens):
    child = "Jayden Quistwick born 3 April 2019 " * 2000  # a 70 KB field
    r = client.post("/ask", json={"question": child}, headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert r.status_code == 422 and len(r.content) < 1000 and "Quistwick" not in r.text
    assert r.json()["detail"][0]["loc"] == ["body", "question"]
    raw = '{"question": "who may apply \\ud800 for Jayden?"}'
    for path in ("/ask", "/search"):
        r = client.post(path, content=raw.replace("question", "query") if path == "/search" else raw,
                        headers={"Authorization": f"Bearer {tokens['admin']}", "content-type": "application/json"})
        assert r.status_code == 422 and "surrogate" in r.text and "Jayden" not in r.text
    r = client.post("/rules/timeline", json={"looked_after_from": "9999-12-31"}, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "looked_after_from"]
    r = client.post("/rules/eligibility/sgo", json={"today": "0001-01-01", "relationship": "grandparent"},
                    headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 422, r.text


def test_feedback_with_personal_data_is_refused_before_saving(client, tokens, settings):
    from assistant.services import get_services

    answer = call(client, "POST", "/ask", tokens["practitioner"]).json()["answer_id"]
    comment = "wrong for the child called Jayden Smith, NHS 943 476 5919"
    r = client.post("/feedback", json={"answer_id": answer, "rating": "down", "comment": comment},
                    headers={"Authorization": f"Bearer {tokens['practitioner']}"})
    assert r.status_code == 422 and "an NHS number" in r.text and "Jayden" not in r.text
    assert get_services(settings).feedback.get(answer) is None
    r = client.post("/feedback", json={"answer_id": answer, "rating": "down", "comment": "quoted the old version"},
                    headers={"Authorization": f"Bearer {tokens['practitioner']}"})
    assert r.status_code == 201


def test_a_conversation_continues_only_for_its_owner(client, tokens):
    def ask(token, question, session_id=None):
        r = client.post("/ask", json={"question": question, "session_id": session_id},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return r.json()

    first = ask(tokens["practitioner"], "Who can apply for a special guardianship order in Wigan?")
    theirs = ask(tokens["trainer"], "and in Luton?", first["session_id"])
    assert theirs["session_id"] != first["session_id"]
    assert any("not found" in n for n in theirs["notices"])
    assert "Wigan" not in theirs["interpreted_question"] and "guardianship" not in theirs["interpreted_question"].lower()
    mine = ask(tokens["practitioner"], "and in Luton?", first["session_id"])
    assert mine["session_id"] == first["session_id"] and not any("not found" in n for n in mine["notices"])


def test_wrong_credentials_are_401_then_429_for_that_address(settings, tokens):
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        codes = [call(c, "GET", "/documents", "wrong-key").status_code for _ in range(settings.auth_failures_per_minute)]
        assert set(codes) == {401}
        r = call(c, "GET", "/documents", "wrong-key")
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_questions_are_rate_limited_per_user(settings, tokens):
    limited = settings.model_copy(update={"ask_per_minute": 2})
    with TestClient(create_app(limited), raise_server_exceptions=False) as c:
        codes = [call(c, "POST", "/ask", tokens["practitioner"]).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert call(c, "POST", "/ask", tokens["trainer"]).status_code == 200  # another user is not held up


def test_a_locked_feedback_store_costs_no_answer_and_shows_in_health(client, tokens, settings):
    from assistant.services import get_services

    feedback = get_services(settings).feedback
    blocker = sqlite3.connect(feedback.path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        r = call(client, "POST", "/ask", tokens["practitioner"])
        assert r.status_code == 200 and r.json()["answer"]
        health = client.get("/health").json()
        assert health["status"] == "degraded" and health["storage_writable"] is False and health["index_ready"]
    finally:
        blocker.rollback()
        blocker.close()
    assert client.get("/health").json()["status"] == "ok"
