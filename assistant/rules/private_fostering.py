"""Is this arrangement private fostering? (Children Act 1989 s.66)

A child is privately fostered when under 16 (under 18 if disabled) and cared for and
accommodated by someone who is not a parent, not a holder of parental responsibility
and not a relative (s.105), for 28 days or more or intended to be (s.66(1), (2), (4)).

Days are counted inclusively: care from 1 March reaches 28 days on 28 March. A proposed
private foster carer must tell the local authority at least six weeks before the
arrangement begins, or immediately if it begins sooner (Children (Private Arrangements
for Fostering) Regulations 2005, reg. 3).

A council's own wording (a ``definition`` block, e.g. Bolton's "for a period of over 28
days") is shown as that council's result beside the statute's, with any gap stated.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from assistant.rules.date_arithmetic import describe_period, fmt, subtract_period
from assistant.rules.facts import PrivateFosteringFacts
from assistant.rules.relatives import NOT_RELATIVES, is_relative, words
from assistant.rules.results import ResultBuilder, RuleResult
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

PF = "private-fostering"
RELATIVE = "relative-definition"


def _age_on(dob: date, on: date) -> int:
    return relativedelta(on, dob).years


def _check_age(book: Rulebook, f: PrivateFosteringFacts, today: date) -> tuple[bool | None, str, str | None]:
    """(condition met?, reason, missing fact)."""
    limit = book.period(PF, "age_limit").amount
    limit_disabled = book.period(PF, "age_limit_disabled").amount
    age = f.child_age if f.child_age is not None else (_age_on(f.child_date_of_birth, today) if f.child_date_of_birth else None)
    if age is None:
        return None, "The child's age is needed.", "the child's age (or date of birth)"
    if age < limit:
        extra = ""
        if f.child_date_of_birth:
            turns = f.child_date_of_birth + relativedelta(years=limit)
            extra = f" (turns {limit} on {fmt(turns)}" + ("" if f.child_disabled else ", when the arrangement stops being private fostering") + ")"
        return True, f"The child is {age}, under {limit}{extra}.", None
    if age < limit_disabled:
        if f.child_disabled is True:
            return True, f"The child is {age} and disabled: under the limit of {limit_disabled} for a disabled child.", None
        if f.child_disabled is False:
            return False, f"The child is {age}: not under {limit}, and not disabled (the limit is {limit_disabled} only for a disabled child).", None
        return None, f"The child is {age}: private fostering only if disabled (limit {limit_disabled}).", "whether the child is disabled"
    return False, f"The child is {age}: at or over {limit_disabled}.", None


def _check_carer(f: PrivateFosteringFacts) -> tuple[bool | None, str, str | None]:
    rel = f.carer_relationship
    if rel == "parent":
        return False, "The carer is a parent.", None
    if f.carer_has_parental_responsibility:
        return False, "The carer has parental responsibility.", None
    verdict = is_relative(rel)
    if verdict is True:
        return False, f"The carer is a {words(rel or '')}: a relative under s.105.", None
    if rel in NOT_RELATIVES:
        return True, f"The carer ({words(rel)}) is not a parent, not a holder of parental responsibility and not a relative under s.105.", None
    return None, "The carer's exact relationship to the child is needed.", "the carer's exact relationship to the child (e.g. aunt, cousin, family friend)"


def _check_duration(f: PrivateFosteringFacts, today: date, threshold: int, over: bool) -> tuple[bool | None, str, str | None, date | None]:
    """(met?, reason, missing fact, date it becomes met if it continues)."""
    need = threshold + 1 if over else threshold
    words_need = f"over {threshold} days" if over else f"{threshold} days or more"
    words_short = f"{threshold} days or fewer" if over else f"less than {threshold} days"
    intended = f.intended_days
    if f.arrangement_start is None:
        if intended is not None:
            ok = intended >= need
            return ok, f"Intended to last {intended} days ({'meets' if ok else 'short of'} {words_need}).", None, None
        return None, "The start date or intended length is needed.", "when the arrangement started (or will start) and how long it is meant to last", None
    reached = f.arrangement_start + timedelta(days=need - 1)
    if f.arrangement_end is not None:
        days = (f.arrangement_end - f.arrangement_start).days + 1
        if days >= need:
            return True, f"{days} days ({fmt(f.arrangement_start)} to {fmt(f.arrangement_end)}): {words_need}.", None, None
        if intended is not None and intended >= need:
            return True, f"Intended to last {intended} days: {words_need}.", None, None
        return False, f"{days} days ({fmt(f.arrangement_start)} to {fmt(f.arrangement_end)}): {words_short}.", None, None
    so_far = max(0, (today - f.arrangement_start).days + 1)
    if so_far >= need:
        return True, f"Ongoing since {fmt(f.arrangement_start)}: {so_far} days so far, {words_need}.", None, None
    if intended is not None:
        if intended >= need:
            return True, f"Intended to last {intended} days: {words_need}.", None, reached
        return False, (f"Intended to last {intended} days: {words_short}; it becomes private fostering "
                       f"if it continues to {fmt(reached)}."), None, reached
    return None, (f"{so_far} days so far; private fostering if intended to last {words_need}, and in any case if it "
                  f"continues to {fmt(reached)}."), "how long the arrangement is intended to last", reached


def _combine(checks: list[tuple[bool | None, str, str | None]]) -> tuple[str, list[str]]:
    if any(c[0] is False for c in checks):
        return "does_not_apply", []
    missing = [c[2] for c in checks if c[0] is None and c[2]]
    return ("cannot_tell", missing) if missing else ("applies", [])


def statute_result(book: Rulebook, f: PrivateFosteringFacts, today: date) -> RuleResult:
    b = ResultBuilder(book, "private_fostering", PF)
    b.also_uses(RELATIVE)
    marks = b.cite_all(PF) + b.cite_all(RELATIVE)
    threshold = book.period(PF, "duration").amount
    age = _check_age(book, f, today)
    carer = _check_carer(f)
    dur_ok, dur_reason, dur_missing, reached = _check_duration(f, today, threshold, over=False)
    checks = [age, carer, (dur_ok, dur_reason, dur_missing)]
    outcome, missing = _combine(checks)
    b.missing.extend(missing)
    for ok, reason, _ in checks:
        flag = {True: "met", False: "not met", None: "unknown"}[ok]
        b.reasons.append(f"{reason} [{flag}]")
    b.reasons.append(f"Children Act 1989 s.66: {book.rule(PF).statement} {marks}".rstrip())
    if reached is not None and outcome != "does_not_apply":
        b.date("private_fostering_28_days", f"Arrangement reaches {threshold} days", reached,
               f"{threshold} days counted from {fmt(f.arrangement_start)} (inclusive)", relation="from")
    if outcome != "does_not_apply" and f.arrangement_start is not None:
        notice = book.period(PF, "advance_notice")
        by = subtract_period(f.arrangement_start, notice)
        if f.arrangement_start > today:
            if by >= today:
                b.date("private_fostering_notice", "Notify the local authority (proposed arrangement)", by,
                       f"at least {describe_period(notice)} before it begins on {fmt(f.arrangement_start)}")
                b.reasons.append(f"The proposed carer must notify the local authority by {fmt(by)}, at least "
                                 f"{describe_period(notice)} before the arrangement begins (reg. 3).")
            else:
                b.reasons.append(f"The arrangement begins within {describe_period(notice)}: the proposed carer must "
                                 f"notify the local authority immediately (reg. 3).")
        else:
            b.reasons.append(f"Notice to the local authority was due by {fmt(by)} ({describe_period(notice)} before "
                             f"the arrangement began, reg. 3); if none was given, tell the local authority now.")
    summary = {
        "applies": "This is private fostering (s.66).",
        "does_not_apply": "This is not private fostering (s.66).",
        "cannot_tell": "Cannot tell yet whether this is private fostering: " + "; ".join(missing) + ".",
    }[outcome]
    return b.build(outcome, summary)


def local_wording_result(book: Rulebook, rule_id: str, f: PrivateFosteringFacts, today: date,
                         statute: RuleResult) -> RuleResult:
    """A council's wording ("over N days"), beside the statute's "N days or more" (both from the YAML)."""
    b = ResultBuilder(book, "private_fostering", rule_id)
    wording = book.rule(rule_id).definition
    assert wording is not None
    over = wording.threshold == "over"
    local = book.period(rule_id, wording.period)
    threshold = local.amount
    age = _check_age(book, f, today)
    carer = _check_carer(f)
    dur_ok, dur_reason, dur_missing, reached = _check_duration(f, today, threshold, over=over)
    outcome, missing = _combine([age, carer, (dur_ok, dur_reason, dur_missing)])
    b.missing.extend(missing)
    b.reasons.append(b.said(rule_id))
    b.reasons.append(f"Duration on {b.who}'s wording: {dur_reason}")
    if outcome != statute.outcome:
        law = book.period(PF, "duration")
        said = f"over {describe_period(local)}" if over else f"{describe_period(local)} or more"
        b.reasons.append(f"This differs from the statute ({statute.outcome.replace('_', ' ')}): s.66 counts "
                         f"{describe_period(law)} or more, {b.who}'s text {said}; the statute decides.")
    words = f"{b.who}'s wording ({f'over {describe_period(local)}' if over else f'{describe_period(local)} or more'})"
    if reached is not None and outcome != "does_not_apply":
        b.date(f"{rule_id.replace('-', '_')}_over", f"Arrangement is over the period in {b.who}'s wording",
               reached, f"day {threshold + 1 if over else threshold} counted from {fmt(f.arrangement_start)}", relation="from")
    summary = {"applies": f"Within {words}.", "does_not_apply": f"Not within {words}.",
               "cannot_tell": f"Cannot tell yet on {words}: " + "; ".join(missing) + "."}[outcome]
    return b.build(outcome, summary)


def private_fostering(book: Rulebook, facts: PrivateFosteringFacts, today: date, scope: Scope) -> list[RuleResult]:
    statute = statute_result(book, facts, today)
    out = [statute]
    for rule in book.evaluated("definition", of="private_fostering"):
        if scope.wants(book, rule.id):
            out.append(local_wording_result(book, rule.id, facts, today, statute))
    return out
