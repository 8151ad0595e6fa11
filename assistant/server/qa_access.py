"""Who may review what practitioners rated and asked: the QA lead's routes (``GET /feedback``,
``GET /gaps/summary``) depend on ``require_qa_lead`` alone, so the role check of the security
work replaces this one function. Until then it is the API key every other route needs."""

from __future__ import annotations

from fastapi import Request

from assistant.server.security import require_api_key


def require_qa_lead(request: Request) -> None:
    """FastAPI dependency for QA-lead routes; today the API key (401 when wrong or missing)."""
    require_api_key(request)
