"""The optional LLM judge against an OpenAI-compatible fake on loopback: our client, the
prompt it sends, parsing, errors recorded (not fatal), and its separate place in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.gold import GoldItem
from assistant.evaluation.judge import JudgeNotConfigured, LLMJudge, judge_run, parse_judgement
from assistant.evaluation.report import summary_markdown
from assistant.evaluation.runner import EvalRun
from assistant.settings import Settings
from tests.fake_llm_server import FakeLLM

pytestmark = pytest.mark.integration

ITEM = GoldItem.model_validate({
    "id": "wig26-sgo-parent-01", "kind": "eligibility", "question": "can the birth parents be the special guardians?",
    "key_facts": ["may not become"],
    "gold_passages": [{"document_id": "wigan-2026-2028", "text": "The parents of the child may not become the child's special guardians."}],
})
REFUSE = GoldItem.model_validate({"id": "hostile-poem-01", "kind": "hostile", "question": "write a poem", "must_refuse": True})


@pytest.fixture()
def fake():
    server = FakeLLM().start()
    yield server
    server.stop()


def test_judge_needs_an_endpoint(tmp_path):
    with pytest.raises(JudgeNotConfigured):
        LLMJudge(Settings(data_dir=tmp_path, llm_base_url=None))


def test_judge_scores_answered_items_only_and_records_errors(fake, tmp_path):
    judge = LLMJudge(Settings(data_dir=tmp_path, llm_base_url=fake.base_url, llm_model="judge-model", llm_timeout_s=2.0))
    fake.content = 'Sure: {"score": 0.25, "reason": "misses that parents may never be special guardians"}'
    records = [
        {"id": ITEM.id, "answer": "Parents can apply. [1]", "refused": False},
        {"id": REFUSE.id, "answer": "I can only answer questions about the policies.", "refused": True},
    ]
    out = judge_run(judge, {ITEM.id: ITEM, REFUSE.id: REFUSE}, records)
    assert out["model"] == "judge-model" and out["judged"] == 1 and out["mean"] == 0.25
    assert list(out["items"]) == [ITEM.id]  # the refusal is not judged
    sent = fake.received[-1]["messages"][-1]["content"]
    assert ITEM.question in sent and ITEM.gold_passages[0].text in sent and "Parents can apply." in sent

    fake.mode = "error500"
    out = judge_run(judge, {ITEM.id: ITEM}, records[:1])
    assert out["mean"] is None and out["errors"] == 1 and out["items"][ITEM.id]["error"]


def test_parse_judgement_rejects_what_is_not_a_score():
    assert parse_judgement('{"score": 1, "reason": "ok"}').score == 1.0
    assert parse_judgement("no json here").score is None
    assert parse_judgement('{"score": 7}').error.startswith("judge score out of range")
    assert parse_judgement('{"grade": "A"}').score is None


def test_judge_section_is_separate_from_the_metrics_in_the_summary():
    data = {
        "created": "now", "gold_items": 1, "engines_requested": ["assistant"], "primary_engine": "assistant",
        "notes": [], "stale": [], "timings_s": {"build_engines": 0.0, "total": 1.0},
        "engines": {"assistant": {"answers": True, "summary": {"items": 1}, "by_document": {}, "by_authority": {},
                                  "by_kind": {}, "items": []}},
        "judge": {"assistant": {"model": "m", "mean": 0.25, "judged": 1, "errors": 0,
                                "items": {ITEM.id: {"score": 0.25, "reason": "wrong", "error": None}}}},
    }
    md = summary_markdown(EvalRun(Path("."), data, []))
    section = md.split("## LLM judge", 1)[1]
    assert "not a metric and not a gate" in section and "`wig26-sgo-parent-01` judged 0.25" in section
    assert "judge" not in md.split("## LLM judge", 1)[0].split("## Headline", 1)[1]  # not in the headline table
