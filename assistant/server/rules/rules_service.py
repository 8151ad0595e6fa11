"""The rule layer as a service: facts in, rule results out, shared by API, CLI and chat UI.

``get_rules_service(settings)`` loads and validates the rulebook once per corpus; each
method checks what the facts models cannot check alone (the council named exists, an
extension is within the rule's maximum), then calls the pure engine.
"""

from __future__ import annotations

import threading
from datetime import date

from pydantic import BaseModel, Field

from assistant.corpus import UnknownAuthority
from assistant.rules.cao_eligibility import cao_eligibility
from assistant.rules.date_arithmetic import describe_period
from assistant.rules.facts import CaoFacts, PrivateFosteringFacts, ReviewScheduleFacts, SgoFacts, TimelineFacts
from assistant.rules.private_fostering import private_fostering
from assistant.rules.results import RuleResult
from assistant.rules.rulebook import Rulebook, RulebookError, get_rulebook
from assistant.rules.scope import Scope
from assistant.rules.sgo_eligibility import sgo_eligibility
from assistant.rules.timeline import Timeline, build_timeline, review_schedule
from assistant.settings import Settings


class FactError(ValueError):
    """A fact that is well-formed but impossible under the rules; names the field."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class RulesResponse(BaseModel):
    """Results of one rule computation: one per authority (statute first)."""

    computation: str = Field(description="review_schedule | sgo_eligibility | cao_eligibility | private_fostering")
    today: date | None = Field(None, description="The date assessed on, where the computation depends on it")
    results: list[RuleResult]


class RulesService:
    """Rule computations over one validated rulebook."""

    def __init__(self, settings: Settings, book: Rulebook):
        self.settings = settings
        self.book = book

    # -- helpers -------------------------------------------------------------------
    def scope(self, authority: str | None, include_superseded: bool = True) -> Scope:
        """Raises ``UnknownAuthority`` (field ``authority``) for a council not in the corpus."""
        return Scope(authority=self.book.corpus.resolve_authority(authority), include_superseded=include_superseded)

    @staticmethod
    def today(value: date | None) -> date:
        return value or date.today()

    # -- computations ----------------------------------------------------------------
    def review_schedule(self, facts: ReviewScheduleFacts) -> RulesResponse:
        scope = self.scope(facts.authority, facts.include_superseded)
        return RulesResponse(computation="review_schedule", results=review_schedule(self.book, facts, scope))

    def sgo(self, facts: SgoFacts) -> RulesResponse:
        scope = self.scope(facts.authority, facts.include_superseded)
        today = self.today(facts.today)
        if facts.application_date is not None and facts.application_date < today:
            raise FactError("application_date", f"{facts.application_date} is before today ({today})")
        return RulesResponse(computation="sgo_eligibility", today=today,
                             results=sgo_eligibility(self.book, facts, today, scope))

    def cao(self, facts: CaoFacts) -> RulesResponse:
        scope = self.scope(facts.authority, facts.include_superseded)
        today = self.today(facts.today)
        if facts.application_date is not None and facts.application_date < today:
            raise FactError("application_date", f"{facts.application_date} is before today ({today})")
        return RulesResponse(computation="cao_eligibility", today=today,
                             results=cao_eligibility(self.book, facts, today, scope))

    def private_fostering(self, facts: PrivateFosteringFacts) -> RulesResponse:
        scope = self.scope(facts.authority)
        today = self.today(facts.today)
        if facts.child_date_of_birth and facts.child_date_of_birth > today:
            raise FactError("child_date_of_birth", f"{facts.child_date_of_birth} is after today ({today})")
        return RulesResponse(computation="private_fostering", today=today,
                             results=private_fostering(self.book, facts, today, scope))

    def timeline(self, facts: TimelineFacts) -> Timeline:
        scope = self.scope(facts.authority, facts.include_superseded)
        for rule in self.book.evaluated("timescale"):
            ext = rule.timescale.extend
            if ext is None:
                continue
            limit = rule.periods[ext.max_period]
            for amount in getattr(facts, ext.fact):
                if amount > limit.amount:
                    raise FactError(ext.fact, f"an extension of {amount} {limit.unit.replace('_', ' ')} exceeds the "
                                              f"{describe_period(limit)} the court may grant at a time")
        window = facts.due_soon_days if facts.due_soon_days is not None else self.settings.rules_due_soon_days
        return build_timeline(self.book, facts, self.today(facts.today), window, scope)


_services: dict[tuple[str, str], RulesService] = {}
_lock = threading.Lock()


def get_rules_service(settings: Settings) -> RulesService:
    """The rules service for ``settings``' corpus (rulebook loaded and validated once)."""
    key = (str(settings.resolve(settings.corpus_dir)), str(settings.manifest_path))
    with _lock:
        svc = _services.get(key)
        if svc is None:
            svc = RulesService(settings, get_rulebook(settings))
            _services[key] = svc
        return svc


def rules_status(settings: Settings) -> dict:
    """For /health and /rules/status: how many rules, which are stale (and what changed), or why none load."""
    try:
        book = get_rules_service(settings).book
    except RulebookError as exc:
        return {"ok": False, "problems": exc.problems}
    return {"ok": not book.stale, "rules": len(book.rules), "stale": [s.as_dict() for s in book.stale.values()]}


__all__ = ["FactError", "rules_status", "RulesResponse", "RulesService", "UnknownAuthority", "get_rules_service"]
