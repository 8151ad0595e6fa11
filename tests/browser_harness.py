"""What every real-browser test shares: Debian's chromium (never a downloaded browser),
the API + chat app served by uvicorn on a free loopback port, and small page helpers.

The fixture ``chat_url`` (``tests/e2e/conftest.py``) serves the app once per test module.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
WAIT_MS = 60_000  # the longest any single step may take


def ensure_chromium() -> None:
    """Install Debian's chromium through the project's own set-up when it is missing;
    skip (saying why) only when that is impossible here."""
    if CHROMIUM.exists():
        return
    if shutil.which("make"):
        subprocess.run(["make", "-s", "system-deps"], cwd=REPO_ROOT, timeout=900, check=False)
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not at /usr/bin/chromium and `make system-deps` could not install it "
                    "(it needs root and apt-get); the browser test cannot run without it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(settings):
    """The API + chat app on a free loopback port, in this process (so it shares the
    session's index); yields its base URL and stops it afterwards."""
    import uvicorn

    from assistant.server.app import create_app
    from assistant.services import get_services
    from assistant.ui.mount import mount_chat

    ensure_chromium()
    app = create_app(settings)
    mount_chat(app, settings)
    get_services(settings).warm_up()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="chat-e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 60 s")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def launch(pw):
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=WAIT_MS)


def norm(text: str) -> str:
    return " ".join(text.split())


def ask(page, question: str) -> None:
    page.locator("#chat-input").click()
    page.keyboard.type(question)
    page.locator("#chat-submit").click()


def answers(page):
    """Finished assistant answers: each carries its copy button once it is complete."""
    return page.locator("[data-step-type=assistant_message]").filter(has=page.locator(".case-record-copy"))


def nth_answer(page, n: int):
    """The n-th (1-based) finished assistant answer."""
    loc = answers(page).nth(n - 1)
    loc.wait_for(state="visible", timeout=WAIT_MS)
    return loc
