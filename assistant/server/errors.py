"""Turning domain errors into clear 4xx/503 responses (never a 500 for bad input)."""

from __future__ import annotations

from fastapi import HTTPException

from assistant.corpus import UnknownAuthority


def unknown_authority(exc: UnknownAuthority) -> HTTPException:
    return HTTPException(
        status_code=422,
        detail={
            "message": f"unknown authority {exc.name!r}",
            "field": "authority",
            "known_authorities": exc.known,
        },
    )


def index_not_ready(exc: Exception) -> HTTPException:
    return HTTPException(status_code=503, detail=f"the policy index is not ready: {exc}")


def is_index_not_ready(exc: Exception) -> bool:
    return type(exc).__name__ in ("IndexNotReady", "IndexLocked")
