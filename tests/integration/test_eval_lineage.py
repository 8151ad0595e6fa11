"""The QA lead's policy-update loop, end to end on a temporary corpus (issue 14).

1. Luton publishes v57 of its permanence guidance, identical but for "within 4 weeks" ->
   "within 6 weeks", added to the manifest as a new version that supersedes v56; ingest;
   `permanence eval --baseline <run before>`: exactly the gold items that quote the changed
   passage are stale gold (with the new text as the suggested edit), nothing is a regression,
   the unchanged Luton items pass against luton-v57, and the run exits 3.
2. Luton edits its guidance in place and drops the two "family finding" bullets, which an
   answer needs (a key fact) but no gold passage names: that is a genuine regression, shown
   with the answer before and after, and the run exits 1.
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
LUTON_FILE = "luton-permanence-planning-guidance.txt"
V57_FILE = "luton-permanence-planning-guidance-v57.txt"
OLD = "within 4 weeks of them entering Local Authority Care"
NEW = "within 6 weeks of them entering Local Authority Care"
SUBSET = [
    "luton-ppm-01",
    "luton-ppm-chair-01",
    "luton-ppm-considers-01",
    "luton-tracking-01",
    "luton-def-01",
    "bolton-review2-01",
    "refuse-legal-fees-01",
]


def _thresholds(root: Path) -> Path:
    """The subset's own gate: eval/thresholds.yaml is set for the whole gold set (its MRR bar
    is not met by these 8 items even before the update), so the subset keeps hit@5 and false
    refusals, which it meets."""
    path = root / "thresholds.yaml"
    path.write_text("engine: assistant\nmin:\n  hit_at_5: 0.8\nmax:\n  false_refusal_rate: 0.1\n", encoding="utf-8")
    return path


def _subset_gold(dest: Path, ids: list[str]) -> Path:
    """The chosen real gold items, written as the QA lead's gold folder (one file per source)."""
    dest.mkdir(parents=True, exist_ok=True)
    items = [it for it in load_gold(GOLD) if it.id in set(ids)]
    assert {it.id for it in items} == set(ids)
    by_file: dict[str, list] = {}
    for it in items:
        by_file.setdefault(it.source, []).append(it.model_dump(exclude_none=True, exclude={"source"}, mode="json"))
    for name, rows in by_file.items():
        (dest / name).write_text(yaml.safe_dump(rows, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    return dest


def _cross_item_id() -> str:
    """The comparison item that quotes the same Luton sentence (its id is not hard-coded twice)."""
    for it in load_gold(GOLD):
        if it.kind == "comparison" and any(OLD in gp.text for gp in it.gold_passages):
            return it.id
    raise AssertionError("no comparison item quotes the Luton PPM sentence")


@pytest.fixture(scope="module")
def workspace(index_settings, tmp_path_factory):
    """Corpus, index and gold copied to a temp folder, and the baseline run over them."""
    root = tmp_path_factory.mktemp("qa-loop")
    corpus = root / "corpus"
    shutil.copytree(index_settings.resolve(index_settings.corpus_dir), corpus)
    data = root / "data"
    shutil.copytree(index_settings.resolve(index_settings.data_dir), data)
    cross = _cross_item_id()
    gold = _subset_gold(root / "gold", SUBSET + [cross])
    settings = index_settings.model_copy(update={"corpus_dir": corpus, "data_dir": data, "gold_dir": gold})
    base = run_eval(settings, engines=["assistant"], output=root / "run-before", progress=False, thresholds_path=None)
    passed = {r["id"]: r["scores"]["passed"] for r in base.data["engines"]["assistant"]["items"]}
    assert base.stale == [] and base.exit_code == 0, base.verdict
    for iid in ("luton-ppm-considers-01", "luton-tracking-01"):  # luton-ppm-01 fails today (engine)
        assert passed[iid] is True, (iid, base.data["engines"]["assistant"]["items"])
    return root, settings, base, cross


def _clone(workspace, name: str):
    """A fresh copy of the baseline corpus, index and gold, for one scenario."""
    root, settings, _, _ = workspace
    dest = root / name
    for part in ("corpus", "data", "gold"):
        shutil.copytree(root / part, dest / part)
    return settings.model_copy(update={"corpus_dir": dest / "corpus", "data_dir": dest / "data", "gold_dir": dest / "gold"})


def _ingest(settings) -> dict[str, str]:
    from ingest.pipeline import IngestPipeline

    report = IngestPipeline(settings).run(progress=False)
    assert report.ok, report.failed
    return {r.document_id: r.status for r in report.results}


def test_a_new_version_that_changes_one_sentence_is_stale_gold_not_a_regression(workspace, monkeypatch):
    root, _, base, cross = workspace
    settings = _clone(workspace, "v57")
    corpus = settings.resolve(settings.corpus_dir)
    # the README's update steps: copy the guidance, change 4 -> 6 weeks, add it as a new version
    text = (corpus / LUTON_FILE).read_text(encoding="utf-8")
    assert text.count(OLD) == 1
    (corpus / V57_FILE).write_text(text.replace(OLD, NEW), encoding="utf-8")
    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text(encoding="utf-8"))
    old_entry = next(d for d in manifest["documents"] if d["id"] == "luton")
    old_entry["status"] = "superseded"
    manifest["documents"].append({**old_entry, "id": "luton-v57", "file": V57_FILE, "version": "v57",
                                  "date": "2026-11-30", "status": "current", "supersedes": "luton"})
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    statuses = _ingest(settings)
    assert statuses["bolton"] == "unchanged" and statuses["luton-v57"] != "unchanged"

    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.settings import get_settings

    for key, value in (("CORPUS_DIR", settings.corpus_dir), ("DATA_DIR", settings.data_dir), ("GOLD_DIR", settings.gold_dir)):
        monkeypatch.setenv(f"PERMANENCE_{key}", str(value))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        res = runner.invoke(app, ["diff-versions", "luton", "luton-v57"])
        assert res.exit_code == 0, res.output
        assert "1 changed" in res.output and "+There is an expectation" in res.output and "within 6 weeks" in res.output
        out_dir = root / "run-v57"
        res = runner.invoke(app, ["eval", "--engine", "assistant", "-q", "--output", str(out_dir),
                                  "--baseline", str(base.path), "--thresholds", str(_thresholds(root))])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == EXIT_STALE, res.output
    first_line = res.output.splitlines()[0]
    assert first_line.startswith("VERDICT: STALE GOLD ONLY (exit 3): 2 stale gold items"), first_line

    data = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    # one stale item per gold item quoting the changed passage, nothing else
    assert sorted(s["id"] for s in data["stale"]) == sorted(["luton-ppm-01", cross])
    diff = next(e for e in data["regression"]["engines"] if e["engine"] == "assistant")
    assert diff["pass_to_fail"] == []
    assert data["exit_code"] == EXIT_STALE
    # the unchanged Luton items follow the new version and still pass, cited from luton-v57
    items = {r["id"]: r for r in data["engines"]["assistant"]["items"]}
    for iid in ("luton-ppm-considers-01", "luton-tracking-01"):
        assert items[iid]["scores"]["passed"] is True, items[iid]["scores"]
        assert {c["document_id"] for c in items[iid]["citations"]} == {"luton-v57"}
    recs = {r["named_document"] + "/" + r["status"] for r in data["gold_passages"]["luton-tracking-01"]}
    assert recs == {"luton/followed"}
    assert data["engines"]["assistant"]["by_document"]["luton-v57"]["hit_at_5"] == 1.0
    # the suggested gold edit: the new sentence, in luton-v57, and the key fact rewritten
    stale = next(s for s in data["stale"] if s["id"] == "luton-ppm-01")
    (passage,) = stale["passages"]
    sug = passage["suggestion"]
    assert passage["named_document"] == "luton" and passage["status"] == "changed"
    assert sug["action"] == "replace" and sug["document_id"] == "luton-v57"
    assert sug["text"] == passage["text"].replace("within 4 weeks", "within 6 weeks")
    assert {"old": "within 4 weeks", "new": "within 6 weeks"} in sug["key_facts"]
    assert "-There is an expectation" in sug["section_diff"] and "within 6 weeks" in sug["section_diff"]
    # the documents changed since the baseline, with their section diff
    (changed,) = data["changed_documents"]
    assert (changed["old"], changed["new"], changed["change"]) == ("luton", "luton-v57", "new version")
    assert len(changed["diff"]["changed"]) == 1 and not changed["diff"]["added"] and not changed["diff"]["removed"]
    # the reports open with the verdict and the three lists
    md = (out_dir / "summary.md").read_text(encoding="utf-8")
    assert md.splitlines()[0] == first_line
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]
    assert body.startswith('<p class="verdict stale" id="verdict">VERDICT: STALE GOLD ONLY (exit 3)')
    order = [body.index(h) for h in ("1. Regressions", "2. Stale gold", "3. Policies changed since the baseline", "<h1>Metrics</h1>")]
    assert order == sorted(order)
    assert "within 6 weeks of them entering" in body and "luton → luton-v57" in body

    # `permanence gold fix-stale RUN` writes the suggested edits; only those lines change
    gold_dir = settings.resolve(settings.gold_dir)
    before_files = {f.name: f.read_text(encoding="utf-8") for f in gold_dir.glob("*.yaml")}
    for key, value in (("CORPUS_DIR", settings.corpus_dir), ("DATA_DIR", settings.data_dir), ("GOLD_DIR", settings.gold_dir)):
        monkeypatch.setenv(f"PERMANENCE_{key}", str(value))
    get_settings.cache_clear()
    try:
        res = runner.invoke(app, ["gold", "fix-stale", str(out_dir)])
        assert res.exit_code == 0, res.output
        assert "edited 2 stale gold items" in res.output
        luton_yaml = (gold_dir / "luton.yaml").read_text(encoding="utf-8")
        changed_lines = [(a, b) for a, b in zip(before_files["luton.yaml"].splitlines(), luton_yaml.splitlines()) if a != b]
        assert len(luton_yaml.splitlines()) == len(before_files["luton.yaml"].splitlines())
        assert [b.strip() for _, b in changed_lines] == [
            "- 'within 6 weeks'", "- document_id: luton-v57", 'text: "' + sug["text"] + '"']
        fixed = {it.id: it for it in load_gold(gold_dir)}["luton-ppm-01"]
        assert fixed.gold_passages[0].document_id == "luton-v57" and "within 6 weeks" in fixed.gold_passages[0].text
        assert "within 6 weeks" in fixed.key_facts
        # and the next run is clean: the gold is current again, nothing regressed
        res = runner.invoke(app, ["eval", "--engine", "assistant", "-q", "--output", str(root / "run-fixed"),
                                  "--baseline", str(out_dir), "--thresholds", str(_thresholds(root))])
        assert res.exit_code == 0, res.output
        assert res.output.startswith("VERDICT: OK (exit 0)")
    finally:
        get_settings.cache_clear()


