"""Thumbs up/down and comments in the chat, stored in the API's feedback store.

Chainlit shows its feedback buttons only when a data layer is configured, and sends
each rating to ``BaseDataLayer.upsert_feedback``. This data layer persists nothing
else (no chat history: questions may identify a child); its only job is to hand the
rating, for the answer it rates, to the same feedback service as ``POST /feedback``.

Chainlit calls ``upsert_feedback`` from an HTTP request, outside the chat session, so
the answer a rating is about is looked up in a small process-wide registry that the
chat fills when it sends an answer (``remember_answer``).

A comment is screened for personal data (``assistant.privacy.personal_data``): what looks
like a name, a date of birth, an NHS number or an address is removed before saving, and the
chat says so. A rating that cannot be stored is logged, never a 500 from Chainlit's route.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict

from chainlit.data.base import BaseDataLayer
from chainlit.types import Feedback, PaginatedResponse, PageInfo

from assistant.ui import runtime

log = logging.getLogger(__name__)

_MAX_REMEMBERED = 5000
_answers: OrderedDict[str, str] = OrderedDict()  # chat message id -> answer id
_sessions: dict[str, str] = {}  # chat message id -> chat session id (to tell its user)
_lock = threading.Lock()


def remember_answer(message_id: str, answer_id: str | None) -> None:
    """Record which answer (``AskResponse.answer_id``) the chat message ``message_id`` shows."""
    if not message_id or not answer_id:
        return
    session_id = _current_chat_session()
    with _lock:
        _answers[message_id] = answer_id
        _answers.move_to_end(message_id)
        if session_id:
            _sessions[message_id] = session_id
        while len(_answers) > _MAX_REMEMBERED:
            gone, _ = _answers.popitem(last=False)
            _sessions.pop(gone, None)


def _current_chat_session() -> str | None:
    try:
        from chainlit.context import context

        return context.session.id
    except Exception:  # noqa: BLE001 - no Chainlit context (tests, the CLI)
        return None


def answer_id_for(message_id: str) -> str | None:
    with _lock:
        return _answers.get(message_id)


def remembered_answer_ids() -> list[str]:
    """Answer ids the chat has shown, oldest first (for diagnostics and tests)."""
    with _lock:
        return list(dict.fromkeys(_answers.values()))


def store_feedback(feedback: Feedback) -> str:
    """Write one chat rating through the shared feedback service; returns its id.
    Personal data in the comment is removed first (``screen_comment``)."""
    from assistant.ui.service_adapters import record_feedback

    comment, _ = screen_comment(feedback.comment)
    return record_feedback(
        runtime.services(),
        answer_id=answer_id_for(feedback.forId),
        rating="up" if feedback.value == 1 else "down",
        comment=comment,
    )


def screen_comment(comment: str | None) -> tuple[str | None, list[str]]:
    """The comment with personal data removed, and the kinds found."""
    from assistant.privacy import personal_data

    kinds = personal_data.find(comment)
    return (personal_data.redact(comment) if kinds else comment), kinds


async def _tell(message_id: str, text: str) -> None:
    """A toast in the chat that showed ``message_id``, if it is still connected."""
    from chainlit.session import WebsocketSession

    session = WebsocketSession.get_by_id(_sessions.get(message_id, ""))
    if session is not None:
        try:
            await session.emit("toast", {"message": text, "type": "warning"})
        except Exception:  # noqa: BLE001 - the toast is a courtesy; the rating is stored
            log.info("could not tell the chat about a screened comment")


class ChatFeedbackDataLayer(BaseDataLayer):
    """The minimal data layer: feedback goes to our store, everything else is dropped."""

    async def upsert_feedback(self, feedback: Feedback) -> str:
        from assistant.privacy import personal_data
        from assistant.ui.service_adapters import NotAnAnswer

        try:
            stored = await asyncio.to_thread(store_feedback, feedback)
        except NotAnAnswer:
            log.info("feedback on chat message %s, which is not an answer, ignored", feedback.forId[:100])
            return ""
        except Exception:  # noqa: BLE001 - logged; Chainlit would turn it into a 500
            log.exception("chat feedback not stored")
            return ""
        _, kinds = screen_comment(feedback.comment)
        if kinds:
            await _tell(feedback.forId, personal_data.warning(kinds) + " Those parts were removed before saving.")
        return stored

    async def delete_feedback(self, feedback_id: str) -> bool:
        # The shared store keeps one rating per answer and has no "withdrawn" state;
        # un-clicking a thumb in the chat leaves the last rating in place.
        log.info("chat feedback on %s un-clicked; the stored rating is kept", feedback_id)
        return False

    # --- no chat history is kept -------------------------------------------------
    async def get_user(self, identifier: str):
        return None

    async def create_user(self, user):
        # Chainlit wants a persisted user after each log-in; the user store is ours
        # (assistant.access.users), so hand back the logged-in user as it is, storing nothing.
        from datetime import datetime, timezone

        from chainlit.user import PersistedUser

        return PersistedUser(
            id=user.identifier, createdAt=datetime.now(timezone.utc).isoformat(), identifier=user.identifier,
            display_name=user.display_name, metadata=dict(user.metadata or {}),
        )

    async def create_element(self, element):
        return None

    async def get_element(self, thread_id: str, element_id: str):
        return None

    async def delete_element(self, element_id: str, thread_id: str | None = None):
        return None

    async def create_step(self, step_dict):
        return None

    async def update_step(self, step_dict):
        return None

    async def delete_step(self, step_id: str):
        return None

    async def get_thread_author(self, thread_id: str) -> str:
        return ""

    async def delete_thread(self, thread_id: str):
        return None

    async def list_threads(self, pagination, filters) -> PaginatedResponse:
        return PaginatedResponse(data=[], pageInfo=PageInfo(hasNextPage=False, startCursor=None, endCursor=None))

    async def get_thread(self, thread_id: str):
        return None

    async def update_thread(self, thread_id: str, name=None, user_id=None, metadata=None, tags=None):
        return None

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        return None

    async def get_favorite_steps(self, user_id: str) -> list:
        return []
