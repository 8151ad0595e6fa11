"""`make test` gates on quality: the whole gold set through the assistant, thresholds enforced.

Only the assistant runs here (the baselines are compared in `permanence eval` and
eval/compare_retrieval.py); thresholds come from eval/thresholds.yaml, so raising a bar is a
one-line change reviewed with the figures that justify it.
"""

from __future__ import annotations

import pytest

from assistant.evaluation.runner import run_eval
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration


def test_whole_gold_set_meets_the_thresholds(index_settings, tmp_path):
    run = run_eval(index_settings, engines=["assistant"], output=tmp_path / "gate", progress=False,
                   thresholds_path=REPO_ROOT / "eval" / "thresholds.yaml")
    summary = run.data["engines"]["assistant"]["summary"]
    assert run.data["gold_items"] >= 130
    assert run.stale == [], "gold passages no longer in the corpus: " + ", ".join(s["id"] for s in run.stale)
    # both splits are gated: dev (tuned on) and test (held out, never tuned on)
    assert {t.split for t in run.thresholds if t.applicable} == {"dev", "test"}
    assert set(run.data["engines"]["assistant"]["by_split"]) == {"dev", "test"}
    failures = [f"{t.split} {t.metric}={t.value} ({t.direction} {t.threshold})" for t in run.threshold_failures]
    assert not failures, f"below threshold: {failures}; see {run.path / 'summary.md'}"
    # every item was answered without an engine error
    errors = [r["id"] for r in run.data["engines"]["assistant"]["items"] if r["error"]]
    assert not errors, f"engine errors on: {errors}"
    assert summary["items"] == run.data["gold_items"]
