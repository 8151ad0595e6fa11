"""Statutory review schedule, each council's permanence-plan timing, Bolton's 13 weeks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.rules.facts import ReviewScheduleFacts
from assistant.rules.review_schedule import compute_reviews
from assistant.rules.timeline import review_schedule
from assistant.rules.scope import Scope
from assistant.rules.working_days import is_working_day
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("looked_after", "held", "expected"),
    [
        # the example
        ("2026-03-02", [], ["2026-03-30", "2026-06-30", "2026-12-30"]),
        # Easter week inside the first 20 working days
        ("2026-03-20", [], ["2026-04-21", "2026-07-21", "2027-01-21"]),
        # Christmas and New Year inside the first 20 working days
        ("2026-12-14", [], ["2027-01-14", "2027-04-14", "2027-10-14"]),
        # actual review dates move later due dates: first held early, second held late
        ("2026-03-02", ["2026-03-25", "2026-07-01"], ["2026-03-30", "2026-06-25", "2027-01-01"]),
        # 31st-of-month arithmetic: 31 August + 3 months = 30 November; + 6 months = 30 May.
        # (31 August 2026 is also the summer bank holiday, so the first review was due 1 September.)
        ("2026-08-03", ["2026-08-31"], ["2026-09-01", "2026-11-30", "2027-05-30"]),
        # leap years: 30 November 2027 + 3 months = 29 February 2028
        ("2027-11-01", ["2027-11-30"], ["2027-11-29", "2028-02-29", "2028-08-29"]),
        # ... and in a common year it clips to 28 February
        ("2026-11-02", ["2026-11-30"], ["2026-11-30", "2027-02-28", "2027-08-28"]),
        # a review held on 29 February: the next one counts from it
        ("2028-02-01", ["2028-02-29"], ["2028-02-29", "2028-05-29", "2028-11-29"]),
    ],
)
def test_review_due_dates(book, looked_after, held, expected):
    reviews = compute_reviews(book, d(looked_after), [d(x) for x in held], 3)
    assert [r.due.date.isoformat() for r in reviews[:3]] == expected


def test_held_reviews_are_marked_and_late_is_flagged(book):
    reviews = compute_reviews(book, d("2026-03-02"), [d("2026-03-25"), d("2026-07-01")], 3)
    assert reviews[0].held == d("2026-03-25") and reviews[0].due.late is False
    assert reviews[1].due.late is True  # due 25 June, held 1 July
    assert reviews[2].due.projected is False  # counted from an actual date
    assert compute_reviews(book, d("2026-03-02"), [], 3)[1].due.projected is True


def test_first_review_lists_the_holidays_it_skipped(book):
    first = compute_reviews(book, d("2026-03-20"), [], 2)[0].due
    assert [h.name for h in first.skipped_holidays] == ["Good Friday", "Easter Monday"]
    assert "Good Friday (3 April 2026)" in first.basis


def test_review_schedule_results_one_per_document(book):
    results = review_schedule(book, ReviewScheduleFacts(looked_after_from=d("2026-03-02")), Scope())
    statutory = results[0]
    assert statutory.authority == "England" and statutory.outcome == "computed"
    assert "first review by 30 March 2026, second by 30 June 2026" in statutory.summary
    assert any("Regulations 2010, reg. 33" in x for x in statutory.legal_basis)
    plans = [r for r in results if r.topic == "permanence_plan"]
    assert [r.document_id for r in plans] == ["wigan-2026-2028", "wigan-2021-2025", "luton", "wiltshire", "bolton"]
    assert all(r.dates[0].date == d("2026-06-30") for r in plans)
    superseded = next(r for r in plans if r.document_id == "wigan-2021-2025")
    assert superseded.document_status == "superseded" and any("superseded" in n for n in superseded.notes)
    wigan = plans[0]
    assert any("four-month review" in c.quote for c in wigan.citations)
    assert any("second Looked After Review" in c.quote for c in wigan.citations)
    wiltshire = next(r for r in plans if r.document_id == "wiltshire")
    assert wiltshire.citations[0].quote == "Assessments should be completed by the second Looked After Review."
    assert "Assessments" in wiltshire.reasons[0]


def test_bolton_13_weeks_is_its_own_result_and_says_it_is_earlier(book):
    results = review_schedule(book, ReviewScheduleFacts(looked_after_from=d("2026-03-02")), Scope())
    bolton = next(r for r in results if r.topic == "second_review")
    dates = {x.key: x.date for x in bolton.dates}
    assert dates["bolton_second_review"] == d("2026-06-01")  # 13 weeks after 2 March 2026
    assert any("29 days earlier than the second review, due by 30 June 2026" in x for x in bolton.reasons)
    assert "no more than 13 weeks" in bolton.citations[0].quote
    # the statutory result is still there, unchanged: nothing silently replaced
    assert results[0].dates[1].date == d("2026-06-30")


def test_bolton_comparison_is_computed_not_assumed(book):
    # a first review held on the first day: the statutory second review (1 April) is before Bolton's 2 April
    results = review_schedule(book, ReviewScheduleFacts(looked_after_from=d("2026-01-01"),
                                                        reviews_held=[d("2026-01-01")]), Scope())
    bolton = next(r for r in results if r.topic == "second_review")
    assert any("1 days later than the second review" in x for x in bolton.reasons)


def test_scope_filters_councils_and_superseded(book):
    facts = ReviewScheduleFacts(looked_after_from=d("2026-03-02"))
    luton = review_schedule(book, facts, Scope(authority="Luton Council"))
    assert {r.authority for r in luton} == {"England", "Luton Council"}
    current = review_schedule(book, facts, Scope(include_superseded=False))
    assert "wigan-2021-2025" not in {r.document_id for r in current}


def test_citations_are_verbatim_slices_of_the_normalised_text(book, rules_settings):
    from ingest.documents import load_document_text

    for res in review_schedule(book, ReviewScheduleFacts(looked_after_from=d("2026-03-02")), Scope()):
        assert [c.n for c in res.citations] == list(range(1, len(res.citations) + 1))
        for c in res.citations:
            assert load_document_text(rules_settings, c.document_id)[c.start:c.end] == c.quote


# --- properties ------------------------------------------------------------------------

starts = st.dates(min_value=date(2021, 1, 1), max_value=date(2031, 12, 31))


@st.composite
def held_reviews(draw):
    start = draw(starts)
    gaps = draw(st.lists(st.integers(min_value=0, max_value=250), max_size=4))
    held, day = [], start
    for g in gaps:
        day = day + timedelta(days=g + (1 if held else 0))
        held.append(day)
    return start, held


@settings(max_examples=150, deadline=None)
@given(case=held_reviews())
def test_properties_of_the_schedule(book, case):
    start, held = case
    reviews = compute_reviews(book, start, held, 6)
    due = [r.due.date for r in reviews]
    assert is_working_day(due[0])  # the first review counts working days
    assert due[1] >= due[0] or (held and held[0] < due[0])  # never before the first (its actual date)
    assert due[1] > reviews[0].anchor  # the second is after the first review
    for a, b in zip(reviews[1:], reviews[2:]):
        assert b.due.date > a.anchor  # each later review after the one before it
    assert all(b >= a for a, b in zip(due[1:], due[2:]))  # monotone later reviews


@settings(max_examples=100, deadline=None)
@given(start=starts)
def test_projected_second_review_never_before_the_first(book, start):
    r = compute_reviews(book, start, [], 4)
    assert r[0].due.date < r[1].due.date < r[2].due.date < r[3].due.date
