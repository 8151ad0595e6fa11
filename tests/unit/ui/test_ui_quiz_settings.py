"""Trainers' quiz choices from the chat settings: a bare /quiz uses them, typed words win."""

from __future__ import annotations

import pytest

from assistant.ui import quiz
from assistant.ui.chat_handlers import quiz_request_from_settings

pytestmark = pytest.mark.unit

PICKED = {"topic": "ffa", "council": "luton", "count": 3}


def test_bare_quiz_takes_topic_council_and_length_from_settings():
    assert quiz_request_from_settings(quiz.parse_quiz_request("/quiz"), PICKED) == quiz.QuizRequest(("ffa", "luton"), 3)
    assert quiz_request_from_settings(quiz.parse_quiz_request("/quiz"), {"topic": None, "council": None, "count": 2}) \
        == quiz.QuizRequest((), 2)


def test_typed_words_win_over_settings_and_no_settings_change_nothing():
    assert quiz_request_from_settings(quiz.parse_quiz_request("/quiz sgo 2"), PICKED) == quiz.QuizRequest(("sgo",), 2)
    assert quiz_request_from_settings(quiz.parse_quiz_request("/quiz"), None) == quiz.QuizRequest((), quiz.DEFAULT_COUNT)


def test_a_specific_gold_question_can_be_asked_by_its_id():
    q = quiz.QuizQuestion("wig26-fgc-01", "fgc", "yes_no", "wigan", "do all families get offered an FGC?", ("FGC",))
    assert quiz.select_questions([q], quiz.parse_quiz_request("/quiz wig26-fgc-01")) == [q]
