"""The session frame: facts kept over turns, follow-ups filled from the frame, clarify when unresolvable."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.conversation.session_frame import SessionFrame, plan_turn
from assistant.rules.chat import is_rule_question, rule_topic

pytestmark = pytest.mark.unit


def _plan(frame: SessionFrame, question: str, today: date):
    return plan_turn(question, frame, today, rule_topic, is_rule_question)


def test_facts_first_then_the_question_uses_them() -> None:
    frame, today = SessionFrame(), date(2026, 1, 5)
    first = _plan(frame, "uncle has had the boy since 1 Feb 2025", today)
    assert first.kind == "facts"
    assert first.read_back == "I read: living with uncle since 1 February 2025"
    second = _plan(frame, "he wants a CAO - can he apply on 1 March 2026 without leave?", today)
    assert second.kind == "rule" and second.topic == "cao"
    assert frame.facts == {"relationship": "uncle", "lived_with_since": date(2025, 2, 1),
                           "application_date": date(2026, 3, 1)}
    assert second.question.startswith("living with uncle since 1 February 2025; application 1 March 2026.")


def test_a_new_fact_replaces_the_old_one_and_keeps_the_topic() -> None:
    frame, today = SessionFrame(), date(2026, 1, 5)
    _plan(frame, "gran has had her since 1 March 2024 - can she apply for an SGO?", today)
    again = _plan(frame, "and if it's her uncle instead?", today)
    assert again.kind == "rule" and again.topic == "sgo"
    assert frame.facts["relationship"] == "uncle"
    assert frame.facts["lived_with_since"] == date(2024, 3, 1)


def test_an_ended_period_replaces_a_running_one() -> None:
    frame, today = SessionFrame(), date(2026, 1, 5)
    _plan(frame, "grandad has had him since 12 September 2018, applying for a CAO on 15 Aug 2022", today)
    _plan(frame, "actually he lived with him from 12 September 2018 to 30 June 2022", today)
    assert "lived_with_since" not in frame.facts
    assert frame.facts["lived_with"] == [{"from_date": date(2018, 9, 12), "to_date": date(2022, 6, 30)}]


def test_back_reference_to_a_schedule_keeps_the_child_dates() -> None:
    frame, today = SessionFrame(), date(2026, 1, 5)
    assert _plan(frame, "LAC from 15/12/25 - 1st review?", today).kind == "rule"
    nxt = _plan(frame, "when's the one after that?", today)
    assert nxt.kind == "rule" and nxt.topic == "review"
    assert "looked after from 15 December 2025" in nxt.question


def test_another_child_without_facts_is_asked_for_not_guessed() -> None:
    frame, today = SessionFrame(), date(2026, 5, 20)
    _plan(frame, "first review for a child who came in 5 May?", today)
    plan = _plan(frame, "and her brother's?", today)
    assert plan.kind == "clarify" and "came into care" in plan.clarify


def test_a_policy_question_is_left_to_retrieval() -> None:
    frame = SessionFrame()
    assert _plan(frame, "who chairs the 1st PPM in luton?", date(2026, 1, 5)).kind == "policy"
    assert frame.facts == {}


def test_a_changed_date_replaces_the_one_date_held() -> None:
    frame, today = SessionFrame(), date(2026, 12, 2)
    _plan(frame, "she's been accommodated since 15 Jan 2025 - when's her 2nd review?", today)
    plan = _plan(frame, "and if it was 15 Jan 2024?", today)
    assert frame.facts["looked_after_from"] == date(2024, 1, 15)
    assert plan.kind == "rule" and "15 January 2024" in plan.question


def test_an_unnamed_meeting_after_a_schedule_is_asked_about() -> None:
    frame, today = SessionFrame(), date(2026, 4, 1)
    _plan(frame, "child came into care 16/03/2026 - review dates?", today)
    plan = _plan(frame, "what about the meeting?", today)
    assert plan.kind == "clarify" and "Which meeting" in plan.clarify


def test_that_one_after_an_answer_for_two_councils_asks_which() -> None:
    from assistant.conversation.session_frame import needs_which

    frame = SessionFrame(authorities_in_play=("Luton Council", "Wigan Council"))
    assert "Luton Council or Wigan Council" in needs_which("does that one last till 18?", frame, False, False)
    assert needs_which("does that one last till 18 in wigan?", frame, True, False) is None
