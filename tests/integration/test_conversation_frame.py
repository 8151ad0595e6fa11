"""Conversations over the real index: facts kept over turns, read back, corrected in one step, kept private."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answering.schemas import AskRequest
from assistant.services import Services, get_services

pytestmark = pytest.mark.integration

TODAY = date(2022, 8, 1)


def _ask(services, question, sid=None, **kw):
    return services.ask.ask(AskRequest(question=question, session_id=sid, today=TODAY, **kw))


def test_three_turns_with_a_corrected_fact_flip_the_verdict(index_settings):
    services = get_services(index_settings)
    first = _ask(services, "grandad had her from 12 September 2018 to 30 June 2022")
    assert first.facts_read == "I read: lived with grandparent 12 September 2018 - 30 June 2022"
    assert not first.rules and not first.refused
    second = _ask(services, "she's applying for an SGO on 15 August 2022 - can she?", first.session_id)
    assert second.facts_read.endswith("application 15 August 2022")
    assert "Eligible." in second.answer and second.interpreted_question.startswith("lived with grandparent")
    third = _ask(services, "actually she only lived with him until 30 March 2022", second.session_id)
    assert "30 March 2022" in third.facts_read
    assert "Not eligible." in third.answer  # the period ended more than 3 months before the application


def test_a_council_named_in_the_question_wins_over_the_picker_and_says_so(index_settings):
    services = get_services(index_settings)
    resp = services.ask.ask(AskRequest(question="who chairs the first PPM in luton?", authority="Bolton"))
    assert any("You picked Bolton Council, but the question names Luton Council" in n for n in resp.notices)
    assert resp.authorities == ["Luton Council"]


def test_a_childs_facts_never_reach_the_gap_log(index_settings):
    from assistant.server.ask.ask_service import FACTS_WITHHELD

    loud = Services(index_settings.model_copy(update={"store_questions": True}))
    resp = loud.ask.ask(AskRequest(question="what was wigan's ofsted rating when she came into care on 3 May 2019?",
                                   today=TODAY))
    assert resp.refused
    assert loud.gaps.list(limit=1)[0].question == FACTS_WITHHELD
