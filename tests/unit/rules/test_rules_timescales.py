"""The generic timescale evaluator: each anchor, relation and repetition, computed from the YAML."""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.rules.cao_eligibility import cao_eligibility
from assistant.rules.date_arithmetic import describe_period
from assistant.rules.facts import CaoFacts, ReviewScheduleFacts, SgoFacts, TimelineFacts
from assistant.rules.review_schedule import compute_reviews
from assistant.rules.rule_schema import Period
from assistant.rules.scope import Scope
from assistant.rules.sgo_eligibility import sgo_eligibility
from assistant.rules.timeline import review_schedule
from assistant.rules.timescales import Anchors, evaluate, evaluate_timescales
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def run(book, rule_id, today="2026-03-10", **facts):
    facts.setdefault("looked_after_from", d("2026-03-02"))
    f = TimelineFacts(**facts)
    reviews = compute_reviews(book, f.looked_after_from, f.reviews_held, 3)
    by_id = {r.rule_ids[0]: r for r in evaluate_timescales(book, f, reviews, d(today), Scope())}
    return by_id.get(rule_id)


def iso(result) -> dict[str, str]:
    return {x.key: x.date.isoformat() for x in result.dates}


@pytest.mark.parametrize(
    ("rule_id", "facts", "today", "expected"),
    [
        # anchor looked_after, relation by, repetition projected from the first due date
        ("luton-permanency-planning-meeting", {}, "2026-03-10", {"luton_ppm_1": "2026-03-30"}),
        ("luton-permanency-planning-meeting", {}, "2026-04-20", {"luton_ppm_1": "2026-03-30", "luton_ppm_2": "2026-04-27"}),
        ("luton-permanency-planning-meeting", {}, "2026-04-28", {"luton_ppm_1": "2026-03-30", "luton_ppm_3": "2026-05-25"}),
        # repetition from the last one held
        ("luton-permanency-planning-meeting", {"permanence_meetings_held": ["2026-03-27", "2026-04-20"]}, "2026-04-21",
         {"luton_ppm_1": "2026-03-30", "luton_ppm_3": "2026-05-18"}),
        # ... until the event
        ("luton-permanency-planning-meeting", {"permanence_meetings_held": ["2026-03-27"],
                                               "permanent_placement_secured_on": "2026-04-10"}, "2026-05-01",
         {"luton_ppm_1": "2026-03-30"}),
        # anchor review_2 (due, projected; held), months clipping at month end
        ("luton-adm-ratification", {}, "2026-03-10", {"luton_adm_ratification": "2026-08-30"}),
        ("luton-adm-ratification", {"reviews_held": ["2026-03-25", "2026-06-20"]}, "2026-07-01",
         {"luton_adm_ratification": "2026-08-20"}),
        ("luton-adm-ratification", {"looked_after_from": "2026-09-01", "reviews_held": ["2026-09-28", "2026-12-31"]},
         "2027-01-01", {"luton_adm_ratification": "2027-02-28"}),
        # relation before: the day before the review
        ("wigan-2021-permanence-planning-meeting", {}, "2026-03-10", {"wigan_2021_ppm": "2026-06-29"}),
        # relation at
        ("luton-permanence-plan", {}, "2026-03-10", {"luton_permanence_plan": "2026-06-30"}),
        # anchor: a date another rule computes (Bolton's 13-week review), and the statutory review
        ("bolton-permanence-planning-meeting", {}, "2026-03-10",
         {"bolton_ppm": "2026-05-31", "bolton_ppm_statutory": "2026-06-29"}),
        ("bolton-second-review-13-weeks", {}, "2026-03-10", {"bolton_second_review": "2026-06-01"}),
        # anchor placement, relation window, months clipping and a leap year
        ("wigan-2021-residential-ratification", {"placement_date": "2026-08-31", "residential_permanence_plan": True},
         "2026-09-01", {"wigan_2021_residential_opens": "2027-02-28", "wigan_2021_residential_closes": "2027-08-31"}),
        ("wigan-2021-residential-ratification", {"looked_after_from": "2027-08-01", "placement_date": "2027-08-31",
                                                 "residential_permanence_plan": True}, "2027-09-01",
         {"wigan_2021_residential_opens": "2028-02-29", "wigan_2021_residential_closes": "2028-08-31"}),
        # relation from, counting "more than": the day after the anniversary
        ("bolton-nspcc-reunification-model", {}, "2026-03-10", {"bolton_nspcc_model": "2028-03-03"}),
        ("bolton-nspcc-reunification-model", {"looked_after_from": "2024-02-29"}, "2024-03-10",
         {"bolton_nspcc_model": "2026-03-01"}),
        # anchor proceedings_issued, counting "beginning with", extensions
        ("care-proceedings-26-weeks", {"care_proceedings_issued_on": "2026-03-02"}, "2026-03-10",
         {"care_proceedings_26_weeks": "2026-08-30"}),
        ("care-proceedings-26-weeks", {"care_proceedings_issued_on": "2026-03-02", "proceedings_extension_weeks": [8, 4]},
         "2026-03-10", {"care_proceedings_26_weeks": "2026-08-30", "care_proceedings_extension_1": "2026-10-25",
                        "care_proceedings_extension_2": "2026-11-22"}),
        ("care-proceedings-26-weeks", {"looked_after_from": "2028-02-01", "care_proceedings_issued_on": "2028-02-29"},
         "2028-03-01", {"care_proceedings_26_weeks": "2028-08-28"}),
    ],
)
def test_each_anchor_relation_and_repetition(book, rule_id, facts, today, expected):
    facts = {k: ([d(x) for x in v] if isinstance(v, list) and v and isinstance(v[0], str) else
                 d(v) if isinstance(v, str) else v) for k, v in facts.items()}
    res = run(book, rule_id, today, **facts)
    assert iso(res) == expected
    assert res.outcome == "computed"
    assert res.citations or res.authority == "England"


