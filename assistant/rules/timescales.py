"""The generic timescale evaluator: every rule with a ``timescale`` block, computed from its data.

A date is ``anchor`` + ``period`` read with a ``relation`` (by, before, at, from, a
window), counted "after" the anchor, "beginning with" it (the anchor day counts) or
"more than" the period; it may repeat every period until an event, be extended by
the facts, and be compared with another anchor (Bolton's 13 weeks beside the
statutory second review). Reasons and summaries are rendered from the rule's fields
and its located passage, so a number changed in the YAML changes every word that
states it. Conventions (documented in ``policies_corpus/rules/README.md``): "before"
a review is the day before it; a date counted from a review not yet held is
``projected`` from its due date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from assistant.rules.date_arithmetic import add_period_with_holidays, describe_period, fmt
from assistant.rules.results import ComputedDate, ResultBuilder, RuleResult, changed_result, holiday_words, holidays_of
from assistant.rules.review_schedule import STATUTORY, ReviewDue, ordinal
from assistant.rules.rule_schema import FACT_ANCHORS, DateSpec, Period, Rule
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

_ANCHOR_WORDS = {"looked_after": "entry to care on", "placement": "placement on",
                 "proceedings_issued": "the day of issue,"}
_FACT_WORDS = {"looked_after": "the date the child became looked after", "placement": "the date the child was "
               "placed (placement_date)", "proceedings_issued": "the date the proceedings were issued"}
_REL_WORD = {"by": "by", "from": "from", "window_opens": "from", "window_closes": "by"}


@dataclass(frozen=True)
class Anchor:
    when: date
    words: str
    projected: bool = False
    held: date | None = None


@dataclass
class Anchors:
    """Dates a timescale may count from: the facts, the statutory reviews, other rules' dates."""

    facts: object
    reviews: list[ReviewDue]
    dates: dict[str, ComputedDate] = field(default_factory=dict)

    def get(self, name: str) -> Anchor | None:
        if name in FACT_ANCHORS:
            value = getattr(self.facts, FACT_ANCHORS[name], None)
            return Anchor(value, f"{_ANCHOR_WORDS[name]} {fmt(value)}") if value else None
        if name.startswith("review_") and name[7:].isdigit():
            n = int(name[7:])
            if n > len(self.reviews):
                return None
            r = self.reviews[n - 1]
            if r.held:
                return Anchor(r.held, f"the {ordinal(n).lower()} review, held on {fmt(r.held)}", held=r.held)
            return Anchor(r.due.date, f"the {ordinal(n).lower()} review, due by {fmt(r.due.date)} on the "
                          f"statutory schedule", projected=True)
        d = self.dates.get(name)
        return Anchor(d.date, f"{d.label[0].lower()}{d.label[1:]} ({fmt(d.date)})", projected=d.projected) if d else None


def _counted(spec: DateSpec, start: date, period: Period) -> tuple[date, str, list]:
    when, wd = add_period_with_holidays(start, period)
    skipped = holidays_of(wd.skipped_holidays) if wd else []
    if spec.counting == "beginning_with":
        return when - timedelta(days=1), f"{describe_period(period)} beginning with", skipped
    if spec.counting == "more_than":
        return when + timedelta(days=1), f"more than {describe_period(period)} after", skipped
    return when, f"{describe_period(period)} after", skipped


