"""``GET /``: someone who opens the server's address lands on the chat (or, when the chat
is not mounted, on the API's documentation) instead of a 404."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(request: Request) -> RedirectResponse:
    chat_path = getattr(request.app.state, "chat_path", None)
    return RedirectResponse(f"{chat_path}/" if chat_path else "/docs", status_code=307)
