"""Security headers on every response of the process (API, docs and chat alike).

- a Content-Security-Policy the chat satisfies: scripts only from this server (its inline
  scripts by their hashes; eval for the custom elements Chainlit compiles), no framing (``frame-ancestors 'none'``), no plug-ins;
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``
  (chat file links carry a session id, which must not leak to another site);
- ``Cache-Control: no-store`` on everything but static files: answers may name a child.
"""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_script_hashes: set[str] = set()

STATIC_PREFIXES = ("/chat/assets/", "/chat/public/", "/docs-static/", "/chat/favicon", "/chat/logo", "/chat/avatars/")


def allow_inline_scripts(html: str) -> str:
    """Let the inline ``<script>`` blocks of ``html`` (a page this server makes) run; returns ``html``."""
    for body in _INLINE_SCRIPT.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        _script_hashes.add(f"'sha256-{digest}'")
    return html


def content_security_policy() -> str:
    # 'unsafe-eval': Chainlit compiles the chat's custom elements (public/elements/*.jsx, the
    # "Copy for case record" button) in the browser and runs them with new Function(). Inline
    # scripts stay blocked but for this server's own, by hash.
    scripts = " ".join(["'self'", "'unsafe-eval'", *sorted(_script_hashes)])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        # React and Swagger UI set style attributes; styles cannot run code
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """Pure ASGI middleware (streams and websockets pass through untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(STATIC_PREFIXES)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _SET]
                headers += [
                    (b"content-security-policy", content_security_policy().encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_SET = {b"content-security-policy", b"x-content-type-options", b"x-frame-options", b"referrer-policy",
        b"cross-origin-opener-policy", b"permissions-policy"}
