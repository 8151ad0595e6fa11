"""A council adds a rule without Python: a document, its manifest entry and one YAML file.

The Royal Borough of Exampleton (short name "Exampleton", not its first word) brings a
local timescale (a meeting 15 working days after the first review) and its own list of
who may apply for special guardianship. With no code change, the CLI, the API and the
chat compute, cite and render both.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.rules.chat import answer_rule_question
from assistant.rules.rulebook import clear_rulebook_cache, load_rulebook
from assistant.server.app import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent / "new_council"
AUTHORITY = "Royal Borough of Exampleton"
QUOTE = "A Permanence Planning Meeting is held within 15 working days of the child's first looked after review."


def _reset() -> None:
    from assistant.server.rules import rules_service
    from assistant.settings import get_settings

    clear_rulebook_cache()
    rules_service._services.clear()
    get_settings.cache_clear()


@pytest.fixture()
def settings(tmp_path, monkeypatch) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[3] / "policies_corpus", corpus)
    shutil.copy(HERE / "exampleton-permanence-procedure.txt", corpus)
    shutil.copy(HERE / "exampleton.yaml", corpus / "rules")
    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["documents"].append({
        "id": "exampleton", "file": "exampleton-permanence-procedure.txt", "authority": AUTHORITY,
        "short_name": "Exampleton", "family": "exampleton-permanence-procedure", "title": "Permanence Planning Procedure",
        "version": "v1", "date": "2026-06-01", "status": "current", "supersedes": None, "source_format": "txt"})
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("PERMANENCE_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("PERMANENCE_DATA_DIR", str(tmp_path / "data"))
    _reset()
    yield Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    _reset()


def _exampleton(results: list[dict], rule_id: str) -> dict:
    return next(r for r in results if r["rule_ids"][0] == rule_id)


def test_cli_api_and_chat_compute_cite_and_render_the_new_councils_rules(settings):
    book = load_rulebook(settings)
    assert book.rule("exampleton-permanence-planning-meeting").document_id == "exampleton"

    # CLI: permanence rules timeline
    cli = CliRunner().invoke(__import__("assistant.cli", fromlist=["app"]).app,
                             ["rules", "timeline", "--looked-after-from", "2026-03-02", "--today", "2026-03-10",
                              "--authority", "Exampleton", "--json"])
    assert cli.exit_code == 0, cli.output
    ppm = _exampleton(json.loads(cli.output)["results"], "exampleton-permanence-planning-meeting")
    # first review due 30 March 2026; + 15 working days skipping Good Friday and Easter Monday
    assert [(d["key"], d["date"]) for d in ppm["dates"]] == [("exampleton_ppm", "2026-04-22")]
    assert [h["name"] for h in ppm["dates"][0]["skipped_holidays"]] == ["Good Friday", "Easter Monday"]

    # API: POST /rules/timeline and /rules/eligibility/sgo
    with TestClient(create_app(settings)) as client:
        tl = client.post("/rules/timeline", json={"looked_after_from": "2026-03-02", "today": "2026-03-10",
                                                  "authority": "exampleton"}).json()
        sgo = client.post("/rules/eligibility/sgo", json={
            "today": "2025-12-01", "relationship": "unrelated", "is_local_authority_foster_carer": True,
            "lived_with_since": "2025-01-10", "authority": "Exampleton"}).json()
    item = next(i for i in tl["items"] if i["key"] == "exampleton_ppm")
    assert item["date"] == "2026-04-22" and item["authority"] == AUTHORITY and item["document_id"] == "exampleton"
    res = _exampleton(tl["results"], "exampleton-permanence-planning-meeting")
    assert res["citations"][0]["quote"] == QUOTE and res["citations"][0]["document_id"] == "exampleton"
    assert "15 working days after the first review" in res["dates"][0]["basis"]
    assert res["summary"].startswith("Exampleton: Permanence Planning Meeting by 22 April 2026")
    listed = _exampleton(sgo["results"], "exampleton-sgo-applicants")
    assert listed["outcome"] == "not_eligible" and listed["earliest_date"] == "2026-01-10"
    assert {c["document_id"] for c in listed["citations"]} == {"exampleton"}
    assert listed["summary"].startswith("Exampleton's list:")

    # chat: the council named by its short name in the question
    chat = answer_rule_question("In Exampleton the child came into care on 2 March 2026 - what are the due dates?",
                                None, date(2026, 3, 10), book=book)
    assert {r["authority"] for r in chat.results} == {"England", AUTHORITY}
    assert "22 April 2026" in chat.answer and any(c.quote == QUOTE for c in chat.citations)
    chat_sgo = answer_rule_question("Exampleton: the foster carer has had the child since 10 January 2025 - can they "
                                    "apply for an SGO on 1 December 2025?", None, date(2025, 12, 1), book=book)
    assert any(r["authority"] == AUTHORITY and r["earliest_date"] == "2026-01-10" for r in chat_sgo.results)
