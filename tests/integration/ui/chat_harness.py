"""Run the chat's handlers outside a browser: a Chainlit context with a recording emitter.

Chainlit's ``BaseChainlitEmitter`` is its own test stub; this subclass records what the
handlers send (messages, streamed tokens, elements, settings, commands, toasts) and
answers ``cl.AskUserMessage`` prompts from a script, as a user typing would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from chainlit.context import ChainlitContext, context_var
from chainlit.emitter import BaseChainlitEmitter
from chainlit.session import HTTPSession


class RecordingEmitter(BaseChainlitEmitter):
    def __init__(self, session, replies: Iterable[str | None] = ()):
        super().__init__(session)
        self.replies = list(replies)
        self.steps: dict[str, dict] = {}       # id -> latest step dict
        self.order: list[str] = []             # message ids in the order first shown
        self.tokens: dict[str, list[str]] = {}  # id -> streamed tokens
        self.elements: list[dict] = []
        self.asks: list[dict] = []
        self.chat_settings: list[Any] = []
        self.commands: list[Any] = []
        self.toasts: list[tuple[str, str]] = []

    def _show(self, step: dict) -> None:
        if step["id"] not in self.steps:
            self.order.append(step["id"])
        self.steps[step["id"]] = dict(step)

    async def emit(self, event: str, data: Any):
        if event == "chat_settings":
            self.chat_settings.append(data)

    async def send_step(self, step_dict):
        self._show(step_dict)

    async def update_step(self, step_dict):
        self._show(step_dict)

    async def stream_start(self, step_dict):
        self._show(step_dict)
        self.tokens.setdefault(step_dict["id"], []).append(step_dict.get("output", ""))

    async def send_token(self, id, token, is_sequence=False, is_input=False):
        self.tokens.setdefault(id, []).append(token)

    async def send_element(self, element_dict):
        self.elements.append(dict(element_dict))

    async def send_ask_user(self, step_dict, spec, raise_on_timeout=False):
        self._show(step_dict)
        self.asks.append(dict(step_dict))
        if not self.replies:
            return None  # as if the user never answered (timeout)
        reply = self.replies.pop(0)
        if reply is None:
            return None
        return {"id": str(uuid.uuid4()), "output": reply, "type": "user_message"}

    def set_chat_settings(self, settings):  # sync in Chainlit's real emitter
        self.session.chat_settings = settings

    async def set_commands(self, commands):
        self.commands.append(commands)

    async def send_toast(self, message, type="info"):
        self.toasts.append((message, type))

    # -- reading what was shown -------------------------------------------------
    @property
    def messages(self) -> list[dict]:
        return [self.steps[i] for i in self.order]

    def elements_for(self, message_id: str) -> list[dict]:
        return [e for e in self.elements if e.get("forId") == message_id]


def chat_context(replies: Iterable[str | None] = (), user=None) -> RecordingEmitter:
    """Enter a fresh chat session (call inside the running event loop), logged in as ``user``
    (a ``chainlit.User``) if given."""
    session = HTTPSession(id=str(uuid.uuid4()), client_type="webapp", thread_id=str(uuid.uuid4()), user=user)
    emitter = RecordingEmitter(session, replies)
    context_var.set(ChainlitContext(session, emitter))
    return emitter
