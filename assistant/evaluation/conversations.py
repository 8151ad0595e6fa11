"""Multi-turn gold conversations (``eval/gold/conversations/{dev,test}.yaml``): load, run, score.

A conversation is asked turn by turn in ONE session, without the turn's ``authority``
(keeping the council in play is under test; the chat's picker stays empty), with the
item's ``today`` fixed on every request. A conversation is correct only if every turn is.

A turn is correct when:
- ``must_refuse``: the answer is a refusal;
- ``must_clarify``: the answer asks for what it needs (``clarify`` or ``missing_facts``)
  instead of answering;
- otherwise it is not refused when it has key facts, gold passages or a rule to show, and
  every key-fact regex matches the answer; at least half of its gold passages are cited
  (a citation covers a passage as in the single-question eval); the structured rule
  results match ``expected`` exactly (``metrics.rule_mismatches``); and every fact in
  ``reads_facts`` was read with exactly that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.evaluation.metrics import CitationRef, Passage, citation_covers, missing_key_facts, rule_mismatches

CONVERSATIONS_DIR = Path(__file__).resolve().parents[2] / "eval" / "gold" / "conversations"


class ConvPassage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: str
    text: str = Field(min_length=8)
    pinned: bool = False


class ConvRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str
    facts: dict[str, Any] = Field(default_factory=dict)


class ConvTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    authority: str | None = None
    key_facts: list[str] = Field(default_factory=list)
    gold_passages: list[ConvPassage] = Field(default_factory=list)
    must_refuse: bool = False
    must_clarify: bool = False
    rule: ConvRule | None = None
    expected: dict[str, Any] | None = None
    reads_facts: dict[str, Any] | None = None
    followup: str | None = None
    notes: str | None = None


class Conversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str = "conversation"
    today: date | None = None
    turns: list[ConvTurn] = Field(min_length=1)


def load_conversations(path: Path) -> list[Conversation]:
    """Every conversation in ``path``; a malformed one is an error naming its id and field."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out, problems = [], []
    for i, item in enumerate(raw):
        try:
            out.append(Conversation.model_validate(item))
        except ValidationError as exc:
            ident = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            problems += [f"{path.name}: {ident}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise ValueError("; ".join(problems))
    return out


@dataclass
class TurnResult:
    question: str
    followup: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return not self.problems


@dataclass
class ConversationResult:
    id: str
    turns: list[TurnResult]

    @property
    def correct(self) -> bool:
        return all(t.correct for t in self.turns)


def _iso(v: Any) -> Any:
    if isinstance(v, list):
        return [_iso(x) for x in v]
    if isinstance(v, dict):
        return {k: _iso(x) for k, x in v.items()}
    return v.isoformat() if hasattr(v, "isoformat") else v


def _facts_seen(facts: dict, today: date | None) -> dict:
    """The session's facts under every name the gold uses (as the rule layer maps them)."""
    out = dict(facts)
    if "relationship" in out:
        out.setdefault("carer_relationship", out["relationship"])
    if "lived_with_since" in out:
        out.setdefault("arrangement_start", out["lived_with_since"])
    if "application_date" in out:
        out["today"] = out["application_date"]
    elif today is not None:
        out.setdefault("today", today.isoformat())
    return out


def score_turn(turn: ConvTurn, resp: Any, today: date | None) -> list[str]:
    """What is wrong with one answer ([] = correct)."""
    problems: list[str] = []
    if turn.must_refuse:
        return [] if resp.refused else ["should have refused"]
    if turn.must_clarify:
        return [] if (getattr(resp, "clarify", False) or resp.missing_facts) else ["should have asked what it needs"]
    needs_answer = bool(turn.key_facts or turn.gold_passages or turn.expected)
    if needs_answer and resp.refused:
        problems.append(f"refused ({resp.refusal_reason})")
    shown = resp.answer + "\n" + (getattr(resp, "facts_read", None) or "")
    problems += [f"key fact missing: {k}" for k in missing_key_facts(shown, turn.key_facts)]
    if turn.gold_passages:
        cites = [CitationRef(c.document_id, c.quote, c.start, c.end, c.n) for c in resp.citations]
        covered = sum(1 for p in turn.gold_passages
                      if any(citation_covers(c, Passage(p.document_id, p.text)) for c in cites))
        if covered * 2 < len(turn.gold_passages):
            problems.append(f"gold passages cited: {covered}/{len(turn.gold_passages)}")
    if turn.expected:
        problems += [f"rule: {m}" for m in rule_mismatches(turn.expected, resp.rules or None)]
    if turn.reads_facts:
        seen = _facts_seen(_iso(getattr(resp, "facts", {}) or {}), today)
        for key, want in turn.reads_facts.items():
            if key == "authority":
                continue  # the council is checked by the cited passages
            if key not in seen:
                problems.append(f"fact not read: {key}")
            elif _iso(want) != seen[key] and str(_iso(want)).lower() != str(seen[key]).lower():
                problems.append(f"fact {key}: read {seen[key]!r}, expected {_iso(want)!r}")
    return problems


def run_conversation(ask_service: Any, conv: Conversation) -> ConversationResult:
    from assistant.answering.schemas import AskRequest

    sid, results = None, []
    for turn in conv.turns:
        tr = TurnResult(turn.question, turn.followup)
        try:
            resp = ask_service.ask(AskRequest(question=turn.question, session_id=sid, today=conv.today),
                                   today=conv.today)
            sid = resp.session_id
            tr.problems = score_turn(turn, resp, conv.today)
        except Exception as exc:  # noqa: BLE001 - one failing conversation must not end the run
            tr.problems = [f"error: {type(exc).__name__}: {exc}"]
        results.append(tr)
    return ConversationResult(conv.id, results)


def summarise(results: list[ConversationResult]) -> dict[str, Any]:
    n = len(results)
    ok = sum(r.correct for r in results)
    turns = [t for r in results for t in r.turns]
    by_kind: dict[str, list[int]] = {}
    for t in turns:
        k = by_kind.setdefault(t.followup or "first", [0, 0])
        k[0] += t.correct
        k[1] += 1
    return {"conversations": n, "correct": ok, "share": round(ok / n, 3) if n else None,
            "turns": len(turns), "turns_correct": sum(t.correct for t in turns),
            "by_followup": {k: f"{a}/{b}" for k, (a, b) in sorted(by_kind.items())}}
