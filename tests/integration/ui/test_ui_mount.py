"""The chat mounted into the API app: Chainlit finds our config from any working
directory, and the page it serves names no outside host (fonts, CDNs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.settings import REPO_ROOT, Settings
from assistant.ui.mount import CHAT_PATH, mount_chat, strip_external_assets

pytestmark = pytest.mark.unit

EXTERNAL_REF = re.compile(r"""(?:href|src)\s*=\s*["']https?://""", re.IGNORECASE)


def test_strip_external_assets_on_chainlits_own_page():
    import chainlit

    raw = (Path(chainlit.__file__).parent / "frontend" / "dist" / "index.html").read_text(encoding="utf-8")
    assert EXTERNAL_REF.search(raw), "Chainlit's page no longer links outside hosts: revisit mount.py"
    cleaned = strip_external_assets(raw)
    assert not EXTERNAL_REF.search(cleaned)
    assert '<script type="module" crossorigin src="/assets/' in cleaned  # local assets kept
    assert '<div id="root"></div>' in cleaned


@pytest.fixture(scope="module")
def client(tmp_path_factory, monkeypatch_module_cwd):
    app = FastAPI()
    mount_chat(app, Settings(data_dir=tmp_path_factory.mktemp("chat-mount")))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def monkeypatch_module_cwd(tmp_path_factory):
    """Serve from a folder that is not the repo root, as `permanence serve` may be."""
    import os

    old = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("elsewhere"))
    yield
    os.chdir(old)


def test_page_is_ours_and_names_no_outside_host(client):
    r = client.get(f"{CHAT_PATH}/")
    assert r.status_code == 200
    html = r.text
    assert "<title>Permanence policy assistant</title>" in html
    assert not EXTERNAL_REF.search(html), EXTERNAL_REF.findall(html)
    assert "fonts.googleapis.com" not in html and "cdn.jsdelivr.net" not in html
    assert f'href="{CHAT_PATH}/public/offline.css"' in html


def test_config_comes_from_the_repo_root(client):
    import chainlit.config as cfg

    assert Path(cfg.APP_ROOT).resolve() == REPO_ROOT.resolve()
    settings = client.get(f"{CHAT_PATH}/project/settings", params={"language": "en-GB"}).json()
    assert settings["ui"]["name"] == "Permanence policy assistant"
    assert settings["features"]["latex"] is False
    assert settings["features"]["spontaneous_file_upload"]["enabled"] is False
    assert settings["dataPersistence"] is True  # our feedback-only data layer: thumbs are shown
    assert settings["markdown"].startswith("# Permanence policy assistant")  # chainlit.md at the repo root
    assert client.get(f"{CHAT_PATH}/public/offline.css").status_code == 200
    logo = client.get(f"{CHAT_PATH}/logo", params={"theme": "light"})
    assert logo.status_code == 200 and b"Permanence policy assistant" in logo.content


def test_second_mount_reuses_the_chat_and_rejects_another_path(client):
    app2 = FastAPI()
    mount_chat(app2, Settings())
    assert any(getattr(r, "path", None) == CHAT_PATH for r in app2.routes)
    with pytest.raises(ValueError, match="already mounted"):
        mount_chat(FastAPI(), Settings(), path="/other")


def test_a_fresh_process_elsewhere_reads_the_repo_config(tmp_path):
    """Import order does not matter: importing the chat sets CHAINLIT_APP_ROOT first."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CHAINLIT_APP_ROOT"}
    code = ("import assistant.ui.chat_handlers, chainlit.config as c; "
            "print(c.APP_ROOT); print(c.config.ui.name)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    root, name = out.stdout.strip().splitlines()[-2:]
    assert Path(root).resolve() == REPO_ROOT.resolve()
    assert name == "Permanence policy assistant"
    assert not (tmp_path / ".chainlit").exists()  # no stray default config written where we ran
