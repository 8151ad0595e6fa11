"""API key check: when ``settings.api_key`` is set, every route but /health needs
``Authorization: Bearer <key>``; the comparison is constant-time."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request, status

from assistant.settings import Settings


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def require_api_key(request: Request) -> None:
    """FastAPI dependency; raises 401 with a WWW-Authenticate header on a missing or wrong key."""
    key = settings_of(request).api_key
    if key is None or not key.get_secret_value():
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), key.get_secret_value().encode()):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong API key: send Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
