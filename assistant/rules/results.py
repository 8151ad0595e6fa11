"""What every rule computation returns: outcome, reasons, dates, legal basis, citations.

One ``RuleResult`` per authority (and per document, where an authority has a current
and a superseded document): results are never blended. Citation markers "[n]" inside
``reasons`` refer to that result's own ``citations`` (numbered from 1).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from assistant.models import Citation
from assistant.rules.citations import CitationList, LocatedPassage
from assistant.rules.date_arithmetic import fmt
from assistant.rules.rulebook import Rulebook
from assistant.rules.working_days import SkippedHoliday

Outcome = Literal[
    "eligible",        # may apply (eligibility)
    "not_eligible",    # may not apply, or not yet
    "cannot_tell",     # facts missing: see missing_facts
    "applies",         # the definition is met (private fostering, relative)
    "does_not_apply",  # the definition is not met
    "computed",        # due dates computed
    "not_applicable",  # the rule does not apply to these facts
    "no_timescale",    # the document states the step but no timescale for it
    "policy_changed",  # the rule's passage is no longer in the current document: quoted, not computed
]

Relation = Literal["by", "from", "window_opens", "window_closes"]


class HolidaySkipped(BaseModel):
    date: date
    name: str


class ComputedDate(BaseModel):
    """One date a rule computed, with how it was computed."""

    key: str = Field(description="Stable name, e.g. first_review, second_review, luton_ppm_1")
    label: str = Field(description="Plain words, e.g. 'Second review due'")
    date: date
    relation: Relation = Field(
        "by",
        description="by = on or before the date (a step due 'before' a review is given as the day before it); "
        "from = on or after; window_opens / window_closes = a period to act in",
    )
    basis: str = Field(description="How the date was computed, in plain words")
    held_on: date | None = Field(None, description="When the event actually happened, if known")
    late: bool | None = Field(None, description="True when held after the due date")
    projected: bool = Field(False, description="True when computed from a due date, not from an event that happened")
    skipped_holidays: list[HolidaySkipped] = Field(default_factory=list)


class Route(BaseModel):
    """One way of qualifying (eligibility rules)."""

    id: str
    label: str
    status: Literal["eligible", "not_eligible", "cannot_tell", "not_yet", "possible"]
    qualifies_from: date | None = None
    reasons: list[str] = Field(default_factory=list)
    legal_reference: str | None = None
    missing_facts: list[str] = Field(default_factory=list)
    condition: str | None = Field(None, description="For a 'possible' route: what would open it now")


class RuleResult(BaseModel):
    """The answer of one rule (or a closely related group) for one authority."""

    topic: str
    rule_ids: list[str]
    title: str
    authority: str
    document_id: str | None = None
    document_status: str | None = None
    outcome: Outcome
    summary: str
    reasons: list[str] = Field(default_factory=list)
    dates: list[ComputedDate] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    earliest_date: date | None = Field(None, description="Earliest date the applicant qualifies without leave, if later")
    legal_basis: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    missing_facts: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class ResultBuilder:
    """Accumulates one result: cite passages as "[n]" while writing the reasons."""

    def __init__(self, book: Rulebook, topic: str, rule_id: str, title: str | None = None):
        rule = book.rule(rule_id)
        self.book = book
        self.topic = topic
        self.rule_ids = [rule_id]
        self.title = title or rule.title
        self.authority = rule.authority
        self.who = "Statute" if rule.kind == "statute" else book.corpus.short_name(rule.authority)
        self.document_id = rule.document_id
        self.reasons: list[str] = []
        self.dates: list[ComputedDate] = []
        self.routes: list[Route] = []
        self.legal_basis: list[str] = [rule.legal_reference] if rule.legal_reference else []
        self.missing: list[str] = []
        self.notes: list[str] = []
        self._cites = CitationList()
        if rule.document_id:
            doc = book.corpus.by_id(rule.document_id)
            self.legal_basis.append(f"{doc.authority}, {doc.title} ({doc.version})")
            if doc.status == "superseded":
                newer = book.superseded_by(doc.id)
                self.notes.append(
                    f"From a superseded document ({doc.title}, {doc.version})"
                    + (f"; the current document is {newer!r}." if newer else ".")
                )

    def also_uses(self, rule_id: str, cite_reference: bool = True) -> None:
        """Record another rule this result reads (and, by default, its legal reference)."""
        if rule_id not in self.rule_ids:
            self.rule_ids.append(rule_id)
        ref = self.book.rule(rule_id).legal_reference
        if cite_reference and ref and ref not in self.legal_basis:
            self.legal_basis.append(ref)

    def cite(self, passage: LocatedPassage) -> str:
        return f"[{self._cites.add(passage)}]"

    def cite_rule(self, rule_id: str, key: str = "quote") -> str:
        if key.startswith("see_also:") and (rule_id, key) not in self.book.located:
            return ""  # a council passage on the law that its current version no longer has
        return self.cite(self.book.passage(rule_id, key))

    def cite_all(self, rule_id: str) -> str:
        """Markers for every passage of a rule, e.g. "[1][2]" (empty when it has none)."""
        return "".join(self.cite(p) for p in self.book.passages_of(rule_id))

    def said(self, rule_id: str) -> str:
        """What the rule rests on, in its own words: the located passage (or the law), cited."""
        rule = self.book.rule(rule_id)
        marks = self.cite_all(rule_id)
        if rule.kind == "statute":
            return f"{rule.legal_reference}: {rule.statement} {marks}".rstrip()
        quote = self.book.passage(rule_id).quote
        return f"{self.who}: \"{quote}\" {marks}".rstrip()

    def date(self, key: str, label: str, when: date, basis: str, **kw) -> ComputedDate:
        item = ComputedDate(key=key, label=label, date=when, basis=basis, **kw)
        self.dates.append(item)
        return item

    def build(self, outcome: Outcome, summary: str, **kw) -> RuleResult:
        return RuleResult(
            topic=self.topic,
            rule_ids=self.rule_ids,
            title=self.title,
            authority=self.authority,
            document_id=self.document_id,
            document_status=self.book.document_status(self.document_id),
            outcome=outcome,
            summary=summary,
            reasons=self.reasons,
            dates=self.dates,
            routes=self.routes,
            legal_basis=self.legal_basis,
            citations=self._cites.citations,
            missing_facts=self.missing,
            notes=self.notes + list(self.book.rule(self.rule_ids[0]).notes),
            **kw,
        )


def changed_result(book: Rulebook, rule_id: str, topic: str) -> RuleResult:
    """A stale rule's answer: the council's text changed, so quote the new passage, compute nothing."""
    stale = book.stale[rule_id]
    b = ResultBuilder(book, topic, rule_id)
    doc = book.corpus.by_id(stale.current_document_id)
    old = b.cite(stale.old)
    b.reasons.append(f"{b.who}'s current {doc.title} ({doc.version}) no longer says what this rule rests on "
                     f"{old}; the rule has not been updated, so no date is computed from the old value.")
    if stale.new is None:
        return b.build("policy_changed", f"{b.who}: {book.rule(rule_id).title} - the policy changed; see the "
                                         f"current document.")
    new = b.cite(stale.new)
    b.reasons.append(f"The current version says: \"{stale.new.quote}\" {new}")
    return b.build("policy_changed", f"{b.who}: the timescale changed in {doc.title} ({doc.version}). It now "
                                     f"says: \"{stale.new.quote}\"")


def holidays_of(skipped: tuple[SkippedHoliday, ...] | list[SkippedHoliday]) -> list[HolidaySkipped]:
    return [HolidaySkipped(date=h.date, name=h.name) for h in skipped]


def holiday_words(skipped: list[HolidaySkipped]) -> str:
    """", skipping Good Friday (3 April 2026) and Easter Monday (6 April 2026)" or ""."""
    if not skipped:
        return ""
    names = [f"{h.name} ({fmt(h.date)})" for h in skipped]
    return ", skipping " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])
