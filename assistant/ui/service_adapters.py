"""The chat's calls into the shared services, kept in one place.

The services container (``assistant.services.get_services``) is the same one the API
and the CLI use; this module only builds their request objects from what the chat has.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class NotAnAnswer(ValueError):
    """Feedback was given on a chat message that is not an answer (e.g. a quiz prompt)."""


def ask_request(question: str, authority: str | None, session_id: str | None):
    """An ``AskRequest`` as ``POST /ask`` would receive it."""
    from assistant.answering.schemas import AskRequest

    return AskRequest(question=question, authority=authority, session_id=session_id)


def record_feedback(services: Any, *, answer_id: str | None, rating: str, comment: str | None) -> str:
    """Store a rating exactly as ``POST /feedback`` does; returns the feedback id
    (the answer id: one rating per answer, a new one replaces the old)."""
    from assistant.server.feedback.feedback_service import FeedbackRequest

    if not answer_id:
        raise NotAnAnswer("feedback is for answers; this message is not one")
    comment = (comment or "").strip() or None
    services.feedback.submit(FeedbackRequest(answer_id=answer_id, rating=rating, comment=comment))
    return answer_id


def register_answer(services: Any, answer_id: str, engine: str, refused: bool) -> None:
    """Make an answer the chat composed itself rateable (AskService registers its own)."""
    services.feedback.register_answer(answer_id, engine, refused)
