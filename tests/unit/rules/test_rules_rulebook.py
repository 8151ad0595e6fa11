"""Rules as data: start-up validation names the file, the rule and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from assistant.rules.citations import CitationList, locate_quote
from assistant.rules.requirements import ENGINE_REQUIREMENTS
from assistant.rules.rulebook import RulebookError, RuleRequirement, default_rules_dir, load_rulebook

pytestmark = pytest.mark.unit


def test_the_real_rulebook_loads_and_every_quote_is_verbatim(book, rules_settings):
    from ingest.documents import load_document_text

    assert set(ENGINE_REQUIREMENTS) <= set(book.rules)
    assert len(book.located) > 50
    for (rule_id, key), p in book.located.items():
        assert load_document_text(rules_settings, p.document_id)[p.start:p.end] == p.quote, (rule_id, key)
    statute = [r for r in book.rules.values() if r.kind == "statute"]
    assert statute and all(r.authority == "England" and r.legal_reference for r in statute)
    local = [r for r in book.rules.values() if r.kind == "local_policy"]
    assert all(r.document_id and r.quote for r in local)


def _copy_rules(tmp_path: Path, rules_settings) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(rules_settings), target)
    return target


def _edit(path: Path, rule_id: str, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        if rule["id"] == rule_id:
            for k, v in changes.items():
                if v is None:
                    rule.pop(k, None)
                else:
                    rule[k] = v
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(rules_dir, settings, requirements=None) -> list[str]:
    with pytest.raises(RulebookError) as info:
        load_rulebook(settings, rules_dir=rules_dir, requirements=requirements)
    return info.value.problems


def test_a_quote_no_longer_in_the_corpus_is_an_error_naming_the_rule(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "local_meetings.yaml", "luton-adm-ratification",
          quote="The Agency Decision Maker will ratify the plan within 3 months of the second review.")
    problems = _problems(rules, rules_settings)
    assert len(problems) == 1
    assert "local_meetings.yaml" in problems[0] and "'luton-adm-ratification'" in problems[0]
    assert "quote not found in 'luton'" in problems[0]


def test_a_missing_see_also_passage_is_named_too(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "statute.yaml", "relative-definition",
          see_also=[{"document_id": "bolton", "quote": "Definition of Distant Relative in relation to a child"}])
    problems = _problems(rules, rules_settings)
    assert any("'relative-definition'" in p and "see_also:0" in p for p in problems)


@pytest.mark.parametrize(
    ("file", "rule_id", "changes", "expected"),
    [
        ("statute.yaml", "statutory-reviews", {"legal_reference": None}, "needs legal_reference"),
        ("review_timescales.yaml", "luton-permanence-plan", {"family": "no-such-family"}, "unknown document family 'no-such-family'"),
        ("review_timescales.yaml", "luton-permanence-plan", {"authority": "Bolton Council"}, "belongs to 'Luton Council'"),
        ("review_timescales.yaml", "luton-permanence-plan", {"authority": "Narnia"}, "unknown authority 'Narnia'"),
        ("review_timescales.yaml", "luton-permanence-plan", {"quote": None}, "needs family and the verbatim quote"),
        ("statute.yaml", "statutory-reviews", {"periods": {"first_review": {"amount": 20, "unit": "fortnights"}}},
         "periods.first_review.unit"),
        ("statute.yaml", "statutory-reviews", {"surprise": "field"}, "surprise"),
    ],
)
def test_invalid_rules_are_named(tmp_path, rules_settings, file, rule_id, changes, expected):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / file, rule_id, **changes)
    problems = _problems(rules, rules_settings)
    assert any(f"'{rule_id}'" in p and expected in p and file in p for p in problems), problems


def test_engine_requirements_are_checked(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "statute.yaml", "statutory-reviews", periods={"first_review": {"amount": 20, "unit": "working_days"}})
    problems = _problems(rules, rules_settings)
    assert any("'statutory-reviews'" in p and "missing period 'second_review'" in p for p in problems)
    needs_more = {**ENGINE_REQUIREMENTS, "luton-permanence-plan": RuleRequirement(periods=frozenset({"weeks"}))}
    problems = _problems(_copy_rules(tmp_path / "again", rules_settings), rules_settings, needs_more)
    assert problems == [f"review_timescales.yaml: rule 'luton-permanence-plan': missing period 'weeks' that the engine reads"]
    missing = {**ENGINE_REQUIREMENTS, "no-such-rule": RuleRequirement()}
    problems = _problems(_copy_rules(tmp_path / "third", rules_settings), rules_settings, missing)
    assert len(problems) == 1 and "rule 'no-such-rule': required by the engine" in problems[0]


def test_duplicate_ids_and_unreadable_files(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    shutil.copy(rules / "statute.yaml", rules / "statute_copy.yaml")
    (rules / "broken.yaml").write_text("rules: [this: is: not yaml", encoding="utf-8")
    problems = _problems(rules, rules_settings)
    assert any("broken.yaml: cannot read" in p for p in problems)
    assert any("duplicate rule id" in p and "statute_copy.yaml" in p for p in problems)


def test_every_problem_is_reported_at_once(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "local_meetings.yaml", "luton-adm-ratification", quote="Not in the corpus at all, anywhere.")
    _edit(rules / "review_timescales.yaml", "wiltshire-assessments", quote="Nor is this sentence in any document.")
    problems = _problems(rules, rules_settings)
    assert sum("quote not found" in p for p in problems) == 2


def test_locate_quote_tolerates_only_normalisation_differences():
    text = "The child\u2019s plan\u00a0is  reviewed\nat the second review."
    assert locate_quote(text, "The child's plan is reviewed at the second review.") == (0, len(text))
    assert locate_quote(text, "The child's plan is reviewed at the third review.") is None
    assert locate_quote(text, "   ") is None


def test_citation_list_numbers_in_first_use_order_without_repeats(book):
    cl = CitationList()
    a = book.passage("luton-adm-ratification")
    b = book.passage("wiltshire-assessments")
    assert [cl.add(a), cl.add(b), cl.add(a)] == [1, 2, 1]
    assert [c.n for c in cl.citations] == [1, 2]
    assert cl.citations[0].document_id == "luton" and cl.citations[0].authority == "Luton Council"


@pytest.mark.parametrize(
    ("rule_id", "changes", "expected"),
    [
        # a rule no evaluator computes would load and never answer: refused, naming the rule
        ("luton-adm-ratification", {"timescale": None}, "no evaluator computes this rule"),
        ("luton-adm-ratification", {"timescale": {"topic": "local_decision", "dates": [
            {"key": "x", "label": "X", "anchor": "review_2", "period": "after_third_review"}]}},
         "timescale.dates[0].period: 'after_third_review' is not one of the rule's periods"),
        ("luton-adm-ratification", {"timescale": {"topic": "local_decision", "dates": [
            {"key": "x", "label": "X", "anchor": "adoption_order", "period": "after_second_review"}]}},
         "timescale.dates[0].anchor: 'adoption_order'"),
        ("luton-adm-ratification", {"timescale": {"topic": "local_decision", "dates": [
            {"key": "x", "label": "X within 2 months", "anchor": "review_2", "period": "after_second_review"}]}},
         "states a number"),
        ("luton-adm-ratification", {"timescale": {"topic": "local_decision", "dates": [
            {"key": "x", "label": "X", "anchor": "review_2", "relation": "by"}]}},
         "relation 'by' needs a period"),
        ("luton-adm-ratification", {"timescale": {"topic": "local_decision"}}, "give dates, or no_fixed_timescale"),
    ],
)
def test_timescales_no_evaluator_can_compute_are_start_up_errors(tmp_path, rules_settings, rule_id, changes, expected):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "local_meetings.yaml", rule_id, **changes)
    problems = _problems(rules, rules_settings)
    assert any("local_meetings.yaml" in p and f"'{rule_id}'" in p and expected in p for p in problems), problems


def test_statutory_passages_follow_the_lineage_and_never_cite_a_superseded_line(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "statute.yaml", "statutory-reviews", see_also=[
        {"document_id": "wigan-2021-2025", "quote": "The parents of the child may not become the child's special guardians."},
        {"document_id": "wigan-2021-2025", "quote": "The Care Planning, Placement and Case Review (England) Regulations 2010"}])
    book = load_rulebook(rules_settings, rules_dir=rules)
    cited = book.passages_of("statutory-reviews")
    # the first is in the current strategy too and moves there; the second is not, so it is dropped
    assert [p.document_id for p in cited] == ["wigan-2026-2028"]
    assert all(p.status == "current" for p in cited)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"applicants": None}, "no evaluator computes this rule"),
        ({"applicants": {"order": "sgo", "routes": [{"route": "guardian", "label": "G", "passage": "guardians"}]}},
         "applicants.routes[0].passage: 'guardians' is not one of the rule's passages"),
        ({"applicants": {"order": "sgo", "routes": [{"route": "lived_with_years", "label": "L", "passage": "guardian",
                                                     "period": "three_years"}]}},
         "applicants.routes[0].window_begin: route 'lived_with_years' needs it"),
        ({"applicants": {"order": "sgo", "routes": [{"route": "la_consent", "label": "L", "passage": "guardian"}]}},
         "applicants.routes[0].condition"),
        ({"applicants": {"order": "sgo", "routes": [{"route": "telepathy", "label": "T", "passage": "guardian"}]}},
         "applicants.routes.0.route"),
    ],
)
def test_applicant_lists_no_evaluator_can_compute_are_start_up_errors(tmp_path, rules_settings, changes, expected):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "eligibility.yaml", "wigan-2026-sgo-applicants", **changes)
    problems = _problems(rules, rules_settings)
    assert any("eligibility.yaml" in p and "'wigan-2026-sgo-applicants'" in p and expected in p for p in problems), problems


def test_timescales_counting_from_each_other_in_a_circle_are_refused(tmp_path, rules_settings):
    rules = _copy_rules(tmp_path, rules_settings)
    # Bolton's meeting counts from Bolton's review; make the review count from the meeting
    _edit(rules / "review_timescales.yaml", "bolton-second-review-13-weeks", timescale={
        "topic": "second_review", "dates": [{"key": "bolton_second_review", "label": "Second review",
                                             "anchor": "bolton_ppm", "period": "second_review"}]})
    problems = _problems(rules, rules_settings)
    circular = [p for p in problems if "lead back to its own dates" in p]
    assert len(circular) == 2 and any("'bolton-permanence-planning-meeting'" in p for p in circular)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"definition": None}, "no evaluator computes this rule"),
        ({"definition": {"of": "private_fostering", "period": "length", "threshold": "over"}},
         "definition.period: 'length' is not one of the rule's periods"),
        ({"definition": {"of": "adoption", "period": "duration", "threshold": "over"}}, "definition.of"),
    ],
)
def test_a_councils_wording_of_a_definition_is_checked(tmp_path, rules_settings, changes, expected):
    rules = _copy_rules(tmp_path, rules_settings)
    _edit(rules / "eligibility.yaml", "bolton-private-fostering", **changes)
    problems = _problems(rules, rules_settings)
    assert any("'bolton-private-fostering'" in p and expected in p for p in problems), problems
