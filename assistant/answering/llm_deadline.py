"""An HTTP client for the model endpoint whose timeout bounds the whole request, not each read.

httpx's timeouts apply per operation: a server that keeps sending a byte, a token or a
keep-alive comment just inside the read timeout (a slow model streaming for minutes, a
proxy's keep-alives, a broken server dripping its JSON) is never timed out, and the user
waits as long as it likes. This transport checks a deadline on every chunk received and
ends the request with ``httpx.ReadTimeout`` once it has passed, so the generative engine's
usual fallback (quotes only, with a notice) takes over in bounded time.
"""

from __future__ import annotations

import time

import httpx


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: float, request: httpx.Request):
        self._inner = inner
        self._deadline = deadline
        self._request = request

    def __iter__(self):
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise httpx.ReadTimeout("the model endpoint ran past its deadline", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class DeadlineTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` that ends any response still arriving ``total_s`` after its request was sent."""

    def __init__(self, total_s: float, **kwargs):
        super().__init__(**kwargs)
        self.total_s = total_s

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self.total_s
        response = super().handle_request(request)
        response.stream = _DeadlineStream(response.stream, deadline, request)
        return response


def deadline_client(total_s: float) -> httpx.Client:
    """A client for the model endpoint: each request ends ``total_s`` seconds after it was sent, at the latest."""
    return httpx.Client(transport=DeadlineTransport(total_s), timeout=total_s, follow_redirects=True)
