"""Every due date that applies to one child, in order, marked against "today".

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

from assistant.rules.facts import TimelineFacts
from assistant.rules.local_timescales import (
    BOLTON_NSPCC, BOLTON_PPM, CARE_PROCEEDINGS, LUTON_ADM, LUTON_PPM, WIGAN_2021_PPM, WIGAN_2021_RESIDENTIAL,
    WIGAN_2026_MEETINGS, WIGAN_2026_RESIDENTIAL, bolton_nspcc_result, bolton_ppm_result, care_proceedings_result,
    luton_adm_result, luton_ppm_result, wigan_2021_ppm_result, wigan_2026_meetings_result, wigan_residential_results,
)
from assistant.rules.results import ComputedDate, RuleResult
from assistant.rules.review_schedule import (
    BOLTON_13_WEEKS, bolton_second_review_result, compute_reviews, permanence_plan_results, statutory_reviews_result,
)
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

_MAX_REVIEWS = 60
_DUPLICATE_KEYS = {"second_review_statutory"}  # Bolton's result repeats the statutory second review


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


def _results(book: Rulebook, f: TimelineFacts, today: date, scope: Scope) -> list[RuleResult]:
    count = max(2, len(f.reviews_held) + 1)
    reviews = compute_reviews(book, f.looked_after_from, f.reviews_held, count)
    while reviews[-1].due.date < today and count < _MAX_REVIEWS:
        count += 1
        reviews = compute_reviews(book, f.looked_after_from, f.reviews_held, count)
    second = reviews[1]
    results = [statutory_reviews_result(book, f.looked_after_from, reviews)]
    results += permanence_plan_results(book, second, scope)
    if scope.wants(book, BOLTON_13_WEEKS):
        results.append(bolton_second_review_result(book, f.looked_after_from, second))
    if scope.wants(book, LUTON_PPM):
        results.append(luton_ppm_result(book, f.looked_after_from, f.permanence_meetings_held,
                                        f.permanent_placement_secured_on, today))
    if scope.wants(book, LUTON_ADM):
        results.append(luton_adm_result(book, second))
    if scope.wants(book, WIGAN_2026_MEETINGS):
        results.append(wigan_2026_meetings_result(book))
    if scope.wants(book, WIGAN_2021_PPM):
        results.append(wigan_2021_ppm_result(book, second))
    if f.residential_permanence_plan:  # only a residential plan has this step
        results += wigan_residential_results(book, f.placement_date, True, scope.wants(book, WIGAN_2021_RESIDENTIAL),
                                             scope.wants(book, WIGAN_2026_RESIDENTIAL))
    if scope.wants(book, BOLTON_PPM):
        results.append(bolton_ppm_result(book, f.looked_after_from, second))
    if scope.wants(book, BOLTON_NSPCC) and f.reunification_being_assessed is not False:
        results.append(bolton_nspcc_result(book, f.looked_after_from, f.reunification_being_assessed))
    if f.care_proceedings_issued_on is not None:
        results.append(care_proceedings_result(book, f.care_proceedings_issued_on, f.proceedings_extension_weeks))
    return results


def build_timeline(book: Rulebook, facts: TimelineFacts, today: date, window: int, scope: Scope) -> Timeline:
    """All applicable due dates for one child, in date order, each with a status against ``today``."""
    results = _results(book, facts, today, scope)
    items: list[TimelineItem] = []
    for res in results:
        for d in res.dates:
            if d.key in _DUPLICATE_KEYS:
                continue
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
