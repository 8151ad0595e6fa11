"""POST /feedback: a rating (up/down) and optional comment for one answer id.
GET /feedback: rated answers for the QA lead, newest first, with what each answer cited and
counts per document and section (never the question or answer text)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from assistant.access.roles import FEEDBACK, FEEDBACK_REVIEW
from assistant.privacy import personal_data
from assistant.server.feedback.feedback_service import FeedbackRecord, FeedbackRequest, FeedbackReview, Rating, UnknownAnswer
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


@router.get("/feedback", response_model=FeedbackReview, dependencies=[Depends(require(FEEDBACK_REVIEW))])
def review_feedback(
    request: Request,
    since: date | None = Query(None, description="Only ratings on or after this date (YYYY-MM-DD)"),
    rating: Rating | None = Query(None, description="up or down"),
    limit: int = Query(200, ge=1, le=1000),
) -> FeedbackReview:
    return get_services(settings_of(request)).feedback.list_feedback(
        since=since.isoformat() if since else None, rating=rating, limit=limit)
