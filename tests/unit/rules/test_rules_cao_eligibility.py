"""Child arrangements order (to live with): who may apply without leave (s.10), Wigan's lists."""

from __future__ import annotations

import pytest

from assistant.rules.cao_eligibility import cao_eligibility
from assistant.rules.facts import CaoFacts, LivedWithPeriod
from assistant.rules.scope import Scope
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def run(book, **facts):
    f = CaoFacts(**facts)
    return {r.document_id or "statute": r for r in cao_eligibility(book, f, f.today, Scope())}


def P(a, b=None):
    return LivedWithPeriod(from_date=d(a), to_date=d(b) if b else None)


def test_parent_is_entitled_unless_a_special_guardianship_order_is_in_force(book):
    assert run(book, today=d("2026-01-01"), relationship="parent")["statute"].outcome == "eligible"
    res = run(book, today=d("2026-01-01"), relationship="parent", special_guardianship_order_in_force=True)
    statute = res["statute"]
    assert statute.outcome == "not_eligible"
    parent = next(r for r in statute.routes if r.id == "parent")
    assert "leave" in parent.reasons[0] and "s.10(7A)" in parent.legal_reference
    assert any("Although a parent requires leave" in c.quote for c in statute.citations)


@pytest.mark.parametrize(
    ("periods", "on", "outcome", "earliest"),
    [
        # not continuous: 546 + 609 days within the five years before 1 Sept 2024 (1096 needed)
        ([("2021-01-01", "2022-06-30"), ("2023-01-01", None)], "2024-09-01", "eligible", None),
        # ended exactly 3 months before (31 Dec -> 31 Mar): still counts
        ([("2018-01-01", "2021-12-31")], "2022-03-31", "eligible", None),
        # ended 3 months and a day before: no longer counts, and nothing is accruing
        ([("2018-01-01", "2021-12-31")], "2022-04-01", "not_eligible", None),
        # time that began more than five years before the application does not count
        ([("2014-01-01", "2016-12-31"), ("2021-06-01", None)], "2022-01-01", "not_eligible", "2024-06-01"),
    ],
)
def test_three_years_route(book, periods, on, outcome, earliest):
    res = run(book, today=d(on), relationship="family_friend", lived_with=[P(*p) for p in periods])
    statute = res["statute"]
    assert statute.outcome == outcome
    assert statute.earliest_date == (d(earliest) if earliest else None)


def test_relative_and_foster_carer_one_year(book):
    res = run(book, today=d("2026-06-01"), relationship="grandparent", lived_with_since=d("2025-06-01"))
    assert res["statute"].outcome == "eligible"
    assert any(r.id == "relative_one_year" and r.status == "eligible" for r in res["statute"].routes)
    assert res["wigan-2026-2028"].outcome == "not_eligible"  # no relative route in Wigan's list
    fc = run(book, today=d("2026-06-01"), is_local_authority_foster_carer=True, lived_with_since=d("2025-06-02"))
    assert fc["statute"].outcome == "not_eligible" and fc["statute"].earliest_date == d("2026-06-02")


def test_wigan_foster_carer_year_is_not_said_to_be_immediately_preceding(book):
    # a year together that ended before the application: not s.10(5A), but within Wigan's wording
    res = run(book, today=d("2024-09-01"), is_local_authority_foster_carer=True,
              lived_with=[P("2023-01-01", "2024-06-30")], relationship="unrelated")
    assert res["statute"].outcome == "not_eligible"
    assert res["wigan-2026-2028"].outcome == "eligible"
    assert any(x.startswith("This differs") for x in res["wigan-2026-2028"].reasons)


def test_wigan_looked_after_versus_care_order(book):
    # accommodated (looked after, no care order) with the local authority's consent:
    # Wigan's list says yes ("Where the child is Looked After"); s.10(5)(c)(ii) needs a care order
    res = run(book, today=d("2026-01-01"), relationship="family_friend", care_order_in_force=False,
              child_looked_after=True, local_authority_consents=True, lived_with_since=d("2025-12-01"))
    assert res["statute"].outcome == "not_eligible"
    assert res["wigan-2026-2028"].outcome == "eligible"


def test_everyone_else_needs_leave(book):
    res = run(book, today=d("2026-01-01"), relationship="family_friend", lived_with_since=d("2025-12-01"),
              care_order_in_force=False)
    statute = res["statute"]
    assert statute.outcome == "not_eligible"
    assert any(r.id == "leave" and r.status == "possible" for r in statute.routes)
    assert "court's leave" in statute.summary
