"""The chat's handlers over the real index and services: streamed cited answers with
their source panels, authority picker, superseded banner, refusals, facts asked for,
the quiz, and feedback on a real answer. No browser (see tests/e2e for that)."""

from __future__ import annotations

import asyncio
import random

import pytest

from assistant.ui import runtime

import chainlit as cl  # noqa: E402  (after assistant.ui sets CHAINLIT_APP_ROOT)
from chainlit.types import Feedback

from assistant.services import get_services
from assistant.ui import chat_handlers as h
from assistant.ui import formatting, quiz
from assistant.ui.feedback_layer import ChatFeedbackDataLayer, answer_id_for

from chat_harness import chat_context

pytestmark = pytest.mark.integration

SGO_QUESTION = "Who can apply for a special guardianship order?"


@pytest.fixture()
def chat_index(index_settings):
    runtime.configure(index_settings)
    yield index_settings


def run(coro):
    return asyncio.run(coro)


def test_answer_streams_then_attaches_one_side_panel_per_citation(chat_index):
    async def go():
        em = chat_context()
        await h.start_chat()
        msg = await h.answer_question(SGO_QUESTION)
        return em, msg

    em, msg = run(go())
    assert len(em.tokens[msg.id]) > 1, "the answer was not streamed"
    streamed = "".join(em.tokens[msg.id])
    final = em.steps[msg.id]["output"]
    assert streamed.strip() and streamed.strip()[:80] in final  # the final message keeps the streamed answer
    assert "[1]" in final and "**Sources**" in final

    response = get_services(chat_index).ask.ask(h._ask_request(SGO_QUESTION, None, None))
    assert response.citations, "the service gave no citations for the SGO question"
    panels = [e for e in msg.elements if e.display == "side"]
    assert [e.name for e in panels] == [f"[{c.n}]" for c in response.citations]
    assert [e.name for e in msg.elements if e.display != "side"] == ["CaseRecordCopy"]  # the copy button
    first, c1 = panels[0], response.citations[0]
    assert c1.title in first.content and c1.authority in first.content and c1.version in first.content
    assert formatting.blockquote(c1.quote) in first.content
    assert "**" in first.content.split("### In its document", 1)[1]  # highlighted inside its document text
    assert {e["forId"] for e in em.elements} == {msg.id}


def test_thumbs_on_a_real_answer_reach_the_feedback_store(chat_index):
    async def go():
        chat_context()
        return await h.answer_question(SGO_QUESTION)

    msg = run(go())
    answer_id = answer_id_for(msg.id)
    assert answer_id
    run(ChatFeedbackDataLayer().upsert_feedback(Feedback(forId=msg.id, value=0, comment="missing the relative route")))
    stored = get_services(chat_index).feedback.get(answer_id)
    assert (stored.rating, stored.comment) == ("down", "missing the relative route")


def test_picked_authority_limits_the_sources(chat_index):
    async def go():
        chat_context()
        await h.start_chat()
        await h.settings_updated({"authority": "Luton"})
        return await h.answer_question("When is the first permanence planning meeting held?")

    msg = run(go())
    assert msg.elements, msg.content
    authorities = {line for line in msg.content.splitlines() if line.startswith("| [")}  # source cards
    assert authorities and all("Luton Council" in line for line in authorities)


def test_answer_from_a_superseded_document_carries_a_banner(chat_index):
    async def go():
        chat_context()
        return await h.answer_question("in the 2021 wigan strategy what meeting happened before the four month review?")

    msg = run(go())
    assert f"> ⚠ **{formatting.SUPERSEDED_HEADING}**" in msg.content
    assert "superseded by Permanence Planning Strategy 2026-2028" in msg.content


def test_question_the_policies_do_not_cover_looks_like_a_refusal(chat_index):
    from assistant.evaluation.gold import load_gold

    # The first gold "unanswerable" question the service does refuse: what is under test
    # here is how the chat shows a refusal, not where the refusal threshold lies.
    ask = get_services(chat_index).ask
    refused = next((it.question for it in load_gold(chat_index.gold_dir) if it.kind == "unanswerable"
                    and ask.ask(h._ask_request(it.question, None, None)).refused), None)
    assert refused, "the service refused none of the gold set's unanswerable questions"

    async def go():
        chat_context()
        return await h.answer_question(refused)

    msg = run(go())
    assert msg.content.startswith("> ⚠ ")
    assert formatting.REFUSAL_HEADING in msg.content or formatting.DECLINE_HEADING in msg.content
    assert "**Sources**" not in msg.content and not [e for e in msg.elements if e.display == "side"]


def test_missing_facts_are_asked_for_then_computed(chat_index):
    async def go():
        em = chat_context(replies=["2 March 2026"])
        await h.answer_question("the child came into care, when is the second review due?")
        return em

    em = run(go())
    assert len(em.asks) == 1 and "Reply with" in em.asks[0]["output"] and "came into care" in em.asks[0]["output"]
    final = [m for m in em.messages if m.get("type") == "assistant_message"][-1]["output"]
    assert "30 June 2026" in final and "| What | Due by |" in final  # the short form first
    assert "| First review due (statute) | 30 March 2026 |" in final
    folded = [m for m in em.messages if m.get("name") == "reasoning and sources"]
    assert folded and folded[-1]["type"] == "tool" and "**Timeline**" in folded[-1]["output"]


def test_no_reply_to_missing_facts_computes_nothing(chat_index):
    async def go():
        em = chat_context(replies=[])
        await h.answer_question("the child came into care, when is the second review due?")
        return em

    em = run(go())
    assert len(em.asks) == 1
    assert "have not computed anything" in em.messages[-1]["output"]
    assert not any("30 June 2026" in m["output"] for m in em.messages)


def test_quiz_asks_scores_shows_model_answer_and_offers_summary_files(chat_index):
    pool = h.gold_questions()
    request = quiz.parse_quiz_request("/quiz sgo wigan 2")
    first, second = quiz.select_questions(pool, request, random.Random(5))
    good_answer = "; ".join(quiz.describe_fact(f) for f in first.key_facts)

    async def go():
        em = chat_context(replies=[good_answer, "skip"])
        session = await h.run_quiz("/quiz sgo wigan 2", rng=random.Random(5))
        return em, session

    em, session = run(go())
    assert [r.question.id for r in session.records] == [first.id, second.id]
    assert session.records[0].covered >= 1 and session.records[1].skipped
    assert "Question 1 of 2" in em.asks[0]["output"] and first.question in em.asks[0]["output"]
    feedback_msgs = [m for m in em.messages if "**Model answer**" in m["output"]]
    assert len(feedback_msgs) == 2
    assert "You covered" in feedback_msgs[0]["output"] and feedback_msgs[1]["output"].startswith("Skipped")
    # the model answer is the gold item's own passage, quoted, and never a rule computation
    words = " ".join(first.passages[0][1].split()[:3])
    assert words in feedback_msgs[0]["output"] and "Computed by the rule layer" not in feedback_msgs[0]["output"]
    summary = em.messages[-1]
    files = {e["name"]: e for e in em.elements_for(summary["id"])}
    assert {n.rsplit(".", 1)[1] for n in files} == {"md", "csv"}
    assert all(e["type"] == "file" for e in files.values())
    assert "| **All topics** | 2 |" in summary["output"]
