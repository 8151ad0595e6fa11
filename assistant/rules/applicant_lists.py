"""The generic applicant-list evaluator: a council's list of who may apply, as data.

A list is route entries over the statute's route predicates (``application_routes``),
each with its parameters (which period, whether the year must be "immediately
preceding", which consent condition) and the passage that states it. Each list is
evaluated as written and shown as its own result beside the statutory one, never
instead of it: where the list and the statute disagree, the result says so and the
statute decides.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from assistant.rules.application_routes import (
    CARE_ORDER_FACT, LIVED_WITH_FACT, all_pr_consent_route, cao_holders_consent_route, combine, la_consent_route,
    one_year_route, status_route, summary_line, three_years,
)
from assistant.rules.date_arithmetic import add_period, describe_period, fmt
from assistant.rules.facts import ApplicantFacts
from assistant.rules.lived_with import Span, spans_from
from assistant.rules.results import ResultBuilder, Route, RuleResult, changed_result
from assistant.rules.rule_schema import Period, Rule, RouteSpec
from assistant.rules.rulebook import Rulebook
from assistant.rules.scope import Scope

_REF = "council list"
_CONDITIONS = {"care_order": ("care_order_in_force", "the child is subject to a care order", CARE_ORDER_FACT),
               "looked_after": ("child_looked_after", "the child is looked after", "whether the child is looked after")}


def _any_year(route_id: str, label: str, f: ApplicantFacts, spans: list[Span], on: date, period: Period) -> Route:
    """"has lived for 1 year", not said to be immediately preceding: any year together counts."""
    if not f.is_local_authority_foster_carer:
        return Route(id=route_id, label=label, status="not_eligible", reasons=["Not a local authority foster carer."],
                     legal_reference=_REF)
    if not spans:
        return Route(id=route_id, label=label, status="cannot_tell", missing_facts=[LIVED_WITH_FACT],
                     legal_reference=_REF)
    best_next: date | None = None
    for s in spans:
        reached = add_period(s.start, period)
        last = s.end if s.end is not None else on
        if reached <= last + timedelta(days=1) and reached <= on:
            return Route(id=route_id, label=label, status="eligible", legal_reference=_REF,
                         reasons=[f"lived together for {describe_period(period)} from {fmt(s.start)}"])
        if s.end is None:
            best_next = reached
    if best_next:
        return Route(id=route_id, label=label, status="not_yet", qualifies_from=best_next, legal_reference=_REF,
                     reasons=[f"the time together is reached on {fmt(best_next)}"])
    return Route(id=route_id, label=label, status="not_eligible", reasons=["not long enough together"],
                 legal_reference=_REF)


def _route(spec: RouteSpec, rule: Rule, f: ApplicantFacts, spans: list[Span], on: date) -> Route | None:
    """One entry of the list evaluated on the facts (None: the entry cannot arise on these facts)."""
    p = rule.periods
    rid, label = spec.passage, spec.label
    build: dict[str, Callable[[], Route | None]] = {
        "guardian": lambda: status_route(rid, label, _REF, f.is_guardian, "the child's guardian"),
        "parent_or_guardian": lambda: status_route(rid, label, _REF, f.relationship == "parent" or f.is_guardian,
                                                   "a parent or guardian"),
        "named_in_cao": lambda: status_route(
            rid, label, _REF, bool(f.named_in_cao_as_living_with or (spec.or_holders_consent and f.other_cao_in_force
                                                                     is True and f.cao_holders_consent is True)),
            "named in such an order" + (" (or has its holders' consent)" if spec.or_holders_consent else "")),
        "marriage": lambda: status_route(rid, label, _REF, bool(getattr(f, "married_or_civil_partner_child_of_family",
                                                                        False)), "such a party"),
        "lived_with_years": lambda: three_years(rid, label, _REF, spans, on, p[spec.period or ""],
                                                p[spec.window_begin or ""], p.get(spec.window_end or "")),
        "foster_carer_year": lambda: (
            one_year_route(rid, label, _REF, f.is_local_authority_foster_carer, "the child's local authority foster "
                           "carer", "", spans, on, p[spec.period or ""]) if spec.immediately_preceding
            else _any_year(rid, label, f, spans, on, p[spec.period or ""])),
        "cao_holders_consent": lambda: cao_holders_consent_route(rid, label, _REF, f),
        "la_consent": lambda: la_consent_route(rid, label, _REF, f, getattr(f, _CONDITIONS[spec.condition or ""][0],
                                                                            None), *_CONDITIONS[spec.condition or ""][1:]),
        "all_pr_consent": lambda: all_pr_consent_route(rid, label, _REF, f, only_other_cases=spec.only_other_cases),
        "leave_granted": lambda: (Route(id=rid, label=label, status="eligible", legal_reference=_REF,
                                        reasons=["The court has granted leave."]) if f.leave_granted else None),
        "leave": lambda: None,  # added below, only when no entry makes the applicant eligible
    }
    return build[spec.route]()


def list_result(book: Rulebook, rule: Rule, f: ApplicantFacts, today: date, statute: RuleResult,
                order_words: str) -> RuleResult:
    topic = f"{rule.applicants.order}_eligibility"  # type: ignore[union-attr]
    if rule.id in book.stale:
        return changed_result(book, rule.id, topic)
    spec = rule.applicants
    assert spec is not None
    on = f.application_date or today
    b = ResultBuilder(book, topic, rule.id)
    head = b.cite_rule(rule.id)
    if spec.parent_excluded and f.relationship == "parent":
        b.reasons.append(f"{b.who}: \"{book.passage(rule.id, f'passage:{spec.parent_excluded}').quote}\" "
                         f"{b.cite_rule(rule.id, f'passage:{spec.parent_excluded}')}")
        return b.build("not_eligible", f"{b.who}'s list: a parent may not apply.")
    spans = spans_from(f)
    pairs = [(r, s.passage) for s in spec.routes if (r := _route(s, rule, f, spans, on)) is not None]
    outcome, missing, earliest = combine([r for r, _ in pairs])
    leave = next((s for s in spec.routes if s.route == "leave"), None)
    if leave and outcome != "eligible":
        pairs.append((Route(id=leave.passage, label=leave.label, status="possible", condition="with the court's leave",
                            reasons=["Anyone else must ask the court for leave."], legal_reference=_REF), leave.passage))
    b.routes.extend(r for r, _ in pairs)
    b.missing.extend(missing)
    b.reasons.append(f"{b.who}'s list of who may apply {head}:")
    for r, key in pairs:
        b.reasons.append(f"- {r.label} {b.cite_rule(rule.id, f'passage:{key}')}: {r.status.replace('_', ' ')}"
                         + (f" (from {fmt(r.qualifies_from)})" if r.qualifies_from else "")
                         + (f" - {r.reasons[0]}" if r.reasons else ""))
    if earliest:
        b.date("qualifies_from", f"Qualifies under {b.who}'s list from", earliest, "the list's time-based entry",
               relation="from")
    if outcome != statute.outcome or earliest != statute.earliest_date:
        b.reasons.append(f"This differs from the statutory result ({statute.outcome.replace('_', ' ')}"
                         + (f", from {fmt(statute.earliest_date)}" if statute.earliest_date else "")
                         + "): the statute decides; see the note on how the list differs.")
    summary = f"{b.who}'s list: " + summary_line(order_words, outcome, [r for r, _ in pairs], earliest, on)
    return b.build(outcome, summary, earliest_date=earliest)


def list_results(book: Rulebook, order: str, f: ApplicantFacts, today: date, statute: RuleResult, scope: Scope,
                 order_words: str) -> list[RuleResult]:
    """Each council's list for ``order`` (sgo | cao) in scope, in file order."""
    return [list_result(book, rule, f, today, statute, order_words)
            for rule in book.evaluated("applicants", order=order) if scope.wants(book, rule.id)]
