"""Chat handlers that need no index: authority picker, starters, the /quiz command,
and thumbs up/down stored through the API's feedback store."""

from __future__ import annotations

import asyncio

import pytest

from assistant.settings import Settings
from assistant.ui import runtime

import chainlit as cl  # noqa: E402  (after assistant.ui sets CHAINLIT_APP_ROOT)
from chainlit.types import Feedback

from assistant.ui import chat_handlers as h
from assistant.ui.feedback_layer import ChatFeedbackDataLayer, remember_answer, store_feedback
from assistant.ui.service_adapters import NotAnAnswer

from chat_harness import chat_context

pytestmark = pytest.mark.unit


@pytest.fixture()
def chat_settings(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    runtime.configure(settings)
    yield settings
    runtime.configure(Settings())


def run(coro):
    return asyncio.run(coro)


def test_start_offers_authority_picker_and_quiz_command(chat_settings):
    async def go():
        em = chat_context()
        await h.start_chat()
        return em, cl.user_session.get(h.AUTHORITY_KEY)

    em, authority = run(go())
    (widgets,) = em.chat_settings
    picker = widgets[0]
    assert picker["id"] == "authority" and picker["type"] == "select"
    assert [i["value"] for i in picker["items"]] == ["All authorities", "Bolton", "Luton", "Wigan", "Wiltshire"]
    assert picker["initial"] == "All authorities"
    assert [w["id"] for w in widgets[1:]] == ["quiz_topic", "quiz_council", "quiz_count"]  # for trainers
    topics = [i["value"] for i in widgets[1]["items"]]
    assert "Fostering for adoption" in topics and not any(t in ("Ffa", "Luton", "Bolton") for t in topics)
    assert authority is None
    assert [c["id"] for c in em.commands[0]] == ["quiz"]


def test_picked_authority_is_remembered_for_the_session(chat_settings):
    async def go():
        em = chat_context()
        await h.start_chat()
        await h.settings_updated({"authority": "Luton"})
        luton = cl.user_session.get(h.AUTHORITY_KEY)
        await h.settings_updated({"authority": "All authorities"})
        everyone = cl.user_session.get(h.AUTHORITY_KEY)
        await h.settings_updated({"authority": "Atlantis"})
        after_bad = cl.user_session.get(h.AUTHORITY_KEY)
        return em, luton, everyone, after_bad

    em, luton, everyone, after_bad = run(go())
    assert luton == "Luton Council"
    assert everyone is None
    assert after_bad is None  # an unknown name changes nothing ...
    assert em.toasts[0] == ("Answers now come from Luton Council.", "info")
    assert em.toasts[-1][1] == "error" and "Atlantis" in em.toasts[-1][0]  # ... and says why


def test_starters_come_from_the_gold_set(chat_settings):
    from assistant.evaluation.gold import load_gold

    gold_questions = {it.question.strip().lower() for it in load_gold(chat_settings.gold_dir)}
    starters = run(h.starters())
    assert 2 <= len(starters) <= 4
    for s in starters:
        assert s.message.lower() in gold_questions
        assert len(s.label) <= 60
    assert len({s.message for s in starters}) == len(starters)


def test_quiz_with_unknown_topic_says_what_exists(chat_settings):
    async def go():
        em = chat_context()
        session = await h.run_quiz("/quiz zebra")
        return em, session

    em, session = run(go())
    assert session is None
    assert "No quiz questions match **zebra**" in em.messages[-1]["output"]
    assert "sgo" in em.messages[-1]["output"]


def test_quiz_stop_before_answering_gives_no_summary(chat_settings):
    async def go():
        em = chat_context(replies=["stop"])
        session = await h.run_quiz("/quiz sgo 2")
        return em, session

    em, session = run(go())
    assert session is not None and session.records == []
    assert "Question 1 of 2" in em.asks[0]["output"]
    assert "no summary" in em.messages[-1]["output"]


def test_chat_feedback_lands_in_the_api_feedback_store(chat_settings):
    """A thumbs-down with a comment in the chat is the same record POST /feedback reads."""
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app
    from assistant.services import get_services

    services = get_services(chat_settings)
    services.feedback.register_answer("ans-1", "extractive", False)
    remember_answer("msg-1", "ans-1")
    layer = ChatFeedbackDataLayer()
    fid = run(layer.upsert_feedback(Feedback(forId="msg-1", value=0, comment="quoted the wrong authority")))
    assert fid == "ans-1"
    stored = services.feedback.get("ans-1")
    assert (stored.rating, stored.comment) == ("down", "quoted the wrong authority")

    # the API writes to the same store: its rating replaces the chat's
    client = TestClient(create_app(chat_settings))
    r = client.post("/feedback", json={"answer_id": "ans-1", "rating": "up", "comment": "fine after all"})
    assert r.status_code < 300, r.text
    assert services.feedback.get("ans-1").rating == "up"
    # and the chat can change it back
    run(layer.upsert_feedback(Feedback(forId="msg-1", value=1, comment=None)))
    assert services.feedback.get("ans-1").comment is None


def test_feedback_on_a_message_that_is_not_an_answer_is_refused(chat_settings):
    with pytest.raises(NotAnAnswer):
        store_feedback(Feedback(forId="quiz-intro", value=1))
    # through Chainlit's route it is logged and ignored: Chainlit would make any error a 500
    assert run(ChatFeedbackDataLayer().upsert_feedback(Feedback(forId="quiz-intro", value=1))) == ""


def test_chat_feedback_comment_loses_personal_data_before_it_is_saved(chat_settings):
    from assistant.services import get_services

    services = get_services(chat_settings)
    services.feedback.register_answer("ans-pd", "extractive", False)
    remember_answer("msg-pd", "ans-pd")
    comment = "wrong for the boy called Jayden Smith, born 3 April 2019, of 12 Mill Lane, BL1 1AA"
    run(ChatFeedbackDataLayer().upsert_feedback(Feedback(forId="msg-pd", value=0, comment=comment)))
    stored = services.feedback.get("ans-pd").comment
    assert stored.startswith("wrong for the boy") and "[removed]" in stored
    for gone in ("Jayden", "2019", "Mill Lane", "BL1"):
        assert gone not in stored


def test_over_long_question_is_declined_with_the_reason(chat_settings):
    async def go():
        em = chat_context()
        msg = await h.answer_question("why " * 600)
        return em, msg

    em, msg = run(go())
    assert msg.content.startswith("I can't take that question:")
    assert "2000" in msg.content.replace(",", "")
