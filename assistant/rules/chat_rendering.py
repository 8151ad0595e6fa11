"""Rule results rendered as a chat answer: markdown with [n] markers over one citation list.

Everything stated comes from the results: dates, bases, summaries and reasons (which
the evaluators render from each rule's fields and its quoted passage), the legal basis
of statutory results. Nothing here restates a number or a quote of its own. Reading
the question is ``chat``'s job (and later the conversation's question frame).
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, Field

from assistant.models import Citation
from assistant.rules.citations import CitationList
from assistant.rules.date_arithmetic import fmt
from assistant.rules.results import RuleResult


class RuleChatResult(BaseModel):
    """A computed answer to a rule question."""

    answer: str = Field(description="Markdown; [n] markers index citations")
    results: list[dict] = Field(default_factory=list, description="Structured rule results (RuleResult as JSON)")
    citations: list[Citation] = Field(default_factory=list, description="Numbered from 1, in marker order")
    missing_facts: list[str] = Field(default_factory=list, description="Facts to ask for; non-empty = nothing guessed")
    computation: str = Field("", description="review_schedule | timeline | sgo_eligibility | cao_eligibility | "
                                             "private_fostering | care_proceedings")


def _renumber(text: str, mapping: dict[int, int]) -> str:
    return re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", text)


class _Answer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cites = CitationList()
        self.results: list[RuleResult] = []

    def add_result(self, res: RuleResult) -> dict[int, int]:
        self.results.append(res)
        return {c.n: self.cites.add_citation(c) for c in res.citations}

    def markers(self, mapping: dict[int, int]) -> str:
        return "".join(f"[{n}]" for n in sorted(set(mapping.values())))

    def line(self, res: RuleResult) -> None:
        """One result as a bullet: where it comes from, its summary, its markers."""
        m = self.add_result(res)
        self.lines.append(f"- {_where(res)}: {res.summary} {self.markers(m)}".rstrip())

    def finish(self, computation: str, missing: list[str], assumptions: list[str]) -> RuleChatResult:
        lines = list(self.lines)
        if assumptions:
            lines += ["", "_Read from your question: " + "; ".join(assumptions) + "._"]
        if missing:
            lines += ["", "**To work this out I need:** " + "; ".join(missing) + ". Can you tell me?"]
        lines += ["", "_Computed by the rule layer from the dates given; check the cited passages and the legal "
                      "references._"]
        return RuleChatResult(answer="\n".join(lines).strip(), results=[r.model_dump(mode="json") for r in self.results],
                              citations=self.cites.citations, missing_facts=missing, computation=computation)


def _where(res: RuleResult) -> str:
    if res.authority == "England":
        return "Statute (England)"
    sup = " - superseded" if res.document_status == "superseded" else ""
    changed = " - **policy changed**" if res.outcome == "policy_changed" else ""
    return f"{res.authority} ({res.document_id}{sup}){changed}"


def ask_only(computation: str, missing: list[str], intro: str, assumptions: list[str]) -> RuleChatResult:
    a = _Answer()
    a.lines.append(intro)
    return a.finish(computation, missing, assumptions)


def render_reviews(results: list[RuleResult], looked_after_from: date, today: date, timeline,
                   computation: str, assumptions: list[str]) -> RuleChatResult:
    """The statutory schedule, then each council's result (permanence plan first), then what is due."""
    a = _Answer()
    stat = results[0]
    m = a.add_result(stat)
    a.lines.append(f"**Statutory reviews** ({stat.legal_basis[0]}) - looked after from **{fmt(looked_after_from)}**:")
    first, second = stat.dates[0], stat.dates[1]
    a.lines.append(f"- First review by **{fmt(first.date)}** ({first.basis}).")
    a.lines.append(f"- Second review by **{fmt(second.date)}** ({second.basis}).")
    for d in stat.dates[2:]:
        if d.held_on or d.date >= today:
            a.lines.append(f"- {d.label} by **{fmt(d.date)}** ({d.basis}).")
            break
    for d in stat.dates:
        if d.held_on:
            a.lines.append(f"- {d.label.replace(' due', '')} held on {fmt(d.held_on)}" + (" - late." if d.late else "."))
    if m:
        a.lines.append(f"  {a.markers(m)}")
    a.lines.append("")
    plan = [r for r in results[1:] if r.topic == "permanence_plan"]
    if plan:
        a.lines.append("**Permanence plan** - each council ties it to the second review:")
        for r in plan:
            a.line(r)
    for r in results[1:]:
        if r.topic != "permanence_plan":
            a.line(r)
    if timeline is not None:
        flagged = [i for i in timeline.items if i.status in ("overdue", "due_soon")]
        a.lines.append("")
        a.lines.append(f"**As at {fmt(timeline.today)}:** " + ("nothing is overdue or due within "
                                                                 f"{timeline.due_soon_days} days." if not flagged else ""))
        for i in flagged:
            a.lines.append(f"- {fmt(i.date)} - {i.label} ({i.authority}): **{i.status.replace('_', ' ')}**")
        a.lines.append("_'Overdue' means the date has passed and no date for it was given._")
    return a.finish(computation, [], assumptions)


def render_proceedings(results: list[RuleResult], issued: date, assumptions: list[str]) -> RuleChatResult:
    a = _Answer()
    for res in results:
        m = a.add_result(res)
        a.lines.append(f"**{res.title}** ({'; '.join(res.legal_basis)}) - issued **{fmt(issued)}**:")
        a.lines += [f"- {_renumber(reason, m)}" for reason in res.reasons]
    return a.finish("care_proceedings", [], assumptions)


def render_eligibility(results: list[RuleResult], order: str, computation: str,
                       assumptions: list[str]) -> RuleChatResult:
    a = _Answer()
    stat = results[0]
    m = a.add_result(stat)
    a.lines.append(f"**Who may apply for {order} without leave** - statute:")
    a.lines.append(f"**{stat.outcome.replace('_', ' ').capitalize()}.** {stat.summary}")
    a.lines += [f"- {_renumber(reason, m)}" for reason in stat.reasons]
    if stat.legal_basis:
        a.lines.append(f"- Legal basis: {'; '.join(stat.legal_basis)}.")
    if m:
        a.lines.append(f"- Where the councils' documents state this law: {a.markers(m)}")
    for r in results[1:]:
        mm = a.add_result(r)
        differs = any(x.startswith("This differs") for x in r.reasons)
        a.lines.append(f"- {_where(r)}: {r.summary} {a.markers(mm)}"
                       + (" (differs from the statute; the statute decides)" if differs else ""))
    return a.finish(computation, list(stat.missing_facts), assumptions)


def render_private_fostering(results: list[RuleResult], assumptions: list[str]) -> RuleChatResult:
    a = _Answer()
    stat = results[0]
    m = a.add_result(stat)
    a.lines.append(f"**Private fostering** ({stat.legal_basis[0]}):")
    a.lines.append(f"**{stat.summary}**")
    a.lines += [f"- {_renumber(reason, m)}" for reason in stat.reasons]
    for r in results[1:]:
        a.line(r)
    return a.finish("private_fostering", list(stat.missing_facts), assumptions)
