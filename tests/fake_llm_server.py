"""A tiny OpenAI-compatible chat-completions server on loopback, for the generative engine's tests.

It serves ``POST /v1/chat/completions`` (plain JSON and ``stream: true`` server-sent
events), returns canned completions, records what it received, and can misbehave on
demand: HTTP 500, hang past the client's timeout, or send garbage.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self):
        self.mode = "ok"  # ok | error500 | hang | garbage
        self.content = ""
        self.received: list[dict] = []
        self.hang_s = 3.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A client that gave up (the timeout test) leaves a broken pipe: not an error here.
        self._server.handle_error = lambda request, client_address: None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> "FakeLLM":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.received.append(body)
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, b'{"error": "not found"}')
                if fake.mode == "error500":
                    return self._send(500, b'{"error": {"message": "model crashed"}}')
                if fake.mode == "hang":
                    time.sleep(fake.hang_s)
                    return self._send(200, b"{}")
                if fake.mode == "garbage":
                    return self._send(200, b"<html>this is not json</html>", "text/html")
                if body.get("stream"):
                    return self._stream(body)
                payload = {
                    "id": "cmpl-1",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": fake.content}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self._send(200, json.dumps(payload).encode())

            def _send(self, code, data, ctype="application/json"):
                self.send_response(code)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                words = fake.content.split(" ")
                for i, w in enumerate(words):
                    piece = w if i == 0 else " " + w
                    chunk = {
                        "id": "cmpl-1",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                end = {
                    "id": "cmpl-1",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler
