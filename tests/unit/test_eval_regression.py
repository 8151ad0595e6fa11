"""Regression view, stale-gold detection, thresholds and exit codes (no index needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.gold import GoldItem
from assistant.evaluation.regression import (
    compare_runs,
    context_changes,
    edited_items,
    paragraph_around,
    passage_records,
    stale_items,
)
from assistant.evaluation.runner import EXIT_OK, EXIT_STALE, EXIT_THRESHOLD, EvalRun, check_thresholds, parse_fail_under

pytestmark = pytest.mark.unit

OLD_TEXT = ("Early planning\n\nA child's permanence plan should be established at the four-month review. "
            "It is recorded in the review decisions.\n\nFamily Time\n\nFamily Time must always be for the benefit of the child.")


def gold(iid: str, passage: str, doc: str = "wigan-2026-2028") -> GoldItem:
    return GoldItem.model_validate({"id": iid, "kind": "timescale", "question": "q?", "key_facts": ["x"],
                                    "gold_passages": [{"document_id": doc, "text": passage}]})


ITEMS = [
    gold("plan-01", "A child's permanence plan should be established at the four-month review."),
    gold("time-01", "Family Time must always be for the benefit of the child."),
    gold("recorded-01", "It is recorded in the review decisions."),
]


def test_paragraph_around_is_the_blank_line_delimited_block():
    start = OLD_TEXT.index("It is recorded")
    para = paragraph_around(OLD_TEXT, start, start + 5)
    assert para.startswith("A child's permanence plan") and para.endswith("review decisions.")


def test_only_a_passage_that_is_no_longer_verbatim_makes_an_item_stale():
    before = passage_records(ITEMS, {"wigan-2026-2028": OLD_TEXT})
    assert stale_items(before) == []
    # a policy update changes the timescale: plan-01's passage disappears, and recorded-01's
    # passage is still there but the paragraph around it changed; time-01 is untouched
    new_text = OLD_TEXT.replace("four-month review", "six-month review")
    now = passage_records(ITEMS, {"wigan-2026-2028": new_text})
    alone = {s.item_id: s.reasons for s in stale_items(now)}
    assert set(alone) == {"plan-01"} and alone["plan-01"][0].startswith("disappeared")
    # recorded-01's passage is verbatim: nothing changed for it (an answer that needed the
    # edited sentence and now fails must show as a regression), only a note
    assert {s.item_id for s in stale_items(now, before)} == {"plan-01"}
    assert set(context_changes(now, before)) == {"recorded-01"}


def test_an_edited_gold_item_and_a_missing_document_are_told_apart():
    before = passage_records(ITEMS, {"wigan-2026-2028": OLD_TEXT})
    edited = [gold("time-01", "Family Time must always be for the benefit of the child")]  # text changed
    now = passage_records(edited, {"wigan-2026-2028": OLD_TEXT})
    assert stale_items(now) == [] and edited_items(now, before) == ["time-01"]
    gone = passage_records(ITEMS[:1], {})
    assert stale_items(gone)[0].reasons[0].startswith("disappeared")


def _run(passed: dict[str, bool | None], summary: dict, records=None) -> dict:
    return {
        "gold_passages": records or {},
        "engines": {"assistant": {"summary": summary, "items": [{"id": k, "scores": {"passed": v}} for k, v in passed.items()]}},
    }


def test_compare_runs_separates_genuine_regressions_from_stale_gold():
    before_records = passage_records(ITEMS, {"wigan-2026-2028": OLD_TEXT})
    now_records = passage_records(ITEMS, {"wigan-2026-2028": OLD_TEXT.replace("four-month", "six-month")})
    prev = _run({"plan-01": True, "time-01": True, "recorded-01": False, "gone-01": True},
                {"hit_at_5": 0.9, "unsupported_rate": 0.02, "items": 4}, before_records)
    cur = _run({"plan-01": False, "time-01": False, "recorded-01": True, "new-01": None},
               {"hit_at_5": 0.8, "unsupported_rate": 0.01, "items": 4}, now_records)
    reg = compare_runs(cur, prev, "runs/before")
    d = reg.engines[0]
    assert d.pass_to_fail == ["time-01"]  # a genuine regression
    assert d.stale_pass_to_fail == ["plan-01"]  # failing because its passage changed
    assert d.fail_to_pass == ["recorded-01"]
    assert d.new_items == ["new-01"] and d.removed_items == ["gone-01"]
    assert d.deltas["hit_at_5"]["worse"] is True and d.deltas["hit_at_5"]["delta"] == pytest.approx(-0.1)
    assert d.deltas["unsupported_rate"]["worse"] is False  # lower is better
    assert "items" not in d.deltas
    assert {s.item_id for s in reg.stale} == {"plan-01"}
    assert reg.regressions == 1 and reg.regressions_of("assistant") == ["time-01"]
    assert d.details["time-01"]["before"]["answer"] is None  # the rows carry no answer here


def test_thresholds_min_max_overrides_and_missing_metric():
    summaries = {"assistant": {"hit_at_5": 0.9, "false_refusal_rate": 0.1, "mrr": None}, "bm25": {"hit_at_5": 0.5}}
    cfg = {"engine": "assistant", "min": {"hit_at_5": 0.85, "mrr": 0.5}, "max": {"false_refusal_rate": 0.2}}
    res = {t.metric: t for t in check_thresholds(summaries, cfg, {}, "assistant")}
    assert res["hit_at_5"].ok and res["false_refusal_rate"].ok
    assert not res["mrr"].ok  # a metric that could not be computed does not pass
    res = {t.metric: t for t in check_thresholds(summaries, cfg, {"hit_at_5": 0.95, "false_refusal_rate": 0.05}, "assistant")}
    assert not res["hit_at_5"].ok and res["hit_at_5"].threshold == 0.95
    assert not res["false_refusal_rate"].ok and res["false_refusal_rate"].direction == "max"


def test_parse_fail_under_rejects_malformed_entries():
    assert parse_fail_under(["hit_at_5=0.9", " mrr = 0.5"]) == {"hit_at_5": 0.9, "mrr": 0.5}
    with pytest.raises(ValueError, match="METRIC=VALUE"):
        parse_fail_under(["hit_at_5"])
    with pytest.raises(ValueError, match="not a number"):
        parse_fail_under(["hit_at_5=high"])


def test_exit_codes():
    from assistant.evaluation.runner import ThresholdResult

    ok = ThresholdResult("hit_at_5", "assistant", 0.8, 0.9, True, "min")
    bad = ThresholdResult("hit_at_5", "assistant", 0.95, 0.9, False, "min")
    assert EvalRun(Path("."), {"stale": []}, [ok]).exit_code == EXIT_OK
    assert EvalRun(Path("."), {"stale": [{"id": "x"}]}, [ok]).exit_code == EXIT_STALE
    assert EvalRun(Path("."), {"stale": [{"id": "x"}]}, [bad]).exit_code == EXIT_THRESHOLD
    assert EvalRun(Path("."), {"stale": []}, [ok]).verdict.startswith("VERDICT: OK (exit 0)")
    assert EvalRun(Path("."), {"stale": [{"id": "x"}]}, [ok]).verdict.startswith("VERDICT: STALE GOLD ONLY (exit 3)")
    assert EvalRun(Path("."), {"stale": []}, [bad]).verdict == "VERDICT: BELOW THRESHOLD (exit 1): hit_at_5 0.9 (min 0.95)"
    # a genuine regression against the baseline exits 1 even with every threshold met
    from assistant.evaluation.regression import EngineDiff, Regression

    reg = Regression("base", [EngineDiff("assistant", pass_to_fail=["y"])], [])
    run = EvalRun(Path("."), {"stale": [{"id": "x"}], "primary_engine": "assistant"}, [ok], reg)
    assert run.exit_code == EXIT_THRESHOLD and run.verdict.startswith("VERDICT: REGRESSION (exit 1): 1 genuine regression")


def test_thresholds_on_metrics_the_selected_kinds_cannot_produce_are_not_applicable():
    from assistant.evaluation.runner import applicable_metrics

    refusal_only = [GoldItem.model_validate({"id": "h-01", "kind": "hostile", "question": "write a poem", "must_refuse": True})]
    app = applicable_metrics(refusal_only)
    assert "refusal_accuracy" in app and "rule_exact" not in app and "hit_at_5" not in app
    cfg = {"min": {"rule_exact": 0.95, "refusal_accuracy": 0.9}}
    res = {t.metric: t for t in check_thresholds({"assistant": {"refusal_accuracy": 0.5}}, cfg, {}, "assistant", app)}
    assert res["rule_exact"].ok and not res["rule_exact"].applicable
    assert not res["refusal_accuracy"].ok  # applicable and below: still fails
    # an applicable metric that the engine failed to produce fails
    res = check_thresholds({"assistant": {}}, {"min": {"hit_at_5": 0.5}}, {}, "assistant", applicable_metrics(ITEMS))
    assert not res[0].ok


def test_each_split_is_gated_by_its_own_block():
    from assistant.evaluation.runner import check_split_thresholds

    dev = next(i for i in ITEMS if not i.must_refuse).model_copy(update={"split": "dev"})
    test = dev.model_copy(update={"id": "t-x", "split": "test"})
    engines = {"assistant": {"by_split": {"dev": {"pass_rate": 0.9}, "test": {"pass_rate": 0.5}}}}
    cfg = {"dev": {"min": {"pass_rate": 0.8}}, "test": {"min": {"pass_rate": 0.6}}}
    res = {(t.split, t.metric): t for t in check_split_thresholds(engines, cfg, {}, "assistant", [dev, test])}
    assert res[("dev", "pass_rate")].ok and not res[("test", "pass_rate")].ok
    # legacy files: top-level min/max gate the dev split only
    res = check_split_thresholds(engines, {"min": {"pass_rate": 0.8}}, {}, "assistant", [dev, test])
    assert [(t.split, t.ok) for t in res] == [("dev", True)]
