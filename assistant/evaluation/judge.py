"""Optional LLM judge through the OpenAI-compatible endpoint (``permanence eval --judge``).

Clearly separate from the metrics: a model's opinion is not deterministic and never gates a
run (no thresholds apply to it). It only runs when ``PERMANENCE_LLM_BASE_URL`` is configured,
and only on the answering engine's answered (not refused) items. The judge sees the question,
the gold passages as the reference and the answer, and returns a score 0..1 with a reason.
A call that fails or returns something unparseable is recorded as an error, not a score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

JUDGE_PROMPT = """You grade answers of a policy assistant for English children's services.
Reference passages (verbatim from the policy) are the only truth. Judge whether the ANSWER
answers the QUESTION correctly and completely according to the REFERENCE, and states nothing
the reference contradicts. Reply with JSON only: {{"score": <0.0 to 1.0>, "reason": "<one sentence>"}}

QUESTION: {question}

REFERENCE:
{reference}

ANSWER:
{answer}
"""


@dataclass
class Judgement:
    score: float | None
    reason: str
    error: str | None = None


class JudgeNotConfigured(RuntimeError):
    pass


class LLMJudge:
    """Grades answers with the configured OpenAI-compatible model (llama-index OpenAILike)."""

    def __init__(self, settings, llm: Any = None):
        if llm is None and not settings.llm_base_url:
            raise JudgeNotConfigured("the LLM judge needs PERMANENCE_LLM_BASE_URL (an OpenAI-compatible endpoint)")
        self.settings = settings
        self._llm = llm
        self.model = settings.llm_model

    @property
    def llm(self):
        if self._llm is None:
            from llama_index.llms.openai_like import OpenAILike

            key = self.settings.llm_api_key.get_secret_value() if self.settings.llm_api_key else "not-needed"
            self._llm = OpenAILike(
                model=self.settings.llm_model, api_base=self.settings.llm_base_url, api_key=key,
                is_chat_model=True, is_function_calling_model=False, context_window=8192, max_tokens=200,
                temperature=0.0, timeout=self.settings.llm_timeout_s, max_retries=0,
            )
        return self._llm

    def judge(self, question: str, reference: list[str], answer: str) -> Judgement:
        from llama_index.core.llms import ChatMessage

        prompt = JUDGE_PROMPT.format(question=question, reference="\n".join(f"- {r}" for r in reference) or "(none)",
                                     answer=answer)
        try:
            resp = self.llm.chat([ChatMessage(role="user", content=prompt)])
            text = resp.message.content or ""
        except Exception as exc:  # noqa: BLE001 - a judge failure is recorded, never fatal
            return Judgement(None, "", f"{type(exc).__name__}: {exc}")
        return parse_judgement(text)


def parse_judgement(text: str) -> Judgement:
    """The first JSON object in ``text`` with a numeric score in [0, 1]."""
    m = re.search(r"\{.*\}", text, re.DOTALL)
    if not m:
        return Judgement(None, "", f"no JSON in judge reply: {text[:80]!r}")
    try:
        data = json.loads(m.group(0))
        score = float(data["score"])
    except (ValueError, KeyError, TypeError) as exc:
        return Judgement(None, "", f"unparseable judge reply ({exc}): {text[:80]!r}")
    if not 0.0 <= score <= 1.0:
        return Judgement(None, "", f"judge score out of range: {score}")
    return Judgement(score, str(data.get("reason", ""))[:300])


def judge_run(judge: LLMJudge, items_by_id: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """Judge every answered record of one engine; returns ``{"model", "mean", "judged", "errors", "items"}``."""
    out: dict[str, Any] = {}
    for r in records:
        item = items_by_id[r["id"]]
        if item.must_refuse or r.get("refused") or not r.get("answer"):
            continue
        j = judge.judge(item.question, [gp.text for gp in item.gold_passages], r["answer"])
        out[r["id"]] = {"score": j.score, "reason": j.reason, "error": j.error}
    scores = [v["score"] for v in out.values() if v["score"] is not None]
    return {
        "model": judge.model,
        "mean": sum(scores) / len(scores) if scores else None,
        "judged": len(scores),
        "errors": sum(1 for v in out.values() if v["error"]),
        "items": out,
    }
