"""Statutory looked-after reviews: the schedule every council's timescales count from.

Statute (CPPCR (England) Regulations 2010, reg. 33): first review within 20 working
days of becoming looked after; second not more than 3 months after the first; later
ones not more than 6 months after the previous one. When the date a review was
actually held is known, the next due date runs from it; otherwise from the due date
(marked ``projected``).

Councils' own timescales (the permanence plan at the second review, Bolton's 13 weeks
...) are data in ``policies_corpus/rules``, computed by ``timescales.py`` from these
reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from assistant.rules.date_arithmetic import add_period, add_period_with_holidays, describe_period, fmt
from assistant.rules.results import ComputedDate, ResultBuilder, RuleResult, holiday_words, holidays_of
from assistant.rules.rulebook import Rulebook

STATUTORY = "statutory-reviews"

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
