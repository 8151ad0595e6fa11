"""Statutory looked-after reviews, and when each council expects the permanence plan.

Statute (CPPCR (England) Regulations 2010, reg. 33): first review within 20 working
days of becoming looked after; second not more than 3 months after the first; later
ones not more than 6 months after the previous one. When the date a review was
actually held is known, the next due date runs from it; otherwise from the due date
(marked ``projected``).

Every council's document ties the permanence plan to the second review. Bolton's text
also puts the second review "no more than 13 weeks after the beginning of the care
episode": that is shown as Bolton's own result, compared with the statutory date,
never substituted for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from assistant.rules.date_arithmetic import add_period, add_period_with_holidays, describe_period, fmt
from assistant.rules.facts import ReviewScheduleFacts
from assistant.rules.results import ComputedDate, ResultBuilder, RuleResult, holiday_words, holidays_of
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

STATUTORY = "statutory-reviews"
BOLTON_13_WEEKS = "bolton-second-review-13-weeks"

_ORDINAL = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", 6: "Sixth", 7: "Seventh",
            8: "Eighth", 9: "Ninth", 10: "Tenth"}


def ordinal(n: int) -> str:
    return _ORDINAL.get(n, f"{n}th")


@dataclass(frozen=True)
class ReviewDue:
    """Review number ``n``: when it is due, when it was held (if it was)."""

    n: int
    due: ComputedDate

    @property
    def held(self) -> date | None:
        return self.due.held_on

    @property
    def anchor(self) -> date:
        """The date the next review counts from: held if known, else due."""
        return self.due.held_on or self.due.date


def compute_reviews(book: Rulebook, looked_after_from: date, reviews_held: list[date], count: int) -> list[ReviewDue]:
    """Reviews 1..max(count, held+1), each due date from the previous actual or due date."""
    first_p = book.period(STATUTORY, "first_review")
    second_p = book.period(STATUTORY, "second_review")
    later_p = book.period(STATUTORY, "later_reviews")
    total = max(count, len(reviews_held) + 1)
    out: list[ReviewDue] = []
    for n in range(1, total + 1):
        if n == 1:
            due, wd = add_period_with_holidays(looked_after_from, first_p)
            skipped = holidays_of(wd.skipped_holidays) if wd else []
            basis = f"{describe_period(first_p)} after becoming looked after on {fmt(looked_after_from)}" + holiday_words(skipped)
            projected = False
        else:
            prev = out[-1]
            period = second_p if n == 2 else later_p
            due = add_period(prev.anchor, period)
            skipped = []
            basis = (f"{describe_period(period)} after the {ordinal(n - 1).lower()} review "
                     + (f"held on {fmt(prev.held)}" if prev.held else f"due {fmt(prev.due.date)}"))
            projected = prev.held is None
        held = reviews_held[n - 1] if n <= len(reviews_held) else None
        item = ComputedDate(
            key=f"review_{n}",
            label=f"{ordinal(n)} review due",
            date=due,
            basis=basis,
            held_on=held,
            late=(held > due) if held else None,
            projected=projected,
            skipped_holidays=skipped,
        )
        out.append(ReviewDue(n=n, due=item))
    return out


def statutory_reviews_result(book: Rulebook, looked_after_from: date, reviews: list[ReviewDue]) -> RuleResult:
    b = ResultBuilder(book, "review_schedule", STATUTORY)
    for r in reviews:
        b.dates.append(r.due)
        line = f"{r.due.label}: by {fmt(r.due.date)} ({r.due.basis})."
        if r.held:
            line += f" Held on {fmt(r.held)}" + (" - late." if r.due.late else ".")
        b.reasons.append(line)
    b.cite_all(STATUTORY)
    if any(r.due.projected for r in reviews):
        b.reasons.append("Where a review's actual date is not given, the next one is counted from its due date; "
                         "give the dates reviews were held to count from them instead.")
    first, second = reviews[0], reviews[1]
    summary = (f"Looked after from {fmt(looked_after_from)}: first review by {fmt(first.due.date)}, "
               f"second by {fmt(second.due.date)}.")
    return b.build("computed", summary)


def _second_review_words(second: ReviewDue) -> str:
    if second.held:
        return f"the second review, held on {fmt(second.held)}"
    return f"the second review, due by {fmt(second.due.date)} on the statutory schedule"


def _plan_result(book: Rulebook, rule_id: str, second: ReviewDue, label: str, extra_keys: list[str]) -> RuleResult:
    b = ResultBuilder(book, "permanence_plan", rule_id)
    b.also_uses(STATUTORY)
    marks = b.cite_rule(rule_id) + "".join(b.cite_rule(rule_id, k) for k in extra_keys)
    b.date(f"{rule_id}", label, second.due.date if not second.held else second.held,
           f"at {_second_review_words(second)}", held_on=second.held, projected=second.due.projected)
    b.reasons.append(f"{book.rule(rule_id).statement} {marks}")
    b.reasons.append(f"So for this child: by {_second_review_words(second)}.")
    when = fmt(second.held or second.due.date)
    return b.build("computed", f"{label}: by {when} ({b.authority}).")


def permanence_plan_results(book: Rulebook, second: ReviewDue, scope: Scope) -> list[RuleResult]:
    """One result per council document that ties the permanence plan to the second review."""
    out: list[RuleResult] = []
    specs = [
        ("wigan-2026-permanence-plan", "Permanence plan established (four-month review)", ["passage:second_review"]),
        ("wigan-2021-permanence-plan", "Permanence plan established (four-month review)", ["passage:second_review"]),
        ("luton-permanence-plan", "Permanency plan defined", []),
        ("wiltshire-assessments", "Assessments completed", []),
        ("bolton-permanence-plan", "Plan for permanence produced", ["passage:rehabilitation"]),
    ]
    for rule_id, label, keys in specs:
        if scope.wants(book, rule_id):
            out.append(_plan_result(book, rule_id, second, label, keys))
    return out


def bolton_second_review_result(book: Rulebook, looked_after_from: date, statutory_second: ReviewDue) -> RuleResult:
    """Bolton's 13-week second review beside the statutory one, with the difference stated."""
    period = book.period(BOLTON_13_WEEKS, "second_review")
    bolton_due = add_period(looked_after_from, period)
    b = ResultBuilder(book, "bolton_second_review", BOLTON_13_WEEKS)
    b.also_uses(STATUTORY)
    mark = b.cite_rule(BOLTON_13_WEEKS)
    b.date("bolton_second_review", "Second review (Bolton: no more than 13 weeks)", bolton_due,
           f"{describe_period(period)} after the care episode began on {fmt(looked_after_from)}")
    stat = statutory_second.due.date
    b.date("second_review_statutory", "Second review due (statutory schedule)", stat, statutory_second.due.basis,
           held_on=statutory_second.held, projected=statutory_second.due.projected)
    gap = (stat - bolton_due).days
    if gap > 0:
        relation = f"{gap} days EARLIER than the statutory schedule ({fmt(stat)})"
    elif gap < 0:
        relation = f"{-gap} days later than the statutory schedule ({fmt(stat)})"
    else:
        relation = f"the same day as the statutory schedule ({fmt(stat)})"
    b.reasons.append(f"Bolton's text says the second review \"takes place no more than 13 weeks after the beginning "
                     f"of the care episode\" {mark}: for this child {fmt(bolton_due)}.")
    b.reasons.append(f"That is {relation}. Both are shown: the statutory date is the legal limit; "
                     f"Bolton's is its own timescale.")
    if statutory_second.held:
        b.reasons.append(f"The second review was actually held on {fmt(statutory_second.held)}"
                         + (", after Bolton's 13 weeks." if statutory_second.held > bolton_due else "."))
    summary = f"Bolton: second review by {fmt(bolton_due)} (13 weeks) - statutory schedule: {fmt(stat)}."
    return b.build("computed", summary)


def review_schedule(book: Rulebook, facts: ReviewScheduleFacts, scope: Scope) -> list[RuleResult]:
    """Statutory reviews, each council's permanence-plan timing, and Bolton's 13 weeks."""
    reviews = compute_reviews(book, facts.looked_after_from, facts.reviews_held, 2 + facts.later_reviews)
    results = [statutory_reviews_result(book, facts.looked_after_from, reviews)]
    results += permanence_plan_results(book, reviews[1], scope)
    if scope.wants(book, BOLTON_13_WEEKS):
        results.append(bolton_second_review_result(book, facts.looked_after_from, reviews[1]))
    return results
