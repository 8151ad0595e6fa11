"""The chat's read-back line and its one correction action."""

from __future__ import annotations

import pytest

from assistant.ui import fact_corrections

pytestmark = pytest.mark.unit


def test_read_back_line_and_action_only_when_facts_were_read() -> None:
    resp = {"facts_read": "I read: looked after from 15 December 2025"}
    assert fact_corrections.read_back_line(resp) == "_I read: looked after from 15 December 2025._\n\n"
    already = dict(resp, answer="I read: looked after from 15 December 2025.\n\nWhat would you like to know?")
    assert fact_corrections.read_back_line(already) == ""  # a facts-only answer says it once
    [action] = fact_corrections.actions(resp)
    assert action.name == fact_corrections.ACTION and action.label == "Correct a fact"
    assert fact_corrections.read_back_line({"facts_read": None}) == ""
    assert fact_corrections.actions({}) == []


def test_a_correction_is_asked_as_a_changed_fact() -> None:
    assert fact_corrections.corrected_question("the first review was held on 9 January.") == \
        "actually the first review was held on 9 January"
    assert fact_corrections.corrected_question("and if it's her uncle?") == "and if it's her uncle?"