def _dates_of(spec: DateSpec, rule: Rule, anchor: Anchor, held: date | None) -> list[ComputedDate]:
    common = {"projected": anchor.projected}
    if spec.relation == "before":
        return [ComputedDate(key=spec.key, label=spec.label, date=anchor.when - timedelta(days=1),
                             basis=f"the day before {anchor.words}", held_on=held, **common)]
    if spec.relation == "at":
        return [ComputedDate(key=spec.key, label=spec.label, date=anchor.when, basis=f"at {anchor.words}",
                             held_on=anchor.held or held, **common)]
    when, words, skipped = _counted(spec, anchor.when, rule.periods[spec.period or ""])
    basis = f"{words} {anchor.words}{holiday_words(skipped)}"
    if spec.relation == "window":
        closes, end_words, _ = _counted(spec, anchor.when, rule.periods[spec.end_period or ""])
        return [ComputedDate(key=f"{spec.key}_opens", label=f"{spec.label} (window opens)", date=when, basis=basis,
                             relation="window_opens", **common),
                ComputedDate(key=f"{spec.key}_closes", label=spec.label, date=closes,
                             basis=f"{end_words} {anchor.words}", relation="window_closes", **common)]
    return [ComputedDate(key=spec.key, label=spec.label, date=when, basis=basis, relation=spec.relation,
                         held_on=held, late=(held > when) if held and spec.relation == "by" else None,
                         skipped_holidays=skipped, **common)]


def _repeat(b: ResultBuilder, rule: Rule, facts: object, today: date | None) -> str:
    """Every N until the event: from the last one held, or projected from the first due date."""
    rep = rule.timescale.repeat  # type: ignore[union-attr]
    every = rule.periods[rep.period]
    held = list(getattr(facts, rep.held_fact, None) or []) if rep.held_fact else []
    until = getattr(facts, rep.until_fact, None) if rep.until_fact else None
    then = f", then every {describe_period(every)}"
    if until is not None and (today is None or until <= today):
        b.reasons.append(f"Ended on {fmt(until)}: no further dates are due.")
        return then + f" until {fmt(until)}"
    first = next(d for d in b.dates if d.key == rep.after)
    if held:
        nxt = add_period_with_holidays(held[-1], every)[0]
        b.date(f"{rep.key}_{len(held) + 1}", rep.label, nxt, f"{describe_period(every)} after the one held on "
               f"{fmt(held[-1])}")
    elif today is not None:
        k, nxt = 1, first.date
        while nxt < today:
            nxt, k = add_period_with_holidays(nxt, every)[0], k + 1
        if k > 1:
            b.date(f"{rep.key}_{k}", rep.label, nxt, f"every {describe_period(every)} from the first due date "
                   f"(no dates held were given)", projected=True)
    return then


def _extend(b: ResultBuilder, rule: Rule, facts: object) -> None:
    ext = rule.timescale.extend  # type: ignore[union-attr]
    unit = rule.periods[ext.max_period].unit
    current = b.dates[-1].date
    for i, amount in enumerate(getattr(facts, ext.fact, None) or [], 1):
        step = Period(amount=amount, unit=unit)
        current = add_period_with_holidays(current, step)[0]
        b.date(f"{ext.key}_{i}", f"{ext.label} (extension {i})", current,
               f"extended by {describe_period(step)}")


def _compare(b: ResultBuilder, anchors: Anchors, name: str) -> str:
    other = anchors.get(name)
    if other is None or not b.dates:
        return ""
    gap = (other.when - b.dates[0].date).days
    how = (f"{gap} days earlier than" if gap > 0 else f"{-gap} days later than" if gap < 0 else "the same day as")
    b.reasons.append(f"{b.dates[0].label} ({fmt(b.dates[0].date)}) is {how} {other.words}. Both are shown: the "
                     f"statutory schedule is the legal limit; this is {b.who}'s own timescale.")
    return f" - {other.words}"