def test_a_removed_sentence_an_answer_needs_is_a_regression_and_exits_1(workspace):
    root, _, base, _ = workspace
    settings = _clone(workspace, "edited")
    doc = settings.resolve(settings.corpus_dir) / LUTON_FILE
    text = doc.read_text(encoding="utf-8")
    # the two "family finding" bullets: luton-ppm-considers-01 needs them (key fact), its gold
    # passages do not quote them
    cut = ["  • Considerations for family finding – location, religion, ethnicity etc.\n", "  • Plan for family finding.\n"]
    for line in cut:
        assert text.count(line) == 1
        text = text.replace(line, "")
    doc.write_text(text, encoding="utf-8")
    assert _ingest(settings)["luton"] != "unchanged"

    run = run_eval(settings, engines=["assistant"], output=root / "run-edited", baseline=base.path, progress=False,
                   thresholds_path=_thresholds(root))
    assert run.stale == []  # every gold passage is still verbatim
    assert run.threshold_failures == []  # exit 1 below comes from the regression alone
    assert run.regressions == ["luton-ppm-considers-01"]
    assert run.exit_code == EXIT_THRESHOLD
    assert run.verdict.startswith("VERDICT: REGRESSION (exit 1): 1 genuine regression (gold unchanged, now failing): "
                                  "luton-ppm-considers-01")
    diff = next(e for e in run.data["regression"]["engines"] if e["engine"] == "assistant")
    det = diff["details"]["luton-ppm-considers-01"]
    assert "family finding" in det["before"]["answer"] and "family finding" not in det["after"]["answer"]
    assert any("family finding" in r for r in det["after"]["reasons"])
    assert det["note"] and "paragraph" in det["note"]
    (changed,) = run.data["changed_documents"]
    assert changed["change"] == "edited in place" and "Plan for family finding" in changed["diff"]["changed"][0]["diff"]
    html = (run.path / "report.html").read_text(encoding="utf-8")
    assert '<table class=side>' in html and "luton-ppm-considers-01" in html.split("2. Stale gold")[0]
