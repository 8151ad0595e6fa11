"""May this person apply for a special guardianship order without the court's leave?

Statute (Children Act 1989 s.14A): a special guardian is 18 or over and never a parent.
Entitled to apply: a guardian; a person named in a child arrangements order as someone
the child lives with; anyone under s.10(5)(b) or (c) (three years' living together, or
the consent routes); a local authority foster parent, or a relative, with whom the child
has lived for at least one year immediately before the application. Others need leave
(and a recent foster parent may ask for leave only as s.9(3) allows). Written notice to
the local authority at least three months before applying (s.14A(7)).

Councils' own lists of who may apply are data (``applicants`` blocks), each evaluated as
written by ``applicant_lists`` and shown as its own result beside the statute's.
"""

from __future__ import annotations

from datetime import date

from assistant.rules.applicant_lists import list_results
from assistant.rules.application_routes import (
    RELATIONSHIP_FACT, all_pr_consent_route, cao_holders_consent_route, combine, la_consent_route, leave_route,
    one_year_route, status_route, summary_line, three_years,
)
from assistant.rules.date_arithmetic import describe_period, fmt
from assistant.rules.facts import SgoFacts
from assistant.rules.lived_with import Span, earliest_application_after_notice, spans_from
from assistant.rules.relatives import is_relative
from assistant.rules.results import ResultBuilder, Route, RuleResult
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

SGO = "special-guardianship-applicants"
CAO_STATUTE = "child-arrangements-applicants"
ORDER = "a special guardianship order"


def _statute_routes(book: Rulebook, f: SgoFacts, spans: list[Span], on: date) -> list[Route]:
    p = book.rule(SGO).periods
    c = book.rule(CAO_STATUTE).periods
    relative = is_relative(f.relationship)
    routes = [
        status_route("guardian", "Guardian of the child", "s.14A(5)(a)", f.is_guardian, "the child's guardian"),
        status_route("named_in_cao", "Named in a child arrangements order as a person the child lives with",
                     "s.14A(5)(b)", f.named_in_cao_as_living_with,
                     "named in a child arrangements order as a person the child lives with"),
        three_years("three_years", "Child has lived with the applicant for 3 years (within the last 5, ended no "
                    "more than 3 months ago)", "s.14A(5)(c) with s.10(5)(b) and s.10(10)", spans, on,
                    c["three_years"], c["window_begin"], c["window_end"]),
    ]
    fc = one_year_route("foster_carer_one_year", "Local authority foster carer, child lived with them 1 year "
                        "immediately before the application", "s.14A(5)(d)", f.is_local_authority_foster_carer,
                        "the child's local authority foster carer", "", spans, on, p["foster_carer_year"])
    rel = one_year_route("relative_one_year", "Relative, child lived with them 1 year immediately before the "
                         "application", "s.14A(5)(e)", relative, "a relative of the child (s.105)",
                         RELATIONSHIP_FACT, spans, on, p["relative_year"])
    routes.append(fc)
    # A foster carer whose relationship is not given already has the same one-year route
    # above; asking whether they are also a relative would change nothing.
    if not (relative is None and f.is_local_authority_foster_carer):
        routes.append(rel)
    cao = cao_holders_consent_route("cao_holders_consent", "Consent of those named in a child arrangements order",
                                    "s.14A(5)(c) with s.10(5)(c)(i)", f)
    if cao:
        routes.append(cao)
    routes.append(la_consent_route("la_consent", "Consent of the local authority (child in care under a care order)",
                                   "s.14A(5)(c) with s.10(5)(c)(ii)", f, f.care_order_in_force,
                                   "the child is subject to a care order", "whether the child is subject to a care order"))
    routes.append(all_pr_consent_route("all_pr_consent", "Consent of everyone with parental responsibility",
                                       "s.14A(5)(c) with s.10(5)(c)(iii)", f, only_other_cases=True))
    routes.append(leave_route("s.14A(3)(b)", f, relative, fc, p["foster_parent_leave_window"]))
    return routes


