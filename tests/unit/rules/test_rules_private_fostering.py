"""Private fostering (s.66), relatives (s.105), notice dates, Bolton's "over 28 days"."""

from __future__ import annotations

import pytest

from assistant.rules.facts import PrivateFosteringFacts
from assistant.rules.private_fostering import private_fostering
from assistant.rules.relatives import is_relative, relative_result
from assistant.rules.scope import Scope
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def run(book, today="2026-05-01", **facts):
    f = PrivateFosteringFacts(today=d(today), **facts)
    return {r.authority: r for r in private_fostering(book, f, f.today, Scope())}


BASE = dict(child_age=12, carer_relationship="family_friend")


@pytest.mark.parametrize(
    ("end", "statute", "bolton"),
    [
        ("2026-04-28", "applies", "does_not_apply"),  # exactly 28 days (1-28 April, counted inclusively)
        ("2026-04-29", "applies", "applies"),  # 29 days: over 28
        ("2026-04-27", "does_not_apply", "does_not_apply"),  # 27 days
    ],
)
def test_28_day_boundary_statute_versus_bolton(book, end, statute, bolton):
    res = run(book, arrangement_start=d("2026-04-01"), arrangement_end=d(end), **BASE)
    assert res["England"].outcome == statute
    assert res["Bolton Council"].outcome == bolton
    if statute != bolton:
        assert any("28 days or more" in x and "over 28 days" in x for x in res["Bolton Council"].reasons)


def test_ongoing_short_arrangement_with_unknown_intention_asks(book):
    res = run(book, today="2026-04-10", arrangement_start=d("2026-04-01"), **BASE)
    statute = res["England"]
    assert statute.outcome == "cannot_tell"
    assert statute.missing_facts == ["how long the arrangement is intended to last"]
    assert {x.key: x.date for x in statute.dates}["private_fostering_28_days"] == d("2026-04-28")


def test_intention_decides_before_28_days_have_passed(book):
    assert run(book, today="2026-04-10", arrangement_start=d("2026-04-01"), intended_days=60,
               **BASE)["England"].outcome == "applies"
    assert run(book, today="2026-04-10", arrangement_start=d("2026-04-01"), intended_days=14,
               **BASE)["England"].outcome == "does_not_apply"


@pytest.mark.parametrize(
    ("age", "disabled", "outcome"),
    [(15, None, "applies"), (16, True, "applies"), (16, False, "does_not_apply"), (16, None, "cannot_tell"),
     (17, True, "applies"), (18, True, "does_not_apply")],
)
def test_age_limits(book, age, disabled, outcome):
    res = run(book, child_age=age, child_disabled=disabled, carer_relationship="cousin",
              arrangement_start=d("2026-01-01"))
    assert res["England"].outcome == outcome


@pytest.mark.parametrize(
    ("relationship", "pr", "outcome"),
    [("aunt", False, "does_not_apply"), ("grandparent", False, "does_not_apply"), ("step_parent", False, "does_not_apply"),
     ("great_aunt", False, "applies"), ("cousin", False, "applies"), ("family_friend", True, "does_not_apply"),
     ("parent", False, "does_not_apply"), ("other_relative", False, "cannot_tell")],
)
def test_who_the_carer_is(book, relationship, pr, outcome):
    res = run(book, child_age=10, carer_relationship=relationship, carer_has_parental_responsibility=pr,
              arrangement_start=d("2026-01-01"))
    assert res["England"].outcome == outcome


def test_date_of_birth_instead_of_age(book):
    res = run(book, today="2026-04-30", child_date_of_birth=d("2010-05-01"), carer_relationship="cousin",
              arrangement_start=d("2026-01-01"))
    assert res["England"].outcome == "applies"
    assert any("turns 16 on 1 May 2026" in x for x in res["England"].reasons)


def test_notice_dates(book):
    later = run(book, today="2026-05-01", arrangement_start=d("2026-07-01"), intended_days=90, **BASE)["England"]
    assert {x.key: x.date for x in later.dates}["private_fostering_notice"] == d("2026-05-20")  # 6 weeks before
    soon = run(book, today="2026-05-01", arrangement_start=d("2026-05-20"), intended_days=90, **BASE)["England"]
    assert any("immediately" in x for x in soon.reasons)


def test_citations_and_legal_basis(book):
    statute = run(book, arrangement_start=d("2026-01-01"), **BASE)["England"]
    assert any("s.66" in x for x in statute.legal_basis)
    assert any("over 28 days" in c.quote for c in statute.citations)  # Bolton's passage mentions the law
    assert any("Close Relative" in c.quote for c in statute.citations)


@pytest.mark.parametrize(
    ("relationship", "expected"),
    [("grandparent", True), ("brother", True), ("sister", True), ("uncle", True), ("aunt", True),
     ("step_parent", True), ("cousin", False), ("great_aunt", False), ("great_grandparent", False),
     ("family_friend", False), ("unrelated", False), ("parent", False), ("other_relative", None), (None, None)],
)
def test_relative_definition(book, relationship, expected):
    assert is_relative(relationship) is expected
    res = relative_result(book, relationship)
    assert res.outcome == {True: "applies", False: "does_not_apply", None: "cannot_tell"}[expected]
    assert "by affinity" in res.citations[0].quote  # Bolton's quotation of s.105
