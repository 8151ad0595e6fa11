"""The conversation gold loads, and a turn is scored on every part it carries."""

from __future__ import annotations

import pytest

from assistant.answering.schemas import AskResponse
from assistant.evaluation.conversations import (
    CONVERSATIONS_DIR, ConversationResult, ConvTurn, TurnResult, load_conversations, score_turn, summarise,
)

pytestmark = pytest.mark.unit


def test_both_halves_load_with_every_follow_up_kind() -> None:
    dev, test = (load_conversations(CONVERSATIONS_DIR / f"{s}.yaml") for s in ("dev", "test"))
    assert len(dev) + len(test) >= 50
    kinds = {t.followup for c in dev + test for t in c.turns if t.followup}
    assert {"new_subject", "new_authority", "back_reference", "new_fact", "version_switch", "yes_no", "clarify"} <= kinds


def test_a_malformed_conversation_names_its_id_and_field(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: conv-x\n  turns:\n    - question: hi\n      must_refuse: maybe\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"conv-x: turns\.0\.must_refuse"):
        load_conversations(bad)


def _resp(**kw) -> AskResponse:
    return AskResponse(session_id="s", interpreted_question="q", **{"answer": "", **kw})


def test_turn_scoring_checks_facts_read_clarify_and_key_facts() -> None:
    turn = ConvTurn(question="uncle since 1 Feb 2025", reads_facts={"relationship": "uncle",
                                                                     "lived_with_since": "2025-02-01"})
    assert score_turn(turn, _resp(facts={"relationship": "uncle", "lived_with_since": "2025-02-01"}), None) == []
    assert score_turn(turn, _resp(facts={"relationship": "aunt"}), None) == [
        "fact relationship: read 'aunt', expected 'uncle'", "fact not read: lived_with_since"]
    ask = ConvTurn(question="and her brother's?", must_clarify=True)
    assert score_turn(ask, _resp(answer="It is 3 June.", ), None) == ["should have asked what it needs"]
    assert score_turn(ask, _resp(answer="When did he come into care?", clarify=True), None) == []
    keyed = ConvTurn(question="when?", key_facts=["3 June 2026"])
    assert score_turn(keyed, _resp(answer="nothing", refused=True, refusal_reason="weak_evidence"), None) == [
        "refused (weak_evidence)", "key fact missing: 3 June 2026"]


def test_a_conversation_counts_only_when_every_turn_is_right() -> None:
    good, bad = TurnResult("a", None), TurnResult("b", "new_fact", ["key fact missing: x"])
    s = summarise([ConversationResult("c1", [good, good]), ConversationResult("c2", [good, bad])])
    assert (s["correct"], s["conversations"], s["turns_correct"]) == (1, 2, 3)
    assert s["by_followup"] == {"first": "3/3", "new_fact": "0/1"}
