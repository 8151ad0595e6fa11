"""POST /rules/*: deterministic rule computations with their legal basis and citations.

Thin routes: parse the facts (pydantic returns a 422 naming any invalid field),
call ``RulesService`` through a cached dependency (the rulebook is loaded and validated
once), and map domain errors to a 422 that names the field and the reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from assistant.corpus import UnknownAuthority
from assistant.rules.facts import CaoFacts, PrivateFosteringFacts, ReviewScheduleFacts, SgoFacts, TimelineFacts
from assistant.rules.timeline import Timeline
from assistant.server.errors import unknown_authority
from assistant.access.roles import ASK
from assistant.server.rules.rules_service import FactError, RulesResponse, RulesService, get_rules_service, rules_status
from assistant.server.security import require, settings_of

router = APIRouter(prefix="/rules", tags=["rules"], dependencies=[Depends(require(ASK))])


def rules_service(request: Request) -> RulesService:
    """Dependency: the process's rules service (cached per corpus)."""
    return get_rules_service(settings_of(request))


def _run(call, facts):
    try:
        return call(facts)
    except UnknownAuthority as exc:
        raise unknown_authority(exc) from exc
    except FactError as exc:
        raise HTTPException(
            status_code=422,
            detail=[{"type": "value_error", "loc": ["body", exc.field], "msg": exc.message}],
        ) from exc


@router.post("/review-schedule", response_model=RulesResponse, summary="Statutory reviews and permanence-plan timing")
def review_schedule(facts: ReviewScheduleFacts, svc: RulesService = Depends(rules_service)) -> RulesResponse:
    """Statutory review due dates (reg. 33), each council's permanence-plan timing, Bolton's 13 weeks."""
    return _run(svc.review_schedule, facts)


@router.post("/eligibility/sgo", response_model=RulesResponse, summary="Special guardianship: who may apply without leave")
def sgo(facts: SgoFacts, svc: RulesService = Depends(rules_service)) -> RulesResponse:
    """Children Act 1989 s.14A routes, the earliest qualifying date, the notice date, Wigan's lists."""
    return _run(svc.sgo, facts)


@router.post("/eligibility/cao", response_model=RulesResponse, summary="Child arrangements order (live with): who may apply without leave")
def cao(facts: CaoFacts, svc: RulesService = Depends(rules_service)) -> RulesResponse:
    """Children Act 1989 s.10 routes (incl. the three-years route), Wigan's lists."""
    return _run(svc.cao, facts)


@router.post("/private-fostering", response_model=RulesResponse, summary="Is this arrangement private fostering?")
def private_fostering(facts: PrivateFosteringFacts, svc: RulesService = Depends(rules_service)) -> RulesResponse:
    """Children Act 1989 s.66 (with s.105 relatives), notice dates, Bolton's wording."""
    return _run(svc.private_fostering, facts)


@router.post("/timeline", response_model=Timeline, summary="Every due date for one child, marked against today")
def timeline(facts: TimelineFacts, svc: RulesService = Depends(rules_service)) -> Timeline:
    """All applicable statutory and local due dates in order: overdue / due soon / upcoming / done."""
    return _run(svc.timeline, facts)


@router.get("/status", summary="Rules loaded, and rules whose policy passage changed (stale)")
def status(request: Request) -> dict:
    """Each stale rule with its old passage and the current version's passage (from the section diff)."""
    return rules_status(settings_of(request))
