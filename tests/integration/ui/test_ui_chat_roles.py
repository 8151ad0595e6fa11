"""Roles in the chat, as in the API: the quiz (command and typed ``/quiz``) is the trainers'
and admins'; a practitioner is told it is not theirs; a user removed or demoted meanwhile
loses the right at once (the log-in is checked again, not trusted from the cookie)."""

from __future__ import annotations

import asyncio

import pytest
from chainlit.user import User

from assistant.access.identity import access_for
from assistant.settings import Settings
from assistant.ui import chat_handlers as h
from assistant.ui import runtime

from chat_harness import chat_context

pytestmark = pytest.mark.unit


@pytest.fixture()
def settings(tmp_path):
    s = Settings(data_dir=tmp_path / "data", auth_secret="r" * 48)
    users = access_for(s).users
    users.add("tess", "trainer", "trainer password")
    users.add("pat", "practitioner", "practitioner pw")
    runtime.configure(s)
    yield s
    runtime.configure(Settings())


def as_user(name: str) -> User:
    return User(identifier=name, metadata={"via": "password"})


def run_as(name: str, text: str, command: str | None = None, replies=("stop",)):
    import chainlit as cl

    async def go():
        em = chat_context(replies=replies, user=as_user(name))
        await h.start_chat()
        await h.handle_message(cl.Message(content=text, command=command))
        return em

    return asyncio.run(go())


def test_a_trainer_has_the_quiz(settings):
    em = run_as("tess", "sgo 1", command="quiz")
    assert [c["id"] for c in em.commands[0]] == ["quiz"]
    assert any("Induction quiz" in m.get("output", "") for m in em.messages)


@pytest.mark.parametrize("command, text", [("quiz", "sgo 1"), (None, "/quiz sgo 1")])
def test_a_practitioner_is_told_the_quiz_is_not_theirs(settings, command, text):
    em = run_as("pat", text, command=command)
    assert em.commands[0] == []  # the command is not offered
    outputs = [m.get("output", "") for m in em.messages]
    assert any("for trainers" in o for o in outputs) and not any("Induction quiz" in o for o in outputs)
    assert em.asks == []


def test_a_demoted_or_removed_user_loses_the_quiz_at_once(settings):
    access_for(settings).users.set_role("tess", "practitioner")
    assert any("for trainers" in m.get("output", "") for m in run_as("tess", "/quiz sgo 1").messages)
    access_for(settings).users.remove("tess")
    assert any("for trainers" in m.get("output", "") for m in run_as("tess", "/quiz sgo 1").messages)