@pytest.mark.parametrize(
    ("rule_id", "facts", "outcome", "shown"),
    [
        ("wigan-2021-residential-ratification", {"residential_permanence_plan": True}, "cannot_tell", True),
        ("wigan-2021-residential-ratification", {}, None, False),  # not a residential plan: not shown
        ("wigan-2026-residential-ratification", {"residential_permanence_plan": True}, "no_timescale", True),
        ("wigan-2026-permanence-meetings", {}, "no_timescale", True),
        ("bolton-nspcc-reunification-model", {"reunification_being_assessed": False}, None, False),
        ("care-proceedings-26-weeks", {}, None, False),  # no proceedings: nothing to count from, nothing shown
    ],
)
def test_conditions_missing_anchors_and_no_fixed_timescale(book, rule_id, facts, outcome, shown):
    res = run(book, rule_id, **facts)
    assert (res is not None) is shown
    if shown:
        assert res.outcome == outcome and res.dates == []
        assert (res.missing_facts != []) is (outcome == "cannot_tell")


def test_unknown_condition_is_said_not_assumed(book):
    res = run(book, "bolton-nspcc-reunification-model")
    assert any("if reunification is being assessed" in n for n in res.notes)


def _with(book, rule_id, **periods):
    rule = book.rule(rule_id)
    new = rule.model_copy(update={"periods": {**rule.periods, **periods}})
    return dataclasses.replace(book, rules={**book.rules, rule_id: new})


def test_working_days_skip_bank_holidays_and_say_so(book):
    custom = _with(book, "luton-adm-ratification", after_second_review=Period(amount=20, unit="working_days"))
    res = run(custom, "luton-adm-ratification", looked_after_from=d("2026-02-16"),
              reviews_held=[d("2026-03-01"), d("2026-03-20")])
    item = res.dates[0]
    # 20 working days from Friday 20 March 2026 skip Good Friday and Easter Monday
    assert item.date == d("2026-04-21") and [h.name for h in item.skipped_holidays] == ["Good Friday", "Easter Monday"]
    assert "Good Friday (3 April 2026)" in item.basis


@settings(max_examples=40, deadline=None)
@given(first=st.integers(1, 52), every=st.integers(1, 52),
       unit=st.sampled_from(["days", "weeks", "months", "working_days"]))
def test_rendered_words_state_the_yaml_numbers(book, first, every, unit):
    p_first, p_every = Period(amount=first, unit=unit), Period(amount=every, unit=unit)
    custom = _with(book, "luton-permanency-planning-meeting", first=p_first, interval=p_every)
    rule = custom.rule("luton-permanency-planning-meeting")
    f = SimpleNamespace(looked_after_from=d("2026-03-02"), permanence_meetings_held=[], permanent_placement_secured_on=None)
    res = evaluate(custom, rule, Anchors(f, []), d("2026-03-03"))
    assert f"then every {describe_period(p_every)}" in res.summary
    assert f"({describe_period(p_first)} after entry to care on 2 March 2026" in " ".join(res.reasons)
    # no number is stated that the YAML does not hold (dates aside)
    words = re.sub(r"\d{1,2} \w+ \d{4}", "", res.summary + " ".join(res.reasons[1:]))
    assert set(re.findall(r"\b\d+\b", words)) <= {str(first), str(every)}


