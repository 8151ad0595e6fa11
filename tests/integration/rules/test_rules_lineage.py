"""Rules follow their document's lineage: Luton's PPM interval changes from 4 to 6 weeks in a new version.

A temporary corpus gets a new Luton version (the file and its manifest entry, the old
one marked superseded). First the rules are not updated: the PPM rule is stale, named
by /rules/status and /health with the old and the new passage, and the timeline and
the chat quote the new passage instead of computing with 4 weeks; Luton's unchanged
rules move to the new version silently. Then the rule gains the new version's values
(``versions:``) and computes 6 weeks, citing the new version.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.rules.chat import answer_rule_question
from assistant.rules.rulebook import clear_rulebook_cache, load_rulebook
from assistant.server.app import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.integration

OLD = "within 4 weeks of them entering Local Authority Care and then reviewed at 4 weekly intervals"
NEW = "within 6 weeks of them entering Local Authority Care and then reviewed at 6 weekly intervals"
PPM = "luton-permanency-planning-meeting"


def _new_luton_version(corpus: Path) -> None:
    old = corpus / "luton-permanence-planning-guidance.txt"
    text = old.read_text(encoding="utf-8")
    assert OLD in text
    (corpus / "luton-permanence-planning-guidance-v57.txt").write_text(text.replace(OLD, NEW), encoding="utf-8")
    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text(encoding="utf-8"))
    luton = next(d for d in manifest["documents"] if d["id"] == "luton")
    luton["status"] = "superseded"
    manifest["documents"].append({**luton, "id": "luton-v57", "file": "luton-permanence-planning-guidance-v57.txt",
                                  "version": "v57", "date": "2026-11-02", "status": "current", "supersedes": "luton"})
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")


@pytest.fixture()
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[3] / "policies_corpus", corpus)
    _new_luton_version(corpus)
    clear_rulebook_cache()
    from assistant.server.rules import rules_service

    rules_service._services.clear()
    yield Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    clear_rulebook_cache()
    rules_service._services.clear()


def _timeline(settings: Settings) -> dict:
    with TestClient(create_app(settings)) as client:
        r = client.post("/rules/timeline", json={"looked_after_from": "2026-03-02", "today": "2026-03-10",
                                                  "authority": "Luton"})
        assert r.status_code == 200, r.text
        status = client.get("/rules/status").json()
        health = client.get("/health").json()
    return {"timeline": r.json(), "status": status, "health": health}


def test_a_changed_passage_makes_the_rule_stale_and_it_quotes_the_new_one(settings):
    book = load_rulebook(settings)
    assert set(book.stale) == {PPM}
    stale = book.stale[PPM]
    assert OLD in stale.old.quote and stale.old.document_id == "luton"
    assert NEW in stale.new.quote and stale.new.document_id == "luton-v57"
    # Luton's other rules' passages are unchanged: they moved to the new version silently
    assert book.rule("luton-adm-ratification").document_id == "luton-v57"
    assert book.passage("luton-adm-ratification").document_id == "luton-v57"

    out = _timeline(settings)
    for report in (out["status"], out["health"]["rules"]):
        assert report["ok"] is False and [s["rule_id"] for s in report["stale"]] == [PPM]
        assert NEW in report["stale"][0]["new_passage"] and OLD in report["stale"][0]["old_passage"]
    results = {r["rule_ids"][0]: r for r in out["timeline"]["results"]}
    ppm = results[PPM]
    assert ppm["outcome"] == "policy_changed" and ppm["dates"] == []
    assert NEW in ppm["summary"] and "4 weeks" not in ppm["summary"]
    assert any(c["document_id"] == "luton-v57" and NEW in c["quote"] for c in ppm["citations"])
    assert not any(i["key"].startswith("luton_ppm") for i in out["timeline"]["items"])
    adm = results["luton-adm-ratification"]
    assert adm["document_id"] == "luton-v57" and adm["document_status"] == "current"
    assert {c["status"] for r in results.values() for c in r["citations"] if r["authority"] == "England"} <= {"current"}

    chat = answer_rule_question("Luton child came into care on 2 March 2026 - when is the first PPM?", None,
                                date(2026, 3, 10), book=book)
    assert "policy changed" in chat.answer and NEW in chat.answer
    assert "every 4 weeks" not in chat.answer and "30 March 2026" in chat.answer  # the statutory first review only


def test_with_the_new_versions_values_the_rule_computes_six_weeks(settings):
    rules_file = settings.resolve(settings.corpus_dir) / "rules" / "local_meetings.yaml"
    data = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == PPM)
    new_quote = rule["quote"].replace("4 weeks", "6 weeks").replace("4\nweekly", "6\nweekly").replace("4 weekly", "6 weekly")
    assert "6 weekly" in new_quote
    rule["versions"] = {"luton-v57": {"quote": new_quote, "periods": {"first": {"amount": 6, "unit": "weeks"},
                                                                      "interval": {"amount": 6, "unit": "weeks"}}}}
    rules_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    book = load_rulebook(settings)
    assert book.stale == {}
    assert book.rule(PPM).periods["first"].amount == 6  # the value in force
    out = _timeline(settings)
    assert out["status"]["ok"] is True and out["health"]["rules"]["stale"] == []
    ppm = next(r for r in out["timeline"]["results"] if r["rule_ids"][0] == PPM)
    assert ppm["outcome"] == "computed" and ppm["document_id"] == "luton-v57"
    assert {d["key"]: d["date"] for d in ppm["dates"]} == {"luton_ppm_1": "2026-04-13"}
    assert "then every 6 weeks" in ppm["summary"] and "4 week" not in " ".join(ppm["reasons"])
    assert ppm["citations"][0]["document_id"] == "luton-v57" and NEW in ppm["citations"][0]["quote"]


def test_the_older_versions_values_are_still_checked(settings):
    from assistant.rules.rulebook import RulebookError

    rules_file = settings.resolve(settings.corpus_dir) / "rules" / "local_meetings.yaml"
    data = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == PPM)
    new_quote = rule["quote"].replace("4 weeks", "6 weeks").replace("4\nweekly", "6\nweekly").replace("4 weekly", "6 weekly")
    rule["versions"] = {"luton-v57": {"quote": new_quote}}
    rule["quote"] = rule["quote"].replace("4 weeks", "5 weeks")  # in no version of the document
    rules_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook(settings)
    assert len(info.value.problems) == 1, info.value.problems
    assert f"rule '{PPM}'" in info.value.problems[0] and "quote: quote not found" in info.value.problems[0]