def evaluate(book: Rulebook, rule: Rule, anchors: Anchors, today: date | None) -> RuleResult | None:
    """The rule's result for these facts; None when it does not apply (or cannot be anchored and says skip)."""
    t = rule.timescale
    assert t is not None
    if rule.id in book.stale:
        return changed_result(book, rule.id, t.topic)
    b = ResultBuilder(book, t.topic, rule.id)
    if any(n.startswith("review_") for n in [*(d.anchor for d in t.dates), t.compare_with or ""]):
        b.also_uses(STATUTORY)
    for fact, wanted in t.applies_if.items():
        value = getattr(anchors.facts, fact, None)
        if value is None:
            b.notes.append(f"Applies only {t.when or 'if ' + fact.replace('_', ' ')}.")
        elif value != wanted:
            return None
    b.reasons.append(b.said(rule.id))
    if t.no_fixed_timescale:
        b.reasons.append("It states no fixed timescale, so no date is computed.")
        return b.build("no_timescale", f"{b.who}: {rule.title} - no fixed timescale stated.")
    for spec in t.dates:
        anchor = anchors.get(spec.anchor)
        if anchor is None:
            if t.if_anchor_missing == "skip" or spec.anchor not in _FACT_WORDS:
                return None
            b.missing.append(_FACT_WORDS[spec.anchor])
            continue
        held = (getattr(anchors.facts, spec.held_fact, None) or [None])[0] if spec.held_fact else None
        b.dates.extend(_dates_of(spec, rule, anchor, held))
    if b.missing:
        return b.build("cannot_tell", f"{b.who}: {rule.title} - {'; '.join(b.missing)} needed.")
    then = _repeat(b, rule, anchors.facts, today) if t.repeat else ""
    if t.extend:
        _extend(b, rule, anchors.facts)
    for d in b.dates:
        b.reasons.append(f"{d.label}: {_REL_WORD[d.relation]} {fmt(d.date)} ({d.basis})"
                         + (f"; held on {fmt(d.held_on)}." if d.held_on else "."))
    if any(d.projected for d in b.dates):
        b.reasons.append("Counted from a due date, not from an event that happened: if it happens earlier, "
                         "the date moves earlier.")
    compared = _compare(b, anchors, t.compare_with) if t.compare_with else ""
    own = {spec.key for spec in t.dates} | {f"{spec.key}_{end}" for spec in t.dates for end in ("opens", "closes")}
    shown = [d for d in b.dates if d.key in own]
    shown = b.dates[-1:] if t.extend else shown
    words = "; ".join(f"{d.label} {_REL_WORD[d.relation]} {fmt(d.date)}" for d in shown)
    for d in b.dates:
        anchors.dates[d.key] = d
    return b.build("computed", f"{b.who}: {words}{then}{compared}.")


def _in_dependency_order(rules: list[Rule]) -> list[Rule]:
    """Rules after the rules whose dates they count from (a stable topological order)."""
    producer = {d.key: r.id for r in rules for d in r.timescale.dates}  # type: ignore[union-attr]
    needs = {r.id: {producer[d.anchor] for d in r.timescale.dates  # type: ignore[union-attr]
                    if d.anchor in producer and producer[d.anchor] != r.id} for r in rules}
    done: list[Rule] = []
    while len(done) < len(rules):
        ready = [r for r in rules if r not in done and needs[r.id] <= {x.id for x in done}]
        done += ready or [r for r in rules if r not in done]  # a cycle: refused at start-up (rule_checks)
    return done


def evaluate_timescales(book: Rulebook, facts: object, reviews: list[ReviewDue], today: date | None,
                        scope: Scope, topics: Iterable[str] | None = None) -> list[RuleResult]:
    """Every timescale rule in scope (and of ``topics``), each its own result, in file order.

    Rules that count from another rule's date are computed after it; a rule out of scope
    is still computed when another one counts from it, but not shown.
    """
    rules = book.evaluated("timescale")
    ordered = _in_dependency_order(rules)
    anchors = Anchors(facts, reviews)
    wanted = set(topics) if topics is not None else None
    results: dict[str, RuleResult] = {}
    for rule in ordered:
        res = evaluate(book, rule, anchors, today)
        if res is not None and scope.wants(book, rule.id) and (wanted is None or rule.timescale.topic in wanted):
            results[rule.id] = res
    return [results[r.id] for r in rules if r.id in results]
