"""Special guardianship: who may apply without leave (s.14A) and both Wigan lists."""

from __future__ import annotations

import pytest

from assistant.rules.facts import LivedWithPeriod, SgoFacts
from assistant.rules.scope import Scope
from assistant.rules.sgo_eligibility import sgo_eligibility
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def run(book, **facts):
    f = SgoFacts(**facts)
    results = sgo_eligibility(book, f, f.today, Scope())
    return {r.document_id or "statute": r for r in results}


def routes(result) -> dict:
    return {r.id: r for r in result.routes}


def dates(result) -> dict:
    return {x.key: x.date for x in result.dates}


def test_the_issue_example_foster_carer_not_yet(book):
    res = run(book, today=d("2025-12-01"), is_local_authority_foster_carer=True, lived_with_since=d("2025-01-10"))
    statute = res["statute"]
    assert statute.outcome == "not_eligible"
    assert statute.earliest_date == d("2026-01-10")
    r = routes(statute)
    assert r["foster_carer_one_year"].status == "not_yet" and r["foster_carer_one_year"].qualifies_from == d("2026-01-10")
    assert r["la_consent"].status == "possible" and r["all_pr_consent"].status == "possible"
    assert r["leave"].status == "possible" and "s.9(3)" in r["leave"].reasons[0]
    assert "qualifies from 10 January 2026" in statute.summary
    assert "local authority's consent" in statute.summary and "court's leave" in statute.summary
    # notice implication: notice given today (1 Dec 2025) -> earliest application 1 March 2026
    assert dates(statute)["notice_earliest_application"] == d("2026-03-01")
    assert dates(statute)["earliest_application_without_leave"] == d("2026-03-01")
    # both Wigan lists agree here, each with its own citations
    assert res["wigan-2026-2028"].outcome == "not_eligible" and res["wigan-2026-2028"].earliest_date == d("2026-01-10")
    assert res["wigan-2021-2025"].document_status == "superseded"


@pytest.mark.parametrize(
    ("since", "on", "outcome"),
    [
        ("2025-01-10", "2026-01-10", "eligible"),  # exactly one year
        ("2025-01-10", "2026-01-09", "not_eligible"),  # a day short
        ("2024-02-29", "2025-02-28", "eligible"),  # leap day: the anniversary clips to 28 February
        ("2024-02-29", "2025-02-27", "not_eligible"),
    ],
)
def test_one_year_boundaries(book, since, on, outcome):
    res = run(book, today=d(on), is_local_authority_foster_carer=True, lived_with_since=d(since))
    assert res["statute"].outcome == outcome


def test_a_parent_can_never_be_a_special_guardian(book):
    res = run(book, today=d("2026-01-01"), relationship="parent", lived_with_since=d("2015-01-01"))
    assert all(r.outcome == "not_eligible" for r in res.values())
    assert "never" in res["statute"].summary
    assert any("parents of" in c.quote for c in res["statute"].citations)
    assert any("may not become" in c.quote for c in res["wigan-2026-2028"].citations)


def test_applicant_under_18(book):
    res = run(book, today=d("2026-01-01"), is_guardian=True, applicant_aged_18_or_over=False)
    assert res["statute"].outcome == "not_eligible" and "18" in res["statute"].summary


def test_guardian_is_eligible_and_the_notice_period_still_applies(book):
    res = run(book, today=d("2026-01-01"), is_guardian=True, notice_given_on=d("2025-11-30"))
    statute = res["statute"]
    assert statute.outcome == "eligible"
    # notice on 30 November: 28 February is too early (28 Feb - 3 months = 28 Nov), 1 March is the first day
    assert dates(statute)["notice_earliest_application"] == d("2026-03-01")
    assert any("Assumes the applicant is 18" in n for n in statute.notes)


def test_relative_route_is_statutory_and_missing_from_both_wigan_lists(book):
    res = run(book, today=d("2026-06-01"), relationship="grandparent", lived_with_since=d("2025-05-01"))
    assert res["statute"].outcome == "eligible"
    assert routes(res["statute"])["relative_one_year"].status == "eligible"
    for doc in ("wigan-2026-2028", "wigan-2021-2025"):
        assert res[doc].outcome == "not_eligible"
        assert any(x.startswith("This differs from the statutory result") for x in res[doc].reasons)
        assert any("relative" in n for n in res[doc].notes)


def test_cousin_is_not_a_relative(book):
    res = run(book, today=d("2026-06-01"), relationship="cousin", lived_with_since=d("2025-01-01"))
    assert res["statute"].outcome == "not_eligible"
    assert routes(res["statute"])["relative_one_year"].status == "not_eligible"


@pytest.mark.parametrize(
    ("ended", "on", "statute", "wigan_2026"),
    [
        # three years, ended exactly three months before the application: still within s.10(10)
        ("2025-12-31", "2026-03-31", "eligible", "eligible"),
        # ended three months and a day before: out by statute, but Wigan's "3 out of the last 5" has no such limit
        ("2025-12-31", "2026-04-01", "not_eligible", "eligible"),
    ],
)
def test_three_year_route_end_condition(book, ended, on, statute, wigan_2026):
    res = run(book, today=d(on), relationship="family_friend",
              lived_with=[LivedWithPeriod(from_date=d("2022-01-01"), to_date=d(ended))])
    assert res["statute"].outcome == statute
    assert res["wigan-2026-2028"].outcome == wigan_2026


@pytest.mark.parametrize(
    ("care_order", "la", "pr", "outcome", "missing"),
    [
        (True, True, None, "eligible", []),
        (None, True, None, "cannot_tell", ["whether the child is subject to a care order"]),
        (False, None, True, "eligible", []),
        (True, None, True, "not_eligible", []),  # with a care order, parents' consent is not the route
        (False, False, False, "not_eligible", []),
    ],
)
def test_consent_routes(book, care_order, la, pr, outcome, missing):
    res = run(book, today=d("2026-01-01"), relationship="family_friend", lived_with_since=d("2025-10-01"),
              care_order_in_force=care_order, local_authority_consents=la, all_with_pr_consent=pr)
    assert res["statute"].outcome == outcome
    assert res["statute"].missing_facts == missing


def test_nothing_known_asks_for_the_facts(book):
    res = run(book, today=d("2026-01-01"))
    statute = res["statute"]
    assert statute.outcome == "cannot_tell"
    assert any("lived with" in m for m in statute.missing_facts)
    assert any("relationship" in m for m in statute.missing_facts)


def test_scope_limits_wigan_lists(book):
    f = SgoFacts(today=d("2026-01-01"), is_guardian=True)
    assert [r.authority for r in sgo_eligibility(book, f, f.today, Scope(authority="Luton Council"))] == ["England"]
    current = sgo_eligibility(book, f, f.today, Scope(include_superseded=False))
    assert [r.document_id for r in current] == [None, "wigan-2026-2028"]
