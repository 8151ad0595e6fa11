"""Small doors of the HTTP app (in-process ASGI client): ``GET /`` leads somewhere, and
an oversized body is refused with a JSON error like every other error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app
    from assistant.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, qdrant_url=None, max_body_bytes=1024))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield app, c


def test_root_redirects_to_the_chat_when_mounted_else_to_the_api_docs(client):
    app, c = client
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/docs"
    app.state.chat_path = "/chat"
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/chat/"


def test_oversized_body_is_a_json_413(client):
    _, c = client
    r = c.post("/ask", content=b'{"question": "' + b"x" * 5000 + b'"}', headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"detail": "Content Too Large"}
    # a normal JSON error is left as it was
    r = c.post("/ask", json={})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")


def test_serve_help_names_real_defaults_and_env_vars():
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.settings import Settings

    out = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "160"}).output
    assert f"(default: {Settings.model_fields['port'].default})" in out and "PERMANENCE_PORT" in out
    assert f"(default: {Settings.model_fields['host'].default})" in out and "PERMANENCE_HOST" in out
    assert "settings." not in out
