"""May this person apply for a child arrangements order to live with the child without leave?

Statute (Children Act 1989 s.10): entitled are a parent, guardian or special guardian;
a step-parent with parental responsibility; a person named in a child arrangements order
as someone the child lives with (s.10(4)); a party to a marriage or civil partnership in
which the child was a child of the family; a person the child has lived with for three
years in total (s.10(5)(b), (10): need not be continuous, but not begun more than five
years nor ended more than three months before the application); the consent routes
(s.10(5)(c)); a local authority foster parent (s.10(5A)) or a relative (s.10(5B)) the
child has lived with for one year immediately before the application. Everyone else needs
the court's leave; while a special guardianship order is in force a parent needs leave
too (s.10(7A)). Councils' own lists are data, evaluated by ``applicant_lists``.
"""

from __future__ import annotations

from datetime import date

from assistant.rules.applicant_lists import list_results
from assistant.rules.application_routes import (
    RELATIONSHIP_FACT, all_pr_consent_route, cao_holders_consent_route, combine, la_consent_route, leave_route,
    one_year_route, status_route, summary_line, three_years,
)
from assistant.rules.date_arithmetic import fmt
from assistant.rules.facts import CaoFacts
from assistant.rules.lived_with import Span, spans_from
from assistant.rules.relatives import is_relative
from assistant.rules.results import ResultBuilder, Route, RuleResult
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

CAO = "child-arrangements-applicants"
ORDER = "a child arrangements order (to live with the child)"


def _parent_route(f: CaoFacts, b: ResultBuilder | None) -> Route:
    label = "Parent of the child"
    if f.relationship != "parent":
        return Route(id="parent", label=label, status="not_eligible", reasons=["Not a parent."], legal_reference="s.10(4)(a)")
    if f.special_guardianship_order_in_force is True:
        mark = b.cite_rule(CAO, "see_also:parent_leave_sgo") if b else ""
        return Route(id="parent", label=label, status="not_eligible", legal_reference="s.10(4)(a), s.10(7A)",
                     reasons=[f"A special guardianship order is in force: a parent needs the court's leave to apply "
                              f"for a child arrangements order {mark}".rstrip() + "."])
    if f.special_guardianship_order_in_force is None:
        return Route(id="parent", label=label, status="eligible", legal_reference="s.10(4)(a)",
                     reasons=["A parent is entitled to apply (unless a special guardianship order is in force, when "
                              "leave is needed)."])
    return Route(id="parent", label=label, status="eligible", reasons=["A parent is entitled to apply."],
                 legal_reference="s.10(4)(a)")


def _statute_routes(book: Rulebook, f: CaoFacts, spans: list[Span], on: date, b: ResultBuilder) -> list[Route]:
    p = book.rule(CAO).periods
    relative = is_relative(f.relationship)
    routes = [
        _parent_route(f, b),
        status_route("guardian", "Guardian or special guardian", "s.10(4)(a)", f.is_guardian or f.is_special_guardian,
                     "the child's guardian or special guardian"),
        status_route("step_parent_pr", "Step-parent with parental responsibility", "s.10(4)(aa)", f.step_parent_with_pr,
                     "a step-parent with parental responsibility"),
        status_route("named_in_cao", "Named in a child arrangements order as a person the child lives with",
                     "s.10(4)(b)", f.named_in_cao_as_living_with,
                     "named in a child arrangements order as a person the child lives with"),
        status_route("marriage", "Party to a marriage or civil partnership in which the child was a child of the family",
                     "s.10(5)(a), (aa)", f.married_or_civil_partner_child_of_family,
                     "a party to a marriage or civil partnership in which the child was a child of the family"),
    ]
    if f.relationship != "parent":  # a parent's entitlement is s.10(4); the time routes are for others
        routes.append(three_years("three_years", "Child has lived with the applicant for 3 years (within the last 5, "
                                  "ended no more than 3 months ago)", "s.10(5)(b), s.10(10)", spans, on,
                                  p["three_years"], p["window_begin"], p["window_end"]))
    fc = one_year_route("foster_carer_one_year", "Local authority foster carer, child lived with them 1 year "
                        "immediately before the application", "s.10(5A)", f.is_local_authority_foster_carer,
                        "the child's local authority foster carer", "", spans, on, p["foster_carer_year"])
    routes.append(fc)
    if not (relative is None and (f.is_local_authority_foster_carer or f.relationship == "parent")):
        routes.append(one_year_route("relative_one_year", "Relative, child lived with them 1 year immediately before "
                                     "the application", "s.10(5B)", relative, "a relative of the child (s.105)",
                                     RELATIONSHIP_FACT, spans, on, p["relative_year"]))
    cao = cao_holders_consent_route("cao_holders_consent", "Consent of those named in a child arrangements order",
                                    "s.10(5)(c)(i)", f)
    if cao:
        routes.append(cao)
    routes.append(la_consent_route("la_consent", "Consent of the local authority (child in care under a care order)",
                                   "s.10(5)(c)(ii)", f, f.care_order_in_force, "the child is subject to a care order",
                                   "whether the child is subject to a care order"))
    routes.append(all_pr_consent_route("all_pr_consent", "Consent of everyone with parental responsibility",
                                       "s.10(5)(c)(iii)", f, only_other_cases=True))
    if not any(r.status == "eligible" for r in routes):
        routes.append(leave_route("s.10(1)(a)(ii), s.10(2)(b)", f, relative, fc, p["foster_parent_leave_window"]))
    return routes


def statute_result(book: Rulebook, f: CaoFacts, today: date) -> RuleResult:
    on = f.application_date or today
    b = ResultBuilder(book, "cao_eligibility", CAO)
    b.cite_rule(CAO, "see_also:0")
    b.cite_rule(CAO, "see_also:1")
    routes = _statute_routes(book, f, spans_from(f), on, b)
    b.routes.extend(routes)
    outcome, missing, earliest = combine(routes)
    b.missing.extend(missing)
    for r in routes:
        if r.status in ("eligible", "not_yet") or (r.id == "parent" and f.relationship == "parent"):
            when = f" Qualifies from {fmt(r.qualifies_from)}." if r.qualifies_from else ""
            text = " ".join(r.reasons).rstrip(".") + "."
            b.reasons.append(f"{r.label} ({r.legal_reference}): {text}{when}")
    if earliest:
        b.date("qualifies_from", "Qualifies to apply without leave from", earliest,
               "the time-based route's qualifying date", relation="from")
    return b.build(outcome, summary_line(ORDER, outcome, routes, earliest, on), earliest_date=earliest)


def cao_eligibility(book: Rulebook, facts: CaoFacts, today: date, scope: Scope) -> list[RuleResult]:
    """The statutory result, then each council's list (``applicant_lists``) in scope."""
    statute = statute_result(book, facts, today)
    out = [statute]
    return out + list_results(book, "cao", facts, today, statute, scope, ORDER)
