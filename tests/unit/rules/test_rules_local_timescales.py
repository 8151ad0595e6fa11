"""Luton, Wigan and Bolton meetings and decisions; care proceedings' 26 weeks."""

from __future__ import annotations

import pytest

from assistant.rules.local_timescales import (
    bolton_nspcc_result, bolton_ppm_result, care_proceedings_result, luton_adm_result, luton_ppm_result,
    wigan_2021_ppm_result, wigan_2026_meetings_result, wigan_residential_results,
)
from assistant.rules.review_schedule import compute_reviews
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def _dates(result) -> dict:
    return {x.key: x.date for x in result.dates}


def _second(book, start: str, held: list[str] = ()):
    return compute_reviews(book, d(start), [d(x) for x in held], 2)[1]


@pytest.mark.parametrize(
    ("held", "today", "expected"),
    [
        ([], "2026-03-10", {"luton_ppm_1": "2026-03-30"}),
        # no PPM dates given: the next one is projected 4-weekly from the first due date
        ([], "2026-04-20", {"luton_ppm_1": "2026-03-30", "luton_ppm_2": "2026-04-27"}),
        ([], "2026-04-28", {"luton_ppm_1": "2026-03-30", "luton_ppm_3": "2026-05-25"}),
        # PPMs held: the next is 4 weeks after the last one held
        (["2026-03-27", "2026-04-20"], "2026-04-21", {"luton_ppm_1": "2026-03-30", "luton_ppm_3": "2026-05-18"}),
    ],
)
def test_luton_ppm(book, held, today, expected):
    res = luton_ppm_result(book, d("2026-03-02"), [d(x) for x in held], None, d(today))
    assert {k: v.isoformat() for k, v in _dates(res).items()} == expected
    assert "within 4 weeks of them entering Local Authority Care" in res.citations[0].quote


def test_luton_ppm_stops_when_the_placement_is_secured(book):
    res = luton_ppm_result(book, d("2026-03-02"), [d("2026-03-27")], d("2026-04-10"), d("2026-05-01"))
    assert list(_dates(res)) == ["luton_ppm_1"]
    assert any("no further PPMs" in x for x in res.reasons)


@pytest.mark.parametrize(
    ("start", "held", "expected", "projected"),
    [
        ("2026-03-02", [], "2026-08-30", True),  # 30 June + 2 months
        ("2026-03-02", ["2026-03-25", "2026-06-20"], "2026-08-20", False),
        ("2026-09-01", ["2026-09-28", "2026-12-31"], "2027-02-28", False),  # 31 Dec + 2 months clips
    ],
)
def test_luton_adm_ratification(book, start, held, expected, projected):
    res = luton_adm_result(book, _second(book, start, held))
    item = res.dates[0]
    assert item.date == d(expected) and item.projected is projected
    assert "within 2 months of the child 2nd looked after Children review" in res.citations[0].quote
    assert res.citations[1].quote == "All permanence decisions require ADM ratification."


def test_wigan_2021_ppm_before_the_four_month_review(book):
    res = wigan_2021_ppm_result(book, _second(book, "2026-03-02"))
    assert res.dates[0].date == d("2026-06-29") and res.dates[0].relation == "by"  # the last day before the review
    assert res.document_status == "superseded"
    quotes = [c.quote for c in res.citations]
    assert "prior to the four- month review" in quotes[0]  # the document's own spacing, verbatim
    assert any("three key meetings" in q for q in quotes)  # the current strategy's different approach


def test_wigan_2026_meetings_have_no_invented_timescale(book):
    res = wigan_2026_meetings_result(book)
    assert res.outcome == "no_timescale" and res.dates == []


@pytest.mark.parametrize(
    ("placement", "residential", "outcome", "window"),
    [
        ("2026-08-31", True, "computed", ("2027-02-28", "2027-08-31")),  # 31 Aug + 6 months clips to 28 Feb
        ("2027-08-31", True, "computed", ("2028-02-29", "2028-08-31")),  # leap year
        (None, True, "cannot_tell", None),
        ("2026-08-31", False, "not_applicable", None),
    ],
)
def test_wigan_2021_residential_ratification(book, placement, residential, outcome, window):
    results = wigan_residential_results(book, d(placement) if placement else None, residential, True, True)
    res2021 = results[0]
    assert res2021.outcome == outcome
    if window:
        dates = _dates(res2021)
        assert (dates["wigan_2021_residential_opens"], dates["wigan_2021_residential_closes"]) == tuple(map(d, window))
        assert "within 6-12 months of a child being placed" in res2021.citations[1].quote
    if residential:
        assert results[1].document_id == "wigan-2026-2028" and results[1].outcome == "no_timescale"
    if outcome == "cannot_tell":
        assert res2021.missing_facts


def test_bolton_ppm_before_both_versions_of_the_second_review(book):
    res = bolton_ppm_result(book, d("2026-03-02"), _second(book, "2026-03-02"))
    dates = _dates(res)
    assert dates["bolton_ppm"] == d("2026-05-31")  # day before Bolton's 13-week review (1 June)
    assert dates["bolton_ppm_statutory"] == d("2026-06-29")
    held = bolton_ppm_result(book, d("2026-03-02"), _second(book, "2026-03-02", ["2026-03-20", "2026-05-20"]))
    assert _dates(held) == {"bolton_ppm": d("2026-05-19")}


@pytest.mark.parametrize(
    ("start", "assessed", "from_day", "outcome"),
    [
        ("2026-03-02", True, "2028-03-03", "computed"),  # MORE than 2 years: the day after the anniversary
        ("2024-02-29", None, "2026-03-01", "computed"),  # 29 Feb + 2 years = 28 Feb 2026, so from 1 March
        ("2026-03-02", False, "2028-03-03", "not_applicable"),
    ],
)
def test_bolton_nspcc_model(book, start, assessed, from_day, outcome):
    res = bolton_nspcc_result(book, d(start), assessed)
    assert res.dates[0].date == d(from_day) and res.dates[0].relation == "from"
    assert res.outcome == outcome
    assert "NSPCC reunification assessment model must be used" in res.citations[0].quote


@pytest.mark.parametrize(
    ("issued", "extensions", "expected"),
    [
        ("2026-03-02", [], "2026-08-30"),  # 26 weeks beginning with the day of issue
        ("2026-03-02", [8], "2026-10-25"),
        ("2026-03-02", [8, 4], "2026-11-22"),
        ("2028-02-29", [], "2028-08-28"),
    ],
)
def test_care_proceedings_26_weeks(book, issued, extensions, expected):
    res = care_proceedings_result(book, d(issued), extensions)
    assert res.dates[-1].date == d(expected)
    assert res.authority == "England" and any("s.32" in x for x in res.legal_basis)
