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
    return type(exc).__name__ in ("IndexNotReady", "IndexLocked", "IndexUnavailable")


def _error_entry(err: dict) -> dict:
    """One validation error as the client sees it: where and why, never the value sent.

    FastAPI's default echoes ``input`` (a 100 KB field, a child's name), and an input that
    JSON cannot carry (NaN, a lone surrogate) made the error response itself fail with a 500.
    """
    loc = [part if isinstance(part, int) else _writable(str(part))[:100] for part in err.get("loc", ())]
    return {"type": str(err.get("type", "value_error")), "loc": loc, "msg": _writable(str(err.get("msg", "invalid value")))[:500]}


def _writable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates) as "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


async def validation_error_handler(request, exc):
    """A 422 that names each invalid field and says why, without echoing what was sent."""
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=422, content={"detail": [_error_entry(e) for e in exc.errors()]})
