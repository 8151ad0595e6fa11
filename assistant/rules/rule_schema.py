"""The shape of a rule in ``policies_corpus/rules/*.yaml``, checked field by field at start-up.

A council rule is data: the document family it rests on, the verbatim passage, its
periods, and a ``timescale`` (dates counted from an anchor), an ``applicants`` list
(routes to applying for an order over the statute's route predicates) or its own
wording of a statutory ``definition``. The generic
evaluators (``timescales.py``, ``applicant_lists.py``) compute every rule that has one;
statutory rules are computed by the statute's own modules (``requirements.py`` names
them). Anything else would load and never be computed, so it is a start-up error.

``versions`` keeps the values of a rule per version of its document, OpenFisca-style:
a new policy version that changes a timescale adds an entry with its own quote and
periods, and the evaluator reads the one in force (the family's current version).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

STATUTE_AUTHORITY = "England"

PeriodUnit = Literal["working_days", "days", "weeks", "months", "years"]

# Where a date is counted from. ``review_<n>`` is the statutory review n (held if known,
# else due); any other name is the key of a date another rule computes (e.g. Bolton's
# ``bolton_second_review``), resolved when the rulebook loads.
FACT_ANCHORS = {
    "looked_after": "looked_after_from",
    "placement": "placement_date",
    "proceedings_issued": "care_proceedings_issued_on",
}


class Period(BaseModel):
    """A length of time as a rule states it: "20 working days", "3 months"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(gt=0)
    unit: PeriodUnit


class Passage(BaseModel):
    """A verbatim passage of another document that a rule also cites."""

    model_config = ConfigDict(extra="forbid")

    document_id: str
    quote: str = Field(min_length=10)
    key: str | None = Field(None, pattern=r"^[a-z0-9_]+$", description="Name the engine cites it by")
    note: str | None = None


class DateSpec(BaseModel):
    """One date of a timescale: ``anchor`` + ``period`` read with ``relation``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable name in results (gold items use it)")
    label: str
    anchor: str = Field(pattern=r"^[a-z0-9_]+$")
    period: str | None = Field(None, description="Name of one of the rule's periods; none for 'before' and 'at'")
    relation: Literal["by", "before", "at", "from", "window"] = "by"
    end_period: str | None = Field(None, description="window: the period that closes it")
    counting: Literal["after", "beginning_with", "more_than"] = Field(
        "after", description="beginning_with: the anchor day counts (one day less); more_than: the day after")
    held_fact: str | None = Field(None, description="Facts list whose first date is when this step was held")

    @model_validator(mode="after")
    def _shape(self) -> "DateSpec":
        if self.relation in ("by", "from", "window") and not self.period:
            raise ValueError(f"relation {self.relation!r} needs a period")
        if self.relation == "window" and not self.end_period:
            raise ValueError("relation 'window' needs end_period")
        return self


class Repeat(BaseModel):
    """Every ``period`` after the date ``after``, until the event ``until_fact`` happens."""

    model_config = ConfigDict(extra="forbid")

    after: str = Field(description="Key of the rule's date the repetition starts from")
    period: str
    key: str = Field(pattern=r"^[a-z0-9_]+$", description="Prefix: <key>_2, <key>_3 ...")
    label: str
    held_fact: str | None = Field(None, description="Facts list of the dates each one was held, in order")
    until_fact: str | None = Field(None, description="Fact: the date the repetition ends")


class Extension(BaseModel):
    """Dates moved on by extensions the facts list, each at most ``max_period``."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    max_period: str
    key: str = Field(pattern=r"^[a-z0-9_]+$", description="Prefix: <key>_1, <key>_2 ...")
    label: str


