"""Routes to applying for an order, shared by special guardianship and child arrangements.

Each route is evaluated three-valued on the facts given: eligible, not eligible, or
cannot tell (with the facts needed); time routes may be "not yet" with the date they
will be met. Consent routes depend on a decision someone else has not made yet: when
that consent is unknown the route is "possible" ("may apply if the local authority
consents") rather than "cannot tell", because it is an option to pursue, not a missing
fact about the child.
"""

from __future__ import annotations

from datetime import date

from assistant.rules.date_arithmetic import describe_period, fmt
from assistant.rules.facts import ApplicantFacts
from assistant.rules.lived_with import Span, TimeRoute, one_year_immediately_preceding, three_years_route
from assistant.rules.results import Route
from assistant.rules.rulebook import Period

LIVED_WITH_FACT = "since when (and for how long) the child has lived with the applicant"
CARE_ORDER_FACT = "whether the child is subject to a care order"
RELATIONSHIP_FACT = "the applicant's relationship to the child (e.g. grandparent, aunt, family friend)"


def _from_time(route_id: str, label: str, ref: str, tr: TimeRoute) -> Route:
    if tr.met:
        return Route(id=route_id, label=label, status="eligible", reasons=[tr.detail], legal_reference=ref)
    if tr.qualifies_from:
        return Route(id=route_id, label=label, status="not_yet", qualifies_from=tr.qualifies_from,
                     reasons=[f"Not yet: {tr.detail}."], legal_reference=ref)
    return Route(id=route_id, label=label, status="not_eligible", reasons=[tr.detail], legal_reference=ref)


def one_year_route(route_id: str, label: str, ref: str, who_ok: bool | None, who_words: str,
                   who_missing: str, spans: list[Span], on: date, period: Period) -> Route:
    """A person of a kind (foster carer, relative) with whom the child has lived a year immediately before."""
    if who_ok is False:
        return Route(id=route_id, label=label, status="not_eligible", reasons=[f"The applicant is not {who_words}."],
                     legal_reference=ref)
    if who_ok is None:
        return Route(id=route_id, label=label, status="cannot_tell", missing_facts=[who_missing], legal_reference=ref)
    if not spans:
        return Route(id=route_id, label=label, status="cannot_tell", missing_facts=[LIVED_WITH_FACT], legal_reference=ref)
    return _from_time(route_id, label, ref, one_year_immediately_preceding(spans, on, period))


def three_years(route_id: str, label: str, ref: str, spans: list[Span], on: date, three: Period,
                begin: Period, end: Period | None) -> Route:
    if not spans:
        return Route(id=route_id, label=label, status="cannot_tell", missing_facts=[LIVED_WITH_FACT], legal_reference=ref)
    return _from_time(route_id, label, ref, three_years_route(spans, on, three, begin, end))


def status_route(route_id: str, label: str, ref: str, holds: bool, words: str) -> Route:
    """A status the applicant has or has not (guardian, named in an order, parent...)."""
    if holds:
        return Route(id=route_id, label=label, status="eligible", reasons=[f"The applicant is {words}."], legal_reference=ref)
    return Route(id=route_id, label=label, status="not_eligible", reasons=[f"Not stated that the applicant is {words}."],
                 legal_reference=ref)


def cao_holders_consent_route(route_id: str, label: str, ref: str, f: ApplicantFacts) -> Route | None:
    """Consent of everyone named in a child arrangements order as living with the child (only if one exists)."""
    if f.other_cao_in_force is not True:
        return None
    if f.cao_holders_consent is True:
        return Route(id=route_id, label=label, status="eligible", reasons=["Those named in the order consent."],
                     legal_reference=ref)
    if f.cao_holders_consent is False:
        return Route(id=route_id, label=label, status="not_eligible", reasons=["Those named in the order do not consent."],
                     legal_reference=ref)
    return Route(id=route_id, label=label, status="possible",
                 reasons=["May apply now if everyone named in the order as living with the child consents."],
                 condition="with the consent of everyone named in the child arrangements order", legal_reference=ref)


def la_consent_route(route_id: str, label: str, ref: str, f: ApplicantFacts, condition: bool | None,
                     condition_words: str, condition_fact: str) -> Route:
    """Consent of the local authority, available when ``condition`` (e.g. a care order) holds."""
    if condition is False:
        return Route(id=route_id, label=label, status="not_eligible",
                     reasons=[f"Only where {condition_words}; that is not the case."], legal_reference=ref)
    if f.local_authority_consents is False:
        return Route(id=route_id, label=label, status="not_eligible", reasons=["The local authority does not consent."],
                     legal_reference=ref)
    if f.local_authority_consents is True:
        if condition is True:
            return Route(id=route_id, label=label, status="eligible", reasons=["The local authority consents."],
                         legal_reference=ref)
        return Route(id=route_id, label=label, status="cannot_tell", missing_facts=[condition_fact],
                     reasons=[f"The local authority consents; this route needs {condition_words}."], legal_reference=ref)
    words = "May apply now if the local authority consents" + ("" if condition else f" (only where {condition_words})")
    cond = "with the local authority's consent" + ("" if condition else f" (if {condition_words})")
    return Route(id=route_id, label=label, status="possible", reasons=[words + "."], condition=cond,
                 legal_reference=ref)


