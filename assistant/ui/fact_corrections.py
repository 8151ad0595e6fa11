"""The child's facts read back above an answer, with one action to correct one of them.

The answer shows "I read: ..." (``AskResponse.facts_read``) so a practitioner checks the
facts before relying on a computed date or verdict. "Correct a fact" asks for the right
one and re-asks in the same conversation with it: the session frame replaces the old fact
and repeats the last computation, so nothing has to be retyped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import chainlit as cl

ACTION = "correct_fact"
PROMPT = ("Which fact should I change? Type it as you would say it, for example "
          "\u201cthe first review was held on 9 January\u201d or \u201cit's her uncle\u201d.")
FACTS_TIMEOUT_S = 600


def read_back_line(response: Mapping[str, Any]) -> str:
    """The read-back as the answer's first line ('' when no facts were read): the facts are
    checked before the result built on them is read (and long answers fold below the fold)."""
    text = (response.get("facts_read") or "").strip()
    if not text or (response.get("answer") or "").startswith(text):
        return ""
    return f"_{text}._\n\n"


def actions(response: Mapping[str, Any]) -> list[cl.Action]:
    """One 'Correct a fact' action on an answer that read facts."""
    if not (response.get("facts_read") or "").strip():
        return []
    return [cl.Action(name=ACTION, payload={}, label="Correct a fact", tooltip="Change one fact and ask again")]


def corrected_question(reply: str) -> str:
    """The user's correction as a follow-up the session frame reads as a changed fact."""
    reply = reply.strip().rstrip(".")
    return reply if reply.lower().startswith(("actually", "and if", "suppose")) else f"actually {reply}"


async def on_correct_fact(ask: Callable[[str], Awaitable[Any]]) -> None:
    """Ask for the corrected fact, then re-ask with it (``ask`` is the chat's answer_question)."""
    reply = await cl.AskUserMessage(content=PROMPT, timeout=FACTS_TIMEOUT_S).send()
    text = ((reply or {}).get("output") or "").strip()
    if not text:
        await cl.Message(content="Nothing changed, so the answer stands.").send()
        return
    await ask(corrected_question(text))
