"""Who is calling, and may they: FastAPI dependencies over ``assistant.access``.

``require(permission)`` is every route's guard. When log-in is off (no key, no users, no
single sign-on: a laptop, bound to 127.0.0.1 only) everyone is the local administrator.
When it is on, a request names its principal with ``Authorization: Bearer <key or token>``
or (to read) the chat's log-in cookie, and its role must allow the route (``access.roles``); else 401
(no or wrong credentials) or 403 (a role without that right). Wrong credentials are counted
per client address, and questions per user and address: past the limit, 429 with Retry-After.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.access.identity import OPEN, Principal, access_for
from assistant.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    description="The shared key (PERMANENCE_API_KEY) or your own token (`permanence users token NAME`)",
)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


class SlidingWindow:
    """At most ``limit`` events per key in any ``window_s`` seconds; bounded in keys."""

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 10_000, clock=time.monotonic):
        self.limit, self.window_s, self.max_keys, self._clock = limit, window_s, max_keys, clock
        self._events: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        q = self._events.get(key)
        if q is None:
            q = self._events[key] = deque()
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
        self._events.move_to_end(key)
        while q and now - q[0] >= self.window_s:
            q.popleft()
        return q

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may act again, or None when it may now."""
        now = self._clock()
        with self._lock:
            q = self._recent(key, now)
            if len(q) < self.limit:
                return None
            return max(1, math.ceil(self.window_s - (now - q[0])))

    def add(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            self._recent(key, now).append(now)

    def take(self, key: str) -> int | None:
        """Count one event unless over the limit; the Retry-After seconds when over."""
        now = self._clock()
        with self._lock:
            q = self._recent(key, now)
            if len(q) >= self.limit:
                return max(1, math.ceil(self.window_s - (now - q[0])))
            q.append(now)
            return None


def _limiter(request: Request, name: str, limit: int) -> SlidingWindow:
    state = request.app.state
    limiters = getattr(state, "rate_limiters", None)
    if limiters is None:
        limiters = state.rate_limiters = {}
    if name not in limiters:
        limiters[name] = SlidingWindow(limit)
    return limiters[name]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(retry_after: int, what: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"too many {what}; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """The caller, or 401; 429 for an address that keeps sending wrong credentials."""
    settings = settings_of(request)
    access = access_for(settings)
    if not access.enabled:
        request.state.principal = OPEN
        return OPEN
    failures = _limiter(request, "auth-failures", settings.auth_failures_per_minute)
    address = client_address(request)
    if (wait := failures.retry_after(address)) is not None:
        raise _too_many(wait, "failed log-ins from this address")
    principal = None
    if credentials is not None:
        principal = access.from_bearer(credentials.credentials.strip())
    elif request.method in ("GET", "HEAD") and (cookie := chat_cookie(request)) is not None:
        # the cookie only reads (the docs, the schema, lists): a page elsewhere cannot make
        # a browser change anything with it
        principal = access.from_chat_jwt(cookie)
    if principal is None:
        if credentials is not None or request.headers.get("authorization"):
            failures.add(address)
            raise _unauthorised("wrong or expired credentials: send Authorization: Bearer <key or token>")
        raise _unauthorised("log-in required: send Authorization: Bearer <key or token>")
    request.state.principal = principal
    return principal


def chat_cookie(request: Request) -> str | None:
    """The chat's log-in token (Chainlit's ``access_token`` cookie, split in chunks when long)."""
    cookies = request.cookies
    if token := cookies.get("access_token"):
        return token
    parts, i = [], 0
    while (part := cookies.get(f"access_token_{i}")) is not None:
        parts.append(part)
        i += 1
    return "".join(parts) or None


def require(permission: str):
    """Dependency: the caller, who must hold ``permission`` (``access.roles``)."""

    def check(request: Request, principal: Principal = Depends(authenticate)) -> Principal:
        if not principal.may(permission):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"the {principal.role} role may not do this ({permission})",
            )
        return principal

    check.__name__ = f"require_{permission}"
    return check


def limit_questions(request: Request, principal: Principal = Depends(authenticate)) -> None:
    """``ask_per_minute`` questions a minute per user, twice that per address (log-in on only)."""
    settings = settings_of(request)
    if principal is OPEN or settings.ask_per_minute <= 0:
        return
    per_user = _limiter(request, "ask-user", settings.ask_per_minute)
    per_address = _limiter(request, "ask-address", 2 * settings.ask_per_minute)
    for limiter, key in ((per_user, principal.name), (per_address, client_address(request))):
        if (wait := limiter.take(key)) is not None:
            raise _too_many(wait, "questions")
