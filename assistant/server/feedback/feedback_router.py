"""POST /feedback: a rating (up/down) and optional comment for one answer id."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from assistant.server.feedback.feedback_service import FeedbackRecord, FeedbackRequest, UnknownAnswer
from assistant.server.security import require_api_key, settings_of
from assistant.services import get_services

router = APIRouter(tags=["feedback"], dependencies=[Depends(require_api_key)])


@router.post("/feedback", response_model=FeedbackRecord, status_code=201)
def feedback(body: FeedbackRequest, request: Request) -> FeedbackRecord:
    try:
        return get_services(settings_of(request)).feedback.submit(body)
    except UnknownAnswer as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
