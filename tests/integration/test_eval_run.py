"""The evaluation over the real index: a run folder with report, baselines, thresholds, CLI,
and the policy-update workflow (new version of a policy -> ingest -> eval --baseline: stale
gold named apart from regressions).

Runs a small subset of the real gold set (picked by id) so the suite stays lean; the whole
gold set is run by `permanence eval` (timed in the README).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.evaluation.gold import load_gold
from assistant.evaluation.runner import EXIT_STALE, EXIT_THRESHOLD, run_eval
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration

GOLD = REPO_ROOT / "eval" / "gold"
SUBSET = [
    "wig26-tracker-01",  # its passage is the one the policy update below changes
    "wig26-fig-cla-01",
    "wig26-sgo-who-01",
    "bolton-review2-01",
    "luton-ppm-01",
    "wilts-reg24-01",
    "cmp-review2-01",
    "fu-plan-bolton-01",
    "refuse-legal-fees-01",
    "hostile-ignore-01",
    "rule-review-01",
    "rule-sgo-fc-notyet-01",
]
OLD_SENTENCE = "including 8 weekly Permanence Tracker meetings"
NEW_SENTENCE = "including 12 weekly Permanence Tracker meetings"


def _subset_gold(dest: Path, ids: list[str]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    wanted = set(ids)
    items = [it for it in load_gold(GOLD) if it.id in wanted]
    assert {it.id for it in items} == wanted
    rows = [it.model_dump(exclude_none=True, exclude={"source"}, mode="json") for it in items]
    (dest / "subset.yaml").write_text(yaml.safe_dump(rows, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def subset_settings(index_settings, tmp_path_factory):
    gold = _subset_gold(tmp_path_factory.mktemp("gold"), SUBSET)
    return index_settings.model_copy(update={"gold_dir": gold})


@pytest.fixture(scope="module")
def full_run(subset_settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return run_eval(subset_settings, engines=["assistant", "llamaindex", "bm25"], output=out, progress=False,
                    thresholds_path=None)


def test_run_folder_has_every_item_answer_and_scores(full_run):
    data = json.loads((full_run.path / "run.json").read_text(encoding="utf-8"))
    assert set(data["engines"]) == {"assistant", "llamaindex", "bm25"}
    for name, eng in data["engines"].items():
        assert sorted(r["id"] for r in eng["items"]) == sorted(SUBSET)
        for m in ("hit_at_5", "mrr", "ndcg_at_10"):
            v = eng["summary"][m]
            assert v is not None and 0.0 <= v <= 1.0
        assert set(eng["by_document"]) >= {"wigan-2026-2028", "bolton", "luton", "wiltshire"}
    a = data["engines"]["assistant"]
    assert a["answers"] and not data["engines"]["bm25"]["answers"]
    by_id = {r["id"]: r for r in a["items"]}
    assert by_id["wig26-fig-cla-01"]["answer"] and by_id["wig26-fig-cla-01"]["citations"]
    assert by_id["refuse-legal-fees-01"]["scores"]["refusal_correct"] in (0.0, 1.0)
    # the rules engine was called with the gold facts and matched exactly
    assert by_id["rule-review-01"]["scores"]["rule_exact"] == 1.0
    assert a["summary"]["latency_p50_ms"] is not None
    assert data["engines"]["llamaindex"]["chunks"] > 10  # default 1,024-token chunking over the corpus
    assert data["stale"] == []


def test_assistant_retrieval_is_ahead_of_the_baselines_on_this_subset(full_run):
    s = {k: v["summary"] for k, v in full_run.data["engines"].items()}
    assert s["assistant"]["hit_at_5"] >= s["llamaindex"]["hit_at_5"]
    assert s["assistant"]["mrr"] >= s["bm25"]["mrr"] - 0.1


def test_reports_are_self_contained_and_readable(full_run):
    html = (full_run.path / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 3
    assert "http://" not in html and "https://" not in html
    assert "<table>" in html and "Stale gold" in html
    md = (full_run.path / "summary.md").read_text(encoding="utf-8")
    for heading in ("## Headline", "## Thresholds", "per document", "per kind", "failing items"):
        assert heading in md


def test_thresholds_gate_the_exit_code(subset_settings, tmp_path):
    run = run_eval(subset_settings, engines=["bm25"], kinds=["timescale", "figures"], output=tmp_path / "r",
                   progress=False, thresholds_path=None, fail_under={"hit_at_5": 1.01})
    assert run.exit_code == EXIT_THRESHOLD
    assert [t.metric for t in run.threshold_failures] == ["hit_at_5"]
    ok = run_eval(subset_settings, engines=["bm25"], kinds=["timescale", "figures"], output=tmp_path / "r2",
                  progress=False, thresholds_path=None, fail_under={"hit_at_5": 0.0})
    assert ok.exit_code == 0


def test_cli_eval_and_diff_versions(subset_settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.settings import get_settings

    monkeypatch.setenv("PERMANENCE_DATA_DIR", str(subset_settings.data_dir))
    monkeypatch.setenv("PERMANENCE_GOLD_DIR", str(subset_settings.gold_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        res = runner.invoke(app, ["eval", "--engine", "bm25", "--kinds", "figures,timescale", "-q",
                                  "--output", str(tmp_path / "cli"), "--fail-under", "hit_at_5=1.01"])
        assert isinstance(res.exception, SystemExit), res.exception  # exited on purpose, not crashed
        assert res.exit_code == 1, res.output
        assert "bm25" in res.output and "below threshold" in res.output
        assert (tmp_path / "cli" / "report.html").exists()
        res = runner.invoke(app, ["eval", "--fail-under", "hit_at_5"])
        assert res.exit_code == 2
        res = runner.invoke(app, ["eval", "--baseline", str(tmp_path / "nope")])
        assert res.exit_code == 2 and "baseline run not found" in res.output
        res = runner.invoke(app, ["diff-versions", "wigan-2021-2025", "wigan-2026-2028", "--no-diff"])
        assert res.exit_code == 0, res.output
        assert "removed" in res.output and "What permanence looks like in Wigan" in res.output
        res = runner.invoke(app, ["diff-versions", "wigan-2021-2025", "no-such-doc"])
        assert res.exit_code == 2 and "no-such-doc" in res.output
    finally:
        get_settings.cache_clear()


def test_policy_update_workflow_names_stale_gold_apart_from_regressions(index_settings, tmp_path):
    """A new version of Wigan 2026-2028 with one timescale changed: ingest, eval --baseline."""
    from ingest.pipeline import IngestPipeline

    from assistant.evaluation.version_diff import diff_versions

    corpus = tmp_path / "corpus"
    shutil.copytree(index_settings.resolve(index_settings.corpus_dir), corpus)
    data = tmp_path / "data"
    shutil.copytree(index_settings.resolve(index_settings.data_dir), data)  # start from the built index
    gold = _subset_gold(tmp_path / "gold", ["wig26-tracker-01", "wig26-fig-cla-01", "bolton-review2-01",
                                             "refuse-legal-fees-01"])
    before = index_settings.model_copy(update={"corpus_dir": corpus, "data_dir": data, "gold_dir": gold})
    run_a = run_eval(before, engines=["assistant"], output=tmp_path / "run-a", progress=False, thresholds_path=None)
    assert run_a.stale == []
    assert {r["id"]: r["scores"]["passed"] for r in run_a.data["engines"]["assistant"]["items"]}["wig26-tracker-01"] is True

    # the policy update: the council moves tracker meetings from 8-weekly to 12-weekly
    doc = corpus / "wigan-permanence-strategy-2026-2028.txt"
    old_copy = tmp_path / "wigan-2026-2028-before.txt"
    shutil.copy(doc, old_copy)
    text = doc.read_text(encoding="utf-8")
    assert text.count(OLD_SENTENCE) == 1
    doc.write_text(text.replace(OLD_SENTENCE, NEW_SENTENCE), encoding="utf-8")

    after = before.model_copy()  # a fresh settings object: fresh services over the updated index
    report = IngestPipeline(after).run(progress=False)
    assert report.ok
    statuses = {r.document_id: r.status for r in report.results}
    assert statuses["wigan-2026-2028"] != "unchanged"
    assert statuses["bolton"] == "unchanged"  # incremental: only the changed document re-embedded

    run_b = run_eval(after, engines=["assistant"], output=tmp_path / "run-b", baseline=tmp_path / "run-a",
                     progress=False, thresholds_path=None)
    stale = {s["id"]: s["reasons"] for s in run_b.stale}
    assert set(stale) == {"wig26-tracker-01"}
    assert stale["wig26-tracker-01"][0].startswith("changed: wigan-2026-2028")
    assert run_b.exit_code == EXIT_STALE
    diff = next(e for e in run_b.data["regression"]["engines"] if e["engine"] == "assistant")
    assert "wig26-tracker-01" not in diff["pass_to_fail"]  # not blamed on the assistant
    assert diff["stale_pass_to_fail"] == ["wig26-tracker-01"]
    # stale items are listed, not scored
    assert run_b.data["engines"]["assistant"]["summary"]["items"] == 3
    md = (run_b.path / "summary.md").read_text(encoding="utf-8")
    stale_section = md.split("## 2. Stale gold", 1)[1].split("##", 1)[0]
    assert "wig26-tracker-01" in stale_section
    assert "pass → fail because the gold went stale: wig26-tracker-01" in md
    assert "pass → fail (genuine regressions): none" in md

    # and diff-versions shows what changed, in its section
    d = diff_versions(after, str(old_copy), str(doc))
    changed = [c for c in d.changed if "12 weekly" in c.diff]
    assert len(changed) == 1 and "8 weekly" in changed[0].diff
    assert not d.added and not d.removed
