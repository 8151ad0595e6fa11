"""Time-based routes: one year immediately preceding, three years within five."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.rules.lived_with import (
    Span, earliest_application_after_notice, one_year_immediately_preceding, three_years_route,
)
from assistant.rules.rulebook import Period

pytestmark = pytest.mark.unit

YEAR = Period(amount=1, unit="years")
THREE = Period(amount=3, unit="years")
FIVE = Period(amount=5, unit="years")
QUARTER = Period(amount=3, unit="months")

dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=dates, gap=st.integers(min_value=0, max_value=800))
def test_one_year_is_met_exactly_on_the_anniversary(start, gap):
    on = start + timedelta(days=gap)
    route = one_year_immediately_preceding([Span(start, None)], on, YEAR)
    anniversary = start + relativedelta(years=1)
    assert route.met is (on >= anniversary)
    if not route.met:
        assert route.qualifies_from == anniversary
        assert one_year_immediately_preceding([Span(start, None)], anniversary, YEAR).met


@settings(max_examples=60, deadline=None)
@given(start=dates, gap=st.integers(min_value=1, max_value=1200))
def test_three_years_continuous_matches_the_anniversary(start, gap):
    on = start + timedelta(days=gap)
    route = three_years_route([Span(start, None)], on, THREE, FIVE, QUARTER)
    # counted in days; from 29 February the third anniversary is taken as 1 March (documented)
    anniversary = date(start.year + 3, 3, 1) if (start.month, start.day) == (2, 29) else start + relativedelta(years=3)
    assert route.met is (on >= anniversary)
    if not route.met:
        assert route.qualifies_from == anniversary


def test_a_period_that_ended_is_not_immediately_preceding():
    route = one_year_immediately_preceding([Span(date(2023, 1, 1), date(2024, 6, 30))], date(2024, 9, 1), YEAR)
    assert not route.met and route.qualifies_from is None


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        (date(2025, 12, 1), date(2026, 3, 1)),
        (date(2025, 11, 30), date(2026, 3, 1)),  # 28 Feb 2026 minus 3 months is 28 Nov: too early
        (date(2027, 11, 30), date(2028, 3, 1)),  # leap year: 29 Feb 2028 minus 3 months is 29 Nov: too early
        (date(2027, 11, 29), date(2028, 2, 29)),
        (date(2026, 1, 31), date(2026, 5, 1)),  # 30 April minus 3 months is 30 January: too early
    ],
)
def test_earliest_application_after_three_months_notice(notice, expected):
    assert earliest_application_after_notice(notice, QUARTER) == expected


@settings(max_examples=200, deadline=None)
@given(notice=dates)
def test_notice_date_is_before_the_three_month_period(notice):
    first = earliest_application_after_notice(notice, QUARTER)
    assert first - relativedelta(months=3) >= notice
    assert (first - timedelta(days=1)) - relativedelta(months=3) < notice
