"""The OpenAI-compatible endpoint misbehaves: every /ask must end within a time bound, with a notice.

The engine-level behaviour (HTTP 500, garbage, a hang before any byte, uncited text, streaming
fallback) is covered by ``tests/integration/test_generative_engine.py``; this file adds what
those do not: the whole API path with the real index, and endpoints that never let a
per-read timeout fire - a server that drips its JSON a few bytes at a time, and a stream
that keeps sending tokens (a slow model) or keep-alive comments past the deadline - plus an
unreachable endpoint. ``settings.llm_timeout_s`` bounds the whole generation, not each read.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from assistant.server.app import create_app
from tests.integration.hardening_support import free_port

pytestmark = pytest.mark.integration

TIMEOUT_S = 1.0
BOUND_S = 3 * TIMEOUT_S + 4.0  # the deadline, the extractive fallback, and slack for a busy 2-core machine
QUESTION = {"question": "Who can apply for a special guardianship order in Wigan?", "engine": "generative"}


class MisbehavingLLM:
    """Loopback server whose /v1/chat/completions misbehaves for up to ``misbehave_s`` seconds."""

    def __init__(self, mode: str, misbehave_s: float = 30.0):
        self.mode = mode
        self.misbehave_s = misbehave_s
        self.stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                end = time.monotonic() + owner.misbehave_s
                try:
                    if owner.mode == "drip-json":
                        self.send_response(200)
                        self.send_header("content-type", "application/json")
                        self.end_headers()
                        self.wfile.write(b'{"id": "x", "choices": [{"message": {"content": "')
                        while time.monotonic() < end and not owner.stop.is_set():
                            self.wfile.write(b"a")  # a byte every 0.2 s: no read ever times out
                            self.wfile.flush()
                            time.sleep(0.2)
                    else:  # endless-stream / keepalive-stream
                        self.send_response(200)
                        self.send_header("content-type", "text/event-stream")
                        self.end_headers()
                        while time.monotonic() < end and not owner.stop.is_set():
                            if owner.mode == "endless-stream":
                                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                                         "choices": [{"index": 0, "delta": {"content": "and so on [1]. "},
                                                      "finish_reason": None}]}
                                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                            else:
                                self.wfile.write(b": keep-alive\n\n")
                            self.wfile.flush()
                            time.sleep(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: what we want

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def _settings(index_settings, base_url: str):
    return index_settings.model_copy(update={"llm_base_url": base_url, "llm_model": "m", "llm_timeout_s": TIMEOUT_S})


def _ask(settings) -> tuple[dict, float]:
    with TestClient(create_app(settings)) as c:
        t = time.monotonic()
        r = c.post("/ask", json=QUESTION)
        return (r.status_code, r.json()), time.monotonic() - t


def _ask_stream(settings) -> tuple[str, float]:
    with TestClient(create_app(settings)) as c:
        t = time.monotonic()
        with c.stream("POST", "/ask/stream", json=QUESTION) as r:
            assert r.status_code == 200
            text = "".join(r.iter_text())
        return text, time.monotonic() - t


def _final(sse: str) -> dict:
    events = [e for e in sse.replace("\r\n", "\n").split("\n\n") if e.startswith("event: final")]
    assert events, sse[-500:]
    return json.loads(events[-1].split("data: ", 1)[1])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["drip-json", "endless-stream", "keepalive-stream"])
def test_endpoint_that_never_times_out_a_read_is_still_bounded(index_settings, mode):
    llm = MisbehavingLLM(mode)
    try:
        settings = _settings(index_settings, llm.base_url)
        (status, body), seconds = _ask(settings)
        assert status == 200 and seconds < BOUND_S, (status, round(seconds, 1))
        assert not body["refused"] and body["citations"], body["answer"][:300]
        assert any("generative engine was not used" in n or "failed" in n for n in body["notices"]), body["notices"]

        sse, seconds = _ask_stream(settings)
        assert seconds < BOUND_S, round(seconds, 1)
        final = _final(sse)
        assert "event: error" not in sse
        assert final["notices"], "the user is not told the model failed"
        assert final["refused"] or final["citations"]
    finally:
        llm.close()


def test_unreachable_endpoint_falls_back_quickly(index_settings):
    settings = _settings(index_settings, f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    (status, body), seconds = _ask(settings)
    assert status == 200 and seconds < BOUND_S
    assert body["citations"] and "generative engine was not used" in body["notices"][0]
