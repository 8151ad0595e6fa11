"""Every due date that applies to one child, in order, marked against "today"; and the
review schedule (statutory reviews with the councils' timescales tied to them).

Statuses: ``done`` (the event happened: a review held), ``overdue`` (due date passed,
not known to have happened), ``due_soon`` (within the window, default 14 days, see
``Settings.rules_due_soon_days``), ``upcoming``; dates from which something applies
(Bolton's NSPCC model, a qualifying date) are ``in_effect`` once reached.

"Overdue" only means no date for the event was given: the timeline knows what the
request says, nothing more, and says so in its notes.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from assistant.rules.facts import ReviewScheduleFacts, TimelineFacts
from assistant.rules.results import ComputedDate, RuleResult
from assistant.rules.review_schedule import compute_reviews, statutory_reviews_result
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope
from assistant.rules.timescales import evaluate_timescales

_MAX_REVIEWS = 60
# what the review-schedule computation shows beside the statutory reviews
REVIEW_SCHEDULE_TOPICS = ("permanence_plan", "second_review")


class TimelineItem(BaseModel):
    date: date
    status: str = Field(description="done | overdue | due_soon | upcoming | in_effect")
    days_from_today: int
    label: str
    key: str
    relation: str
    authority: str
    document_id: str | None = None
    document_status: str | None = None
    rule_id: str
    basis: str
    held_on: date | None = None
    late: bool | None = None
    projected: bool = False


class Timeline(BaseModel):
    today: date
    due_soon_days: int
    looked_after_from: date
    items: list[TimelineItem]
    results: list[RuleResult]
    notes: list[str] = Field(default_factory=list)


def status_of(item: ComputedDate, today: date, window: int) -> str:
    if item.held_on is not None:
        return "done"
    delta = (item.date - today).days
    if item.relation in ("from", "window_opens"):
        return "in_effect" if delta <= 0 else ("due_soon" if delta <= window else "upcoming")
    if delta < 0:
        return "overdue"
    return "due_soon" if delta <= window else "upcoming"


def review_schedule(book: Rulebook, facts: ReviewScheduleFacts, scope: Scope) -> list[RuleResult]:
    """Statutory reviews, then each council's permanence-plan timing and own second review."""
    reviews = compute_reviews(book, facts.looked_after_from, facts.reviews_held, 2 + facts.later_reviews)
    results = [statutory_reviews_result(book, facts.looked_after_from, reviews)]
    return results + evaluate_timescales(book, facts, reviews, None, scope, REVIEW_SCHEDULE_TOPICS)


def _results(book: Rulebook, f: TimelineFacts, today: date, scope: Scope) -> list[RuleResult]:
    count = max(2, len(f.reviews_held) + 1)
    reviews = compute_reviews(book, f.looked_after_from, f.reviews_held, count)
    while reviews[-1].due.date < today and count < _MAX_REVIEWS:
        count += 1
        reviews = compute_reviews(book, f.looked_after_from, f.reviews_held, count)
    results = [statutory_reviews_result(book, f.looked_after_from, reviews)]
    return results + evaluate_timescales(book, f, reviews, today, scope)


def build_timeline(book: Rulebook, facts: TimelineFacts, today: date, window: int, scope: Scope) -> Timeline:
    """All applicable due dates for one child, in date order, each with a status against ``today``."""
    results = _results(book, facts, today, scope)
    items: list[TimelineItem] = []
    for res in results:
        for d in res.dates:
            items.append(TimelineItem(
                date=d.date, status=status_of(d, today, window), days_from_today=(d.date - today).days,
                label=d.label, key=d.key, relation=d.relation, authority=res.authority,
                document_id=res.document_id, document_status=res.document_status, rule_id=res.rule_ids[0],
                basis=d.basis, held_on=d.held_on, late=d.late, projected=d.projected,
            ))
    items.sort(key=lambda i: (i.date, i.authority != "England", i.authority, i.key))
    notes = ["'Overdue' means the due date has passed and no date for the event was given."]
    if any(i.projected for i in items):
        notes.append("Projected dates count from due dates, not from events that happened; give actual dates "
                     "(reviews held, meetings held) to make them exact.")
    return Timeline(today=today, due_soon_days=window, looked_after_from=facts.looked_after_from, items=items,
                    results=results, notes=notes)
