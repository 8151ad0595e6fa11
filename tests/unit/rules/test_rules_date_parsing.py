"""Dates as practitioners write them."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.rules.date_parsing import find_dates, find_durations, parse_date

pytestmark = pytest.mark.unit

TODAY = date(2026, 5, 15)


@pytest.mark.parametrize(
    ("text", "expected", "assumed"),
    [
        ("2 March 2026", date(2026, 3, 2), False),
        ("2nd March 2026", date(2026, 3, 2), False),
        ("the 2nd of March, 2026", date(2026, 3, 2), False),
        ("2 Mar 2026", date(2026, 3, 2), False),
        ("March 2, 2026", date(2026, 3, 2), False),
        ("02/03/2026", date(2026, 3, 2), False),  # UK order: 2 March, not 3 February
        ("2/3/26", date(2026, 3, 2), False),
        ("02.03.2026", date(2026, 3, 2), False),
        ("2026-03-02", date(2026, 3, 2), False),
        ("2nd March", date(2026, 3, 2), True),  # no year: the year of today
        ("1 December", date(2026, 12, 1), True),
        ("29 February 2028", date(2028, 2, 29), False),
    ],
)
def test_forms(text, expected, assumed):
    [m] = find_dates(f"on {text} the child", TODAY)
    assert m.value == expected and m.year_assumed is assumed and m.error is None


@pytest.mark.parametrize("text", ["31/02/2026", "29 February 2027", "2026-13-01", "30 February"])
def test_impossible_dates_are_flagged_not_guessed(text):
    [m] = find_dates(text, TODAY)
    assert m.value is None and "not a real date" in m.error


def test_may_the_verb_is_not_a_date():
    assert find_dates("they may 2 weeks later apply", TODAY) == []
    assert [m.value for m in find_dates("on May 2", TODAY)] == [date(2026, 5, 2)]


def test_several_dates_in_order_and_parse_date_needs_exactly_one():
    found = find_dates("came into care 02/03/2026, review held 2026-03-25", TODAY)
    assert [m.value for m in found] == [date(2026, 3, 2), date(2026, 3, 25)]
    assert parse_date("2 March 2026", TODAY) == date(2026, 3, 2)
    assert parse_date("2 March 2026 and 3 March 2026", TODAY) is None


def test_durations():
    assert [(x.amount, x.unit) for x in find_durations("she has had him for 8 months and for two years")] == [
        (8, "months"), (2, "years")]
    assert [(x.amount, x.unit) for x in find_durations("for the last 3 weeks")] == [(3, "weeks")]
