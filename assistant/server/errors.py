"""Turning domain errors into clear 4xx/503 responses (never a 500 for bad input)."""

from __future__ import annotations

import math

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
    return type(exc).__name__ in ("IndexNotReady", "IndexLocked", "IndexUnavailable")


def _json_safe(value):
    """NaN and infinities (which Python's JSON parser accepts) as strings: JSON cannot carry them."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


async def validation_error_handler(request, exc):
    """FastAPI's 422, made safe to render: its default echoes the input, and an input of NaN
    (``{"question": NaN}``) made the error response itself fail with a 500."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(exc.errors()))})