def all_pr_consent_route(route_id: str, label: str, ref: str, f: ApplicantFacts, only_other_cases: bool) -> Route:
    """Consent of everyone with parental responsibility; by statute only where there is no care order
    and no child arrangements order (s.10(5)(c)(iii) "in any other case")."""
    if only_other_cases and (f.care_order_in_force is True or f.other_cao_in_force is True):
        which = "a care order" if f.care_order_in_force else "a child arrangements order"
        return Route(id=route_id, label=label, status="not_eligible",
                     reasons=[f"Not this route: there is {which}, so the consent needed is the one for that case."],
                     legal_reference=ref)
    if f.all_with_pr_consent is False:
        return Route(id=route_id, label=label, status="not_eligible",
                     reasons=["Not everyone with parental responsibility consents."], legal_reference=ref)
    if f.all_with_pr_consent is True:
        if only_other_cases and f.care_order_in_force is None:
            return Route(id=route_id, label=label, status="cannot_tell", missing_facts=[CARE_ORDER_FACT],
                         reasons=["Everyone with parental responsibility consents; this route is for a child "
                                  "with no care order."], legal_reference=ref)
        return Route(id=route_id, label=label, status="eligible",
                     reasons=["Everyone with parental responsibility consents."], legal_reference=ref)
    cond = " (if there is no care order)" if only_other_cases and f.care_order_in_force is None else ""
    return Route(id=route_id, label=label, status="possible",
                 reasons=[f"May apply now if everyone with parental responsibility consents{cond}."],
                 condition=f"with the consent of everyone with parental responsibility{cond}", legal_reference=ref)


def leave_route(ref: str, f: ApplicantFacts, relative: bool | None, fc_year: Route | None,
                leave_window: Period) -> Route:
    """The court's leave; s.9(3) bars a (recent) local authority foster parent from even asking for leave
    unless the local authority consents, they are a relative, or the child has lived with them a year."""
    label = "With the court's leave"
    if f.leave_granted is True:
        return Route(id="leave", label=label, status="eligible", reasons=["The court has granted leave."],
                     legal_reference=ref)
    barred = (f.is_local_authority_foster_carer and relative is not True
              and (fc_year is None or fc_year.status != "eligible"))
    if barred:
        ref93 = ref + "; s.9(3)"
        s93 = (f"As a local authority foster carer (or one within the last {describe_period(leave_window)}) who is "
               f"not a relative and has had the child for less than a year, the applicant may ask for leave only "
               f"with the local authority's consent (s.9(3)).")
        if f.local_authority_consents is False:
            return Route(id="leave", label=label, status="not_eligible", reasons=[s93], legal_reference=ref93)
        return Route(id="leave", label=label, status="possible", reasons=[s93], legal_reference=ref93,
                     condition="with the court's leave, which this foster carer may ask for only with the local "
                               "authority's consent (s.9(3))")
    return Route(id="leave", label=label, status="possible",
                 reasons=["Anyone not entitled may ask the court for leave to apply."], condition="with the court's leave",
                 legal_reference=ref)


def combine(routes: list[Route]) -> tuple[str, list[str], date | None]:
    """Overall outcome, missing facts and earliest qualifying date from the routes."""
    if any(r.status == "eligible" for r in routes):
        return "eligible", [], None
    missing: list[str] = []
    for r in routes:
        if r.status == "cannot_tell":
            missing += [m for m in r.missing_facts if m not in missing]
    dates = [r.qualifies_from for r in routes if r.status == "not_yet" and r.qualifies_from]
    earliest = min(dates) if dates else None
    return ("cannot_tell" if missing else "not_eligible"), missing, earliest


def possible_words(routes: list[Route]) -> str:
    """"with the local authority's consent (...); or with ..." for routes still open now."""
    conds = [r.condition for r in routes if r.status == "possible" and r.condition]
    if len(conds) <= 1:
        return "".join(conds)
    return "; ".join(conds[:-1]) + "; or " + conds[-1]


def summary_line(order: str, outcome: str, routes: list[Route], earliest: date | None, on: date) -> str:
    if outcome == "eligible":
        names = ", ".join(r.label.lower() for r in routes if r.status == "eligible")
        return f"May apply for {order} without leave on {fmt(on)} ({names})."
    parts = []
    if outcome == "cannot_tell":
        parts.append(f"Cannot tell yet whether the applicant may apply for {order} without leave")
    else:
        parts.append(f"Not entitled to apply for {order} without leave on {fmt(on)}")
    if earliest:
        parts.append(f"qualifies from {fmt(earliest)}")
    text = "; ".join(parts) + "."
    open_now = possible_words(routes)
    if open_now:
        text += f" Possible now: {open_now}."
    return text
