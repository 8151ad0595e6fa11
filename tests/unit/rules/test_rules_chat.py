"""The chat hook: recognise fact-carrying rule questions, compute, cite; ask when facts are missing."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.rules.chat import answer_rule_question, is_rule_question

pytestmark = pytest.mark.unit


def ask(book, question, authority=None, today=date(2026, 3, 10)):
    return answer_rule_question(question, authority, today, book=book)


def markers_match(result) -> None:
    used = {int(n) for n in re.findall(r"\[(\d+)\]", result.answer)}
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))
    assert used == set(range(1, len(result.citations) + 1))


@pytest.mark.parametrize(
    "question",
    [
        "Who may apply for an SGO?",
        "What is private fostering?",
        "When must the second review be held?",
        "Tell me about Luton's permanence planning meetings.",
        "How does Wigan's 2026 strategy differ from 2021?",
        "What happens when a child comes into care in Wigan - when is the permanence plan due?",
        "Can a foster carer apply for an SGO?",
        "Since 2014 child arrangements orders replace residence orders: what does Luton say about them?",
        "Does the 20 working days for the first review include bank holidays?",
        "",
    ],
)
def test_general_questions_are_not_rule_questions(book, question):
    assert ask(book, question) is None
    assert not is_rule_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "The child came into care on 2 March 2026. When is the second review, and so the permanence plan, due?",
        "Child came into care 02/03/2026 - when is the second review due?",
        "Looked after from 2026-03-02: when is the permanence plan due?",
        "She became looked after on the 2nd March. When is her second review?",
    ],
)
def test_review_question_in_several_date_forms(book, question):
    res = ask(book, question)
    assert res is not None and res.missing_facts == []
    assert "30 March 2026" in res.answer and "30 June 2026" in res.answer
    topics = [r["topic"] for r in res.results]
    assert topics[0] == "review_schedule" and "permanence_plan" in topics and "second_review" in topics
    assert "1 June 2026" in res.answer  # Bolton's 13 weeks shown beside the statutory date
    markers_match(res)


def test_date_without_year_is_in_the_year_of_today_and_said_so(book):
    res = ask(book, "She became looked after on the 2nd March. When is her second review?", today=date(2026, 3, 10))
    assert "no year given" in res.answer and "2 March 2026" in res.answer


def test_actual_review_date_moves_the_second_review(book):
    res = ask(book, "The child came into care on 2 March 2026 and the first review was held on 25 March 2026. "
                    "When is the second review due?")
    assert "25 June 2026" in res.answer


def test_the_issue_sgo_example(book):
    res = ask(book, "The foster carer has had the child since 10 January 2025: can they apply for an SGO on 1 December?",
              today=date(2025, 12, 1))
    assert res is not None and res.computation == "sgo_eligibility"
    statute = res.results[0]
    assert statute["outcome"] == "not_eligible" and statute["earliest_date"] == "2026-01-10"
    assert "10 January 2026" in res.answer and "1 March 2026" in res.answer  # qualifying date and notice date
    assert "court's leave" in res.answer and "local authority's consent" in res.answer
    # each council's current policy only: the superseded 2021 strategy is not a routine answer
    assert [r["document_id"] for r in res.results] == [None, "wigan-2026-2028"]
    markers_match(res)


def test_a_superseded_versions_rules_when_the_question_asks_for_it(book):
    res = ask(book, "Under the 2021 strategy, the foster carer has had the child since 10 January 2025: can they "
                    "apply for an SGO on 1 December?", today=date(2025, 12, 1))
    assert res is not None and "wigan-2021-2025" in [r["document_id"] for r in res.results]


def test_missing_facts_are_asked_for_not_guessed(book):
    res = ask(book, "When is the second review due for a child who came into care last month?")
    assert res is not None and res.results == [] and res.citations == []
    assert res.missing_facts == ["the date the child became looked after (came into care)"]
    assert "need" in res.answer
    sgo = ask(book, "Can Mrs Smith apply for a special guardianship order on 1 December 2026?")
    assert sgo.results[0]["outcome"] == "cannot_tell"
    assert any("lived with" in m for m in sgo.missing_facts) and any("relationship" in m for m in sgo.missing_facts)
    assert "To work this out I need" in sgo.answer


def test_an_impossible_date_is_questioned(book):
    res = ask(book, "The child came into care on 31/02/2026; when is the first review?")
    assert res.results == [] and any("not a real date" in m for m in res.missing_facts)


def test_authority_narrows_and_local_meetings_are_included(book):
    res = ask(book, "The child came into care on 2 March 2026: when are the permanency planning meetings and ADM "
                    "ratification due?", authority="Luton Council")
    assert {r["authority"] for r in res.results} == {"England", "Luton Council"}
    assert "30 March 2026" in res.answer and "30 August 2026" in res.answer
    named = ask(book, "A Bolton child came into care on 2 March 2026. When is the second review?")
    assert {r["authority"] for r in named.results} == {"England", "Bolton Council"}
    markers_match(named)


def test_private_fostering_and_cao_questions(book):
    pf = ask(book, "My neighbour has been looking after a 14-year-old since 1 April 2026. Is that private fostering?",
             today=date(2026, 5, 10))
    assert pf.computation == "private_fostering" and pf.results[0]["outcome"] == "applies"
    cao = ask(book, "Can the grandmother apply for a child arrangements order? She has had the child since "
                    "3 March 2024.", today=date(2026, 1, 1))
    assert cao.computation == "cao_eligibility" and cao.results[0]["outcome"] == "eligible"
    markers_match(cao)


def test_practitioner_shorthand_overdue_and_proceedings(book):
    held = ask(book, "LAC from 2 March 2026, first review actually held 20 March 2026 - when is the 2nd due?")
    assert "20 June 2026" in held.answer
    overdue = ask(book, "child LAC from 2 March 2026, today is 1 April 2026 - what's overdue?")
    assert overdue.computation == "timeline"
    assert "As at 1 April 2026" in overdue.answer and "**overdue**" in overdue.answer
    markers_match(overdue)
    proceedings = ask(book, "care proceedings issued 5 Jan 2026 - 26 week deadline?", today=date(2026, 2, 1))
    assert proceedings.computation == "care_proceedings" and "5 July 2026" in proceedings.answer
    assert proceedings.missing_facts == []


def test_a_specific_parent_asking_about_special_guardianship(book):
    res = ask(book, "can mum apply to be the special guardian of her own child?", today=date(2026, 1, 10))
    assert res is not None and all(r["outcome"] == "not_eligible" for r in res.results)
    assert "never" in res.answer and res.missing_facts == []
    markers_match(res)
