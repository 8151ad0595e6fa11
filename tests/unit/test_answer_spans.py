"""Span selection: a quote grows to the whole point it belongs to, never ends on a colon."""

from __future__ import annotations

import pytest

from assistant.answering.passages import segment
from assistant.answering.spans import extend

pytestmark = pytest.mark.unit


def _unit_at(text: str, sentence: str):
    units = segment(text)
    start = text.index(sentence)
    unit = next(u for u in units if u.start <= start < u.end)
    return unit, units


def _quote(text: str, sentence: str) -> str:
    unit, units = _unit_at(text, sentence)
    grown = extend(unit, units, text)
    return text[grown.start : grown.end]


def test_lead_in_carries_what_it_introduces():
    text = (
        "Heading\n\nThe review must consider the following matters. The IRO will check these points:\n"
        "- whether the plan is still viable;\n- whether contact is working.\n\nAnother paragraph here."
    )
    quote = _quote(text, "The IRO will check these points:")
    assert quote.rstrip().endswith("whether contact is working.")
    assert not quote.rstrip().endswith(":")


def test_lead_in_sentence_then_prose_continuation():
    text = "The plan has three parts: It names the carer. It sets the contact. The end is near.\n"
    quote = _quote(text, "The plan has three parts:")
    assert "It names the carer." in quote
    assert not quote.rstrip().endswith(":")


def test_condition_then_consequence():
    text = (
        "If the plan has not progressed by the third review, the IRO must ask why. "
        "A parallel plan should then be pursued without delay. Unrelated sentence about budgets.\n"
    )
    quote = _quote(text, "If the plan has not progressed")
    assert "A parallel plan should then be pursued" in quote
    assert "budgets" not in quote


def test_definition_then_elaboration():
    text = (
        "Twin track planning means working towards a return home while preparing an alternative. "
        "This ensures that no time is lost if a return home is not possible. Budgets are set yearly.\n"
    )
    quote = _quote(text, "Twin track planning means")
    assert "This ensures that no time is lost" in quote
    assert "Budgets" not in quote


def test_anaphora_reaches_back_for_its_referent():
    text = (
        "The Permanence Panel meets monthly to approve plans. "
        "It is chaired by the Head of Service. Something else entirely is said here.\n"
    )
    quote = _quote(text, "It is chaired by")
    assert quote.startswith("The Permanence Panel meets monthly")
    assert "Something else" not in quote


def test_a_sentence_that_stands_alone_stays_alone():
    text = "The first review is within 20 working days. Children need stability. Panels meet monthly.\n"
    assert _quote(text, "Children need stability.") == "Children need stability."


def test_growth_stays_inside_the_paragraph():
    text = "The meeting is held within 4 weeks:\n\nThis is a new paragraph that must not be joined.\n"
    unit, units = _unit_at(text, "The meeting is held")
    grown = extend(unit, units, text)
    assert "new paragraph" not in text[grown.start : grown.end] or text[grown.start : grown.end].endswith("joined.")
