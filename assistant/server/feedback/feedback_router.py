"""POST /feedback: a rating (up/down) and optional comment for one answer id.
GET /feedback: the latest feedback, for QA leads."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from assistant.access.roles import FEEDBACK, FEEDBACK_REVIEW
from assistant.privacy import personal_data
from assistant.server.feedback.feedback_service import FeedbackRecord, FeedbackRequest, UnknownAnswer
from assistant.server.security import require, settings_of
from assistant.services import get_services

router = APIRouter(tags=["feedback"])


@router.post("/feedback", response_model=FeedbackRecord, status_code=201, dependencies=[Depends(require(FEEDBACK))])
def feedback(body: FeedbackRequest, request: Request) -> FeedbackRecord:
    """Rate an answer. A comment that seems to hold personal data is refused (422, saying what
    was seen, not echoing it), so the user can take it out before anything is saved."""
    if kinds := personal_data.find(body.comment):
        raise HTTPException(
            status_code=422,
            detail=[{"type": "personal_data", "loc": ["body", "comment"], "msg": personal_data.warning(kinds)}],
        )
    try:
        return get_services(settings_of(request)).feedback.submit(body)
    except UnknownAnswer as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/feedback", response_model=list[FeedbackRecord], dependencies=[Depends(require(FEEDBACK_REVIEW))])
def feedback_review(request: Request, limit: int = Query(100, ge=1, le=1000)) -> list[FeedbackRecord]:
    """The latest ratings and comments first (comments are cleared after the retention period)."""
    return get_services(settings_of(request)).feedback.list(limit=limit)
