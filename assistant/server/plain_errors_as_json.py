"""Every error body is JSON: the outermost layer turns a plain-text error response into
``{"detail": "<its text>"}``.

Starlette's request-body limit (FastAPI's ``max_body_size``) answers an oversized upload
with a plain-text 413 from a middleware that sits outside the app's own middleware and
exception handlers, so neither can reshape it; this wraps the whole stack instead.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PlainErrorsAsJson:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_json_errors(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                plain = headers.get(b"content-type", b"").startswith(b"text/plain")
                if message["status"] >= 400 and plain:
                    start = message  # hold it until the whole (short) text has arrived
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                text = b"".join(chunks).decode("utf-8", "replace").strip()
                body = json.dumps({"detail": text}).encode("utf-8")
                headers = [(k, v) for k, v in start.get("headers") or [] if k not in (b"content-type", b"content-length")]
                headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_json_errors)


def wrap_app(app) -> None:
    """Make ``PlainErrorsAsJson`` the outermost layer of the FastAPI ``app``."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: PlainErrorsAsJson(build())
