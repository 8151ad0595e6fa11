"""`permanence gold fix-stale`: edits land in the real gold file format, nothing else moves."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.evaluation.gold import load_gold
from assistant.evaluation.gold_fixes import FixStaleError, fix_stale
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.unit

OLD = ("There is an expectation that a child's case is considered at a Permanency Planning Meeting within 4 weeks "
       "of them entering Local Authority Care and then reviewed at 4 weekly intervals (unless otherwise required by "
       "care plan for the child and court timescale) until such time as the child's permanent placement is secured.")
NEW = OLD.replace("within 4 weeks", "within 6 weeks")


def _run(tmp_path, action="replace", source="luton.yaml"):
    rec = {"named_document": "luton", "document_id": "luton-v57", "text": OLD, "found": False, "status": "changed",
           "suggestion": {"action": action, "document_id": "luton-v57", "text": NEW, "similarity": 0.99,
                          "key_facts": [{"old": "within 4 weeks", "new": "within 6 weeks"}], "why": "x"}}
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"stale": [{"id": "luton-ppm-01", "source": source, "passages": [rec]}]}))
    return run


def test_fix_stale_edits_the_real_file_format_line_by_line(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(REPO_ROOT / "eval" / "gold" / "luton.yaml", gold / "luton.yaml")
    before = (gold / "luton.yaml").read_text(encoding="utf-8").splitlines()
    report = fix_stale(_run(tmp_path), gold)
    assert report.ok and report.edited == {"luton.yaml": ["luton-ppm-01"]}
    after = (gold / "luton.yaml").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(after) == len(before) and len(changed) == 3  # key facts, document id, text; comments kept
    assert changed[0][1] == "  key_facts: ['within 6 weeks', '4 weekly']"
    assert changed[1][1] == "    - document_id: luton-v57"
    item = {it.id: it for it in load_gold(gold)}["luton-ppm-01"]
    assert item.gold_passages[0].text == NEW and item.key_facts == ["within 6 weeks", "4 weekly"]


def test_review_suggestions_and_bad_runs_are_named_not_written(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    shutil.copy(REPO_ROOT / "eval" / "gold" / "luton.yaml", gold / "luton.yaml")
    original = (gold / "luton.yaml").read_text(encoding="utf-8")
    report = fix_stale(_run(tmp_path, action="review"), gold)
    assert not report.ok and report.by_hand[0][0] == "luton-ppm-01" and not report.edited
    assert (gold / "luton.yaml").read_text(encoding="utf-8") == original
    with pytest.raises(FixStaleError, match="cannot read the run"):
        fix_stale(tmp_path / "nope", gold)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "run.json").write_text("[]")
    with pytest.raises(FixStaleError, match="not an evaluation run"):
        fix_stale(tmp_path / "bad", gold)
    escape = tmp_path / "esc"
    escape.mkdir()
    (escape / "run.json").write_text(json.dumps({"stale": [{"id": "x", "source": "../../etc/passwd", "passages": []}]}))
    assert "not found under" in fix_stale(escape, gold).by_hand[0][1]
