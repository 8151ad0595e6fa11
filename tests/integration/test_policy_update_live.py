"""A QA lead updates a policy while the service runs, as the README tells them to.

Two real ``permanence serve`` processes (what ``make run`` starts) serve one data folder,
with no copy of it; a client keeps asking both throughout. The test edits the Wiltshire
policy, runs ``permanence ingest`` beside them, and then the next answer from either
process quotes the new text, with no request failing at any point.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from assistant.settings import REPO_ROOT
from tests.integration.hardening_support import corpus_file, free_port, small_index

pytestmark = pytest.mark.integration

QUESTION = {"question": "What are the objectives of permanence planning?", "authority": "wiltshire"}
OLD = "The guidance outlines four key objectives:"
NEW_ITEM = "Resilience - Helping children recover from early harm through life-story work and therapeutic support."


def _start(settings, port: int, log) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", PERMANENCE_DATA_DIR=str(settings.data_dir),
               PERMANENCE_CORPUS_DIR=str(settings.corpus_dir), PERMANENCE_PORT=str(port))
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], env=env,
                            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(url: str, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the service exited during start-up"
        try:
            r = httpx.get(f"{url}/health", timeout=2)
            if r.status_code == 200 and r.json().get("index_ready"):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not ready in time")


def _quotes(resp: httpx.Response) -> str:
    return " ".join(c["quote"] for c in resp.json()["citations"])


@pytest.mark.timeout(600)
def test_policy_update_with_two_services_running(tmp_path):
    settings = small_index(tmp_path, ["wiltshire"])
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    log = open(tmp_path / "serve.log", "w")
    procs = [_start(settings, p, log) for p in ports]
    stop = threading.Event()
    failures: list[str] = []
    answered = [0]

    def keep_asking():
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                for url in urls:
                    try:
                        r = c.post(f"{url}/ask", json=QUESTION)
                        if r.status_code != 200 or not r.json()["citations"]:
                            failures.append(f"{url}: {r.status_code} {r.text[:200]}")
                        answered[0] += 1
                    except httpx.HTTPError as exc:
                        failures.append(f"{url}: {exc!r}")

    try:
        deadline = time.monotonic() + 300
        for url, proc in zip(urls, procs):
            _wait_ready(url, proc, deadline)
        for url in urls:
            r = httpx.post(f"{url}/ask", json=QUESTION, timeout=60)
            assert r.status_code == 200 and "Resilience" not in _quotes(r), r.text
        asker = threading.Thread(target=keep_asking, daemon=True)
        asker.start()

        path = corpus_file(settings, "wiltshire")
        text = path.read_text(encoding="utf-8")
        assert OLD in text
        updated = text.replace(OLD, OLD.replace("four", "five"))
        at = updated.index("Participation - ensuring")
        line_start, line_end = updated.rindex("\n", 0, at) + 1, updated.index("\n", at)
        bullet = updated[line_start:at]  # the list's own bullet character and spacing
        path.write_text(updated[:line_end + 1] + bullet + NEW_ITEM + "\n" + updated[line_end + 1:], encoding="utf-8")

        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   PERMANENCE_DATA_DIR=str(settings.data_dir), PERMANENCE_CORPUS_DIR=str(settings.corpus_dir))
        out = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--quiet"], env=env, cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout[-1000:] + out.stderr[-1000:]

        # the next answer from each process quotes the new text
        for url in urls:
            r = httpx.post(f"{url}/ask", json=QUESTION, timeout=60)
            assert r.status_code == 200, r.text
            assert "Resilience - Helping children recover" in _quotes(r), (url, _quotes(r))
        stop.set()
        asker.join(timeout=120)
        assert answered[0] >= 2, "the client asked nothing while ingest ran"
        assert not failures, failures[:5]
    finally:
        stop.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