def _gate(f: SgoFacts) -> str | None:
    if f.relationship == "parent":
        return "A parent of the child can never be the child's special guardian (s.14A(2)(b))."
    if f.applicant_aged_18_or_over is False:
        return "A special guardian must be aged 18 or over (s.14A(2)(a))."
    return None


def _notice_dates(b: ResultBuilder, book: Rulebook, f: SgoFacts, today: date, qualifies: date | None) -> date:
    notice = book.period(SGO, "notice")
    if f.notice_given_on:
        earliest = earliest_application_after_notice(f.notice_given_on, notice)
        b.date("notice_earliest_application", "Earliest application date after the notice given", earliest,
               f"written notice given on {fmt(f.notice_given_on)} + {describe_period(notice)}", relation="from")
        b.reasons.append(f"Written notice was given on {fmt(f.notice_given_on)}: the application can be made "
                         f"from {fmt(earliest)} (s.14A(7)).")
    else:
        earliest = earliest_application_after_notice(today, notice)
        b.date("notice_earliest_application", "Earliest application date if notice is given today", earliest,
               f"written notice given today ({fmt(today)}) + {describe_period(notice)}", relation="from",
               projected=True)
        b.reasons.append(f"The applicant must give the local authority written notice of the intention to apply "
                         f"{describe_period(notice)} before applying (s.14A(7)): with notice given today "
                         f"({fmt(today)}) the earliest application date is {fmt(earliest)}.")
    both = max(qualifies, earliest) if qualifies else earliest
    if qualifies:
        b.date("earliest_application_without_leave", "Earliest application without leave", both,
               "the later of the qualifying date and the end of the notice period", relation="from",
               projected=f.notice_given_on is None)
        b.reasons.append(f"Earliest application without leave: {fmt(both)} (the later of the qualifying date and "
                         f"the notice date; notice may be given before the applicant qualifies).")
    return both


def statute_result(book: Rulebook, f: SgoFacts, today: date) -> RuleResult:
    on = f.application_date or today
    spans = spans_from(f)
    b = ResultBuilder(book, "sgo_eligibility", SGO)
    b.also_uses(CAO_STATUTE, cite_reference=False)  # its three-years periods; s.14A's reference names s.10
    b.cite_rule(SGO, "see_also:sgo_statute")
    marks = b.cite_rule(SGO, "see_also:not_parent_2026")
    gate = _gate(f)
    if gate:
        b.reasons.append(f"{gate} {marks}".rstrip())
        return b.build("not_eligible", gate)
    routes = _statute_routes(book, f, spans, on)
    b.routes.extend(routes)
    outcome, missing, earliest = combine(routes)
    b.missing.extend(missing)
    for r in routes:
        if r.status in ("eligible", "not_yet"):
            when = f" Qualifies from {fmt(r.qualifies_from)}." if r.qualifies_from else ""
            text = " ".join(r.reasons).rstrip(".") + "."
            b.reasons.append(f"{r.label} ({r.legal_reference}): {text}{when}")
    if earliest:
        b.date("qualifies_from", "Qualifies to apply without leave from", earliest,
               "the time-based route's qualifying date", relation="from")
    if f.applicant_aged_18_or_over is None:
        b.notes.append("Assumes the applicant is 18 or over (s.14A(2)(a)).")
    b.reasons.append(f"A parent can never be a special guardian {marks}.")
    summary = summary_line(ORDER, outcome, routes, earliest, on)
    if outcome != "not_eligible" or earliest:
        apply_from = _notice_dates(b, book, f, today, earliest if outcome != "eligible" else on)
        if outcome == "eligible" and apply_from > on:
            summary += (f" Written notice to the local authority is needed {describe_period(book.period(SGO, 'notice'))}"
                        f" before applying: earliest application {fmt(apply_from)}.")
    return b.build(outcome, summary, earliest_date=earliest)


def sgo_eligibility(book: Rulebook, facts: SgoFacts, today: date, scope: Scope) -> list[RuleResult]:
    """The statutory result, then each council's list (``applicant_lists``) in scope."""
    statute = statute_result(book, facts, today)
    out = [statute]
    return out + list_results(book, "sgo", facts, today, statute, scope, ORDER)
