"""One child's due dates, in order, marked against today."""

from __future__ import annotations

import pytest

from assistant.rules.facts import TimelineFacts
from assistant.rules.scope import Scope
from assistant.rules.timeline import build_timeline
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def tl(book, today="2026-03-20", window=14, scope=Scope(), **facts):
    facts.setdefault("looked_after_from", d("2026-03-02"))
    return build_timeline(book, TimelineFacts(**facts), d(today), window, scope)


def by_key(timeline, key, authority=None):
    return next(i for i in timeline.items if i.key == key and (authority is None or i.authority == authority))


def test_items_are_in_date_order_and_cover_every_authority(book):
    t = tl(book)
    assert [i.date for i in t.items] == sorted(i.date for i in t.items)
    assert {i.authority for i in t.items} == {"England", "Wigan Council", "Luton Council", "Wiltshire Council",
                                              "Bolton Council"}
    # the statutory second review appears once (Bolton's result repeats it for comparison only)
    assert sum(1 for i in t.items if i.date == d("2026-06-30") and i.authority == "England") == 1


@pytest.mark.parametrize(
    ("today", "window", "first_review_status"),
    [("2026-03-10", 14, "upcoming"), ("2026-03-16", 14, "due_soon"), ("2026-03-30", 14, "due_soon"),
     ("2026-03-31", 14, "overdue"), ("2026-03-10", 20, "due_soon"), ("2026-03-29", 0, "upcoming")],
)
def test_status_against_today_and_window(book, today, window, first_review_status):
    assert by_key(tl(book, today=today, window=window), "review_1").status == first_review_status


def test_held_review_is_done_and_later_dates_run_from_it(book):
    t = tl(book, today="2026-04-20", reviews_held=[d("2026-03-25")])
    first = by_key(t, "review_1")
    assert first.status == "done" and first.held_on == d("2026-03-25")
    assert by_key(t, "review_2").date == d("2026-06-25")
    assert by_key(t, "luton_adm_ratification").date == d("2026-08-25")


def test_reviews_extend_past_today(book):
    t = tl(book, today="2027-08-01")
    reviews = [i for i in t.items if i.key.startswith("review_")]
    assert reviews[-1].date >= d("2027-08-01")
    assert [i.status for i in reviews[:-1]] == ["overdue"] * (len(reviews) - 1)


def test_scope_superseded_and_optional_items(book):
    luton = tl(book, scope=Scope(authority="Luton Council"))
    assert {i.authority for i in luton.items} == {"England", "Luton Council"}
    assert not any(i.document_status == "superseded" for i in tl(book, scope=Scope(include_superseded=False)).items)
    wigan = tl(book, scope=Scope(authority="Wigan Council"), placement_date=d("2026-03-02"),
               residential_permanence_plan=True)
    assert by_key(wigan, "wigan_2021_residential_closes").date == d("2027-03-02")
    assert by_key(wigan, "wigan_2021_residential_closes").document_status == "superseded"
    proceedings = tl(book, care_proceedings_issued_on=d("2026-02-20"), proceedings_extension_weeks=[4])
    assert by_key(proceedings, "care_proceedings_extension_1").date == d("2026-09-17")
    bolton = tl(book, scope=Scope(authority="Bolton Council"), reunification_being_assessed=False)
    assert not any(i.key == "bolton_nspcc_model" for i in bolton.items)
    bolton = tl(book, today="2028-03-03", scope=Scope(authority="Bolton Council"), reunification_being_assessed=True)
    assert by_key(bolton, "bolton_nspcc_model").status == "in_effect"