class Timescale(BaseModel):
    """When a council (or the law) expects a step, as data."""

    model_config = ConfigDict(extra="forbid")

    topic: Literal["permanence_plan", "second_review", "local_meeting", "local_decision", "local_practice",
                   "care_proceedings"]
    dates: list[DateSpec] = Field(default_factory=list)
    repeat: Repeat | None = None
    extend: Extension | None = None
    compare_with: str | None = Field(None, description="Anchor the first date is compared with, e.g. review_2")
    applies_if: dict[str, bool] = Field(default_factory=dict, description="Facts that must hold (unknown: said so)")
    when: str | None = Field(None, description="Plain words for applies_if, shown when the fact is unknown")
    if_anchor_missing: Literal["ask", "skip"] = "ask"
    no_fixed_timescale: bool = False

    @model_validator(mode="after")
    def _shape(self) -> "Timescale":
        if self.no_fixed_timescale == bool(self.dates):
            raise ValueError("give dates, or no_fixed_timescale: true (not both)")
        if self.repeat and self.repeat.after not in {d.key for d in self.dates}:
            raise ValueError(f"repeat.after {self.repeat.after!r} is not one of this timescale's date keys")
        return self


class RouteSpec(BaseModel):
    """One entry of a council's list of applicants: a route predicate with parameters."""

    model_config = ConfigDict(extra="forbid")

    route: Literal["guardian", "parent_or_guardian", "named_in_cao", "marriage", "lived_with_years",
                   "foster_carer_year", "cao_holders_consent", "la_consent", "all_pr_consent", "leave_granted",
                   "leave"]
    label: str
    passage: str = Field(description="Key of the rule's passage that states this entry")
    period: str | None = None
    window_begin: str | None = None
    window_end: str | None = None
    immediately_preceding: bool = True
    or_holders_consent: bool = False
    condition: Literal["care_order", "looked_after"] | None = None
    only_other_cases: bool = False


class Applicants(BaseModel):
    """A council's list of who may apply for an order."""

    model_config = ConfigDict(extra="forbid")

    order: Literal["sgo", "cao"]
    routes: list[RouteSpec] = Field(min_length=1)
    parent_excluded: str | None = Field(None, description="Passage key saying a parent may not apply")


class Definition(BaseModel):
    """A council's own wording of a statutory definition, evaluated beside the statute's."""

    model_config = ConfigDict(extra="forbid")

    of: Literal["private_fostering"]
    period: str = Field(description="The rule's period the wording counts")
    threshold: Literal["over", "or_more"] = Field(description="'over N days' or 'N days or more'")


class VersionValues(BaseModel):
    """What one version of the document says, where it differs from the rule's base values."""

    model_config = ConfigDict(extra="forbid")

    quote: str | None = Field(None, min_length=10)
    passages: dict[str, str] = Field(default_factory=dict)
    periods: dict[str, Period] = Field(default_factory=dict)


class Rule(BaseModel):
    """One rule as written in the YAML files."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    authority: str
    kind: Literal["statute", "local_policy"]
    legal_reference: str | None = None
    family: str | None = Field(None, description="Document family; the rule follows its current version")
    version: str | None = Field(None, description="Pin to one version (what a superseded document said)")
    quote: str | None = Field(None, min_length=10)
    statement: str
    periods: dict[str, Period] = Field(default_factory=dict)
    passages: dict[str, str] = Field(default_factory=dict)
    versions: dict[str, VersionValues] = Field(default_factory=dict)
    see_also: list[Passage] = Field(default_factory=list)
    timescale: Timescale | None = None
    applicants: Applicants | None = None
    definition: Definition | None = None
    notes: list[str] = Field(default_factory=list)
    # set by the loader: the document version the rule is evaluated against
    document_id: str | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _shape(self) -> "Rule":
        if self.kind == "statute":
            if not self.legal_reference:
                raise ValueError("a statutory rule needs legal_reference")
            if self.authority != STATUTE_AUTHORITY:
                raise ValueError(f"a statutory rule's authority must be {STATUTE_AUTHORITY!r}")
            if self.family or self.quote or self.passages:
                raise ValueError("a statutory rule rests on legal_reference, not on a council document's quote")
        else:
            if not self.family or not (self.quote or self.versions):
                raise ValueError("a local policy rule needs family and the verbatim quote it rests on")
        if sum(x is not None for x in (self.timescale, self.applicants, self.definition)) > 1:
            raise ValueError("a rule is one of a timescale, a list of applicants or a definition")
        return self

    def period_names(self) -> set[str]:
        names = set(self.periods)
        for values in self.versions.values():
            names |= set(values.periods)
        return names