def run_all(book, today="2026-03-10", **facts):
    facts.setdefault("looked_after_from", d("2026-03-02"))
    f = TimelineFacts(**facts)
    reviews = compute_reviews(book, f.looked_after_from, f.reviews_held, 3)
    return evaluate_timescales(book, f, reviews, d(today), Scope())


@pytest.mark.parametrize(
    "compute",
    [
        lambda book: review_schedule(book, ReviewScheduleFacts(looked_after_from=d("2026-03-02"),
                                                               reviews_held=[d("2026-03-20")]), Scope()),
        lambda book: run_all(book, care_proceedings_issued_on=d("2026-03-05"), proceedings_extension_weeks=[8]),
        lambda book: sgo_eligibility(book, SgoFacts(relationship="parent", today=d("2026-01-10")), d("2026-01-10"),
                                     Scope()),
        lambda book: sgo_eligibility(book, SgoFacts(is_local_authority_foster_carer=True, lived_with_since=d("2025-01-10"),
                                                    today=d("2025-12-01")), d("2025-12-01"), Scope()),
        lambda book: cao_eligibility(book, CaoFacts(relationship="grandparent", lived_with_since=d("2024-03-03"),
                                                    today=d("2026-01-01")), d("2026-01-01"), Scope()),
    ],
    ids=["review_schedule", "timeline", "sgo_parent", "sgo_foster_carer", "cao"],
)
def test_no_statutory_answer_cites_a_superseded_document(book, compute):
    statutory = [r for r in compute(book) if r.authority == "England"]
    assert statutory
    for r in statutory:
        assert all(c.status == "current" for c in r.citations), (r.rule_ids, [c.document_id for c in r.citations])
        assert not any("superseded" in n for n in r.notes)
        assert r.legal_basis and r.document_id is None


_TIMESCALE_RULES = ["luton-permanency-planning-meeting", "luton-adm-ratification", "bolton-second-review-13-weeks",
                    "wigan-2021-residential-ratification", "bolton-nspcc-reunification-model", "care-proceedings-26-weeks"]


@settings(max_examples=60, deadline=None)
@given(rule_id=st.sampled_from(_TIMESCALE_RULES), amounts=st.lists(st.integers(1, 40), min_size=4, max_size=4),
       unit=st.sampled_from(["days", "weeks", "months", "years"]))
def test_every_timescale_states_only_the_numbers_its_yaml_holds(book, rule_id, amounts, unit):
    rule = book.rule(rule_id)
    periods = {name: Period(amount=a, unit=unit) for name, a in zip(sorted(rule.periods), amounts)}
    custom = _with(book, rule_id, **periods)
    facts = SimpleNamespace(looked_after_from=d("2026-03-02"), placement_date=d("2026-03-10"),
                            care_proceedings_issued_on=d("2026-03-05"), proceedings_extension_weeks=[],
                            residential_permanence_plan=True, reunification_being_assessed=True,
                            permanence_meetings_held=[], permanent_placement_secured_on=None)
    reviews = compute_reviews(custom, facts.looked_after_from, [], 3)
    res = evaluate(custom, custom.rule(rule_id), Anchors(facts, reviews), d("2026-03-03"))
    assert res.outcome == "computed"
    for name, period in periods.items():
        if name != "max_extension":  # read only to check the facts' extensions
            assert describe_period(period) in " ".join([res.summary, *res.reasons]), name
    # every number said (besides dates, the quoted passage, the law's own statement and a day count)
    said = " ".join([res.summary, *res.reasons[1:]] + [x.basis for x in res.dates])
    said = re.sub(r"\d{1,2} \w+ \d{4}|\d+ days (?:earlier|later) than|reg\. \d+|the first review|day \d+", "", said)
    assert set(re.findall(r"\b\d+\b", said)) <= {str(p.amount) for p in periods.values()} | {"20"}  # 20: the statute's first review
