"""Working days: weekends and England & Wales bank holidays skipped, and named."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.rules.working_days import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("start", "n", "expected", "skipped"),
    [
        # the statutory example: Monday 2 March 2026 + 20 working days
        (date(2026, 3, 2), 20, date(2026, 3, 30), []),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April
        (date(2026, 4, 1), 2, date(2026, 4, 7), ["Good Friday", "Easter Monday"]),
        (date(2026, 3, 20), 20, date(2026, 4, 21), ["Good Friday", "Easter Monday"]),
        # Christmas 2026: Boxing Day is a Saturday, so Monday 28th is the substitute day
        (date(2026, 12, 24), 1, date(2026, 12, 29), ["Christmas Day", "Boxing Day (observed)"]),
        (date(2026, 12, 14), 20, date(2027, 1, 14), ["Christmas Day", "Boxing Day (observed)", "New Year's Day"]),
        # Christmas 2027 falls on a Saturday: both substitute days are skipped
        (date(2027, 12, 24), 1, date(2027, 12, 29), ["Christmas Day (observed)", "Boxing Day (observed)"]),
        # a start on a Saturday: day 1 is the Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9), []),
        # leap year: 29 February 2028 is a Tuesday and a working day
        (date(2028, 2, 28), 1, date(2028, 2, 29), []),
        # early May bank holiday 2026 (Monday 4 May)
        (date(2026, 5, 1), 1, date(2026, 5, 5), ["May Day"]),
    ],
)
def test_add_working_days_table(start, n, expected, skipped):
    result = add_working_days(start, n)
    assert result.result == expected
    assert [h.name for h in result.skipped_holidays] == skipped
    assert all(result.start < h.date < result.result for h in result.skipped_holidays)


def test_zero_working_days_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(date(2026, 3, 2), 0)


def test_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 4, 3))
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert is_working_day(date(2026, 3, 2))


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))


@settings(max_examples=150, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=60))
def test_result_is_a_working_day_exactly_n_after(start, n):
    result = add_working_days(start, n)
    assert is_working_day(result.result)
    assert result.result > start
    assert working_days_between(start, result.result) == n
    # the day before the result is still short of n working days
    assert working_days_between(start, result.result - timedelta(days=1)) == n - 1


@settings(max_examples=100, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_monotone_in_n(start, n):
    assert add_working_days(start, n + 1).result > add_working_days(start, n).result
