"""The facts each rule reads: one pydantic model per computation, shared by API, CLI and chat.

Each model checks what can be checked without the rulebook: real dates, dates in
order, and facts that cannot both be true (a review held before the child was looked
after). A failed check names the field and the reason, which the API returns as a 422.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator, model_validator,
)

from assistant.text_input import CLEAN_TEXT_SCHEMA, check_clean

EARLIEST, LATEST = date(1900, 1, 1), date(2099, 12, 31)


def _plausible(d: date) -> date:
    """A date a case can have: date arithmetic on 9999-12-31 or 0001-01-01 overflows."""
    if not EARLIEST <= d <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return d


# Every date a rule reads; the schema says the same range as the validator.
Day = Annotated[
    date,
    AfterValidator(_plausible),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(19|20)\d\d-\d\d-\d\d$"}),
]

Relationship = Literal[
    "parent", "grandparent", "brother", "sister", "sibling", "uncle", "aunt", "step_parent",
    "great_grandparent", "great_aunt", "great_uncle", "cousin", "other_relative", "family_friend", "unrelated",
]

_AUTHORITY = Field(
    None,
    max_length=200,
    json_schema_extra=CLEAN_TEXT_SCHEMA,
    description="Council to show local rules for (short or full name, e.g. 'Luton'); statute always applies. "
    "Omit for every council.",
    examples=["Luton"],
)
_SUPERSEDED = Field(True, description="Also show rules from superseded documents (marked as such)")


def _check_order(values: list[date], field: str) -> list[date]:
    for earlier, later in zip(values, values[1:]):
        if later <= earlier:
            raise ValueError(f"{field} must be in date order with no repeats: {later} is not after {earlier}")
    return values


class ReviewScheduleFacts(BaseModel):
    """Facts for the statutory review schedule and each council's permanence-plan timing."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"looked_after_from": "2026-03-02"},
                                        {"looked_after_from": "2026-03-02", "reviews_held": ["2026-03-25"],
                                         "authority": "Bolton"}]},
    )

    looked_after_from: Day = Field(description="Date the child became looked after", examples=["2026-03-02"])
    reviews_held: list[Day] = Field(
        default_factory=list,
        description="Dates the looked-after reviews were actually held, first review first; "
        "later due dates run from these",
        examples=[["2026-03-25"]],
    )
    later_reviews: int = Field(2, ge=0, le=20, description="How many reviews after the second to list")
    authority: str | None = _AUTHORITY
    _clean_authority = field_validator("authority", mode="before")(check_clean)
    include_superseded: bool = _SUPERSEDED

    @field_validator("reviews_held")
    @classmethod
    def _reviews_after_start(cls, v: list[date], info: ValidationInfo) -> list[date]:
        start = info.data.get("looked_after_from")
        if start is not None:
            for held in v:
                if held < start:
                    raise ValueError(
                        f"a review held on {held} is before the child became looked after ({start})"
                    )
        return _check_order(v, "reviews_held")


class LivedWithPeriod(BaseModel):
    """A time the child lived with the applicant (first and last day, inclusive)."""

    model_config = ConfigDict(extra="forbid")

    from_date: Day = Field(description="First day the child lived with the applicant", examples=["2025-01-10"])
    to_date: Day | None = Field(None, description="Last day the child lived with the applicant; omit if still living there")

    @model_validator(mode="after")
    def _order(self) -> "LivedWithPeriod":
        if self.to_date is not None and self.to_date < self.from_date:
            raise ValueError(f"to_date {self.to_date} is before from_date {self.from_date}")
        return self


class ApplicantFacts(BaseModel):
    """Facts about the would-be applicant and the child, for order eligibility."""

    model_config = ConfigDict(extra="forbid")

    today: Day | None = Field(None, description="Date to assess on (default: the server's date)", examples=["2025-12-01"])
    application_date: Day | None = Field(
        None, description="Date the application would be made (default: today)", examples=["2025-12-01"]
    )
    relationship: Relationship | None = Field(
        None, description="The applicant's relationship to the child", examples=["unrelated"]
    )
    is_local_authority_foster_carer: bool = Field(False, description="The applicant is the child's local authority foster carer")
    is_guardian: bool = Field(False, description="The applicant is the child's guardian (appointed under s.5)")
    named_in_cao_as_living_with: bool = Field(
        False, description="The applicant is named in a child arrangements order as a person the child lives with"
    )
    lived_with_since: Day | None = Field(
        None, description="The child has lived with the applicant continuously since this date (still living there)",
        examples=["2025-01-10"],
    )
    lived_with: list[LivedWithPeriod] = Field(
        default_factory=list, description="Other or earlier periods the child lived with the applicant"
    )
    care_order_in_force: bool | None = Field(None, description="The child is subject to a care order (is 'in the care of' the local authority)")
    local_authority_consents: bool | None = Field(None, description="The local authority consents to the application")
    all_with_pr_consent: bool | None = Field(None, description="Everyone with parental responsibility consents")
    other_cao_in_force: bool | None = Field(
        None, description="A child arrangements order naming someone else as a person the child lives with is in force"
    )
    cao_holders_consent: bool | None = Field(None, description="Everyone named in that order as living with the child consents")
    leave_granted: bool | None = Field(None, description="The court has granted leave to apply")
    applicant_aged_18_or_over: bool | None = Field(None, description="The applicant is 18 or over (unknown = assumed, and said so)")
    authority: str | None = _AUTHORITY
    _clean_authority = field_validator("authority", mode="before")(check_clean)
    include_superseded: bool = _SUPERSEDED

    @field_validator("application_date")
    @classmethod
    def _application_not_before_today(cls, v: date | None, info: ValidationInfo) -> date | None:
        today = info.data.get("today")
        if v is not None and today is not None and v < today:
            raise ValueError(f"application_date {v} is before today ({today}); give the date it would be made")
        return v

    @field_validator("lived_with_since")
    @classmethod
    def _since_before_application(cls, v: date | None, info: ValidationInfo) -> date | None:
        when = info.data.get("application_date") or info.data.get("today")
        if v is not None and when is not None and v > when:
            raise ValueError(f"lived_with_since {v} is after the date assessed ({when})")
        return v

    @field_validator("lived_with")
    @classmethod
    def _periods_before_application(cls, v: list[LivedWithPeriod], info: ValidationInfo) -> list[LivedWithPeriod]:
        when = info.data.get("application_date") or info.data.get("today")
        if when is not None:
            for p in v:
                if p.from_date > when:
                    raise ValueError(f"a period starting {p.from_date} is after the date assessed ({when})")
                if p.to_date is not None and p.to_date > when:
                    raise ValueError(f"a period ending {p.to_date} is after the date assessed ({when})")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> "ApplicantFacts":
        if self.relationship == "parent" and self.is_local_authority_foster_carer:
            raise ValueError("relationship: a parent cannot be the child's local authority foster carer")
        if self.cao_holders_consent is not None and self.other_cao_in_force is False:
            raise ValueError("cao_holders_consent given but other_cao_in_force is false")
        return self


class SgoFacts(ApplicantFacts):
    """Facts for: may this person apply for a special guardianship order without leave?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"today": "2025-12-01", "relationship": "unrelated",
                                         "is_local_authority_foster_carer": True,
                                         "lived_with_since": "2025-01-10"}]},
    )

    notice_given_on: Day | None = Field(
        None, description="Date written notice of the intention to apply was given to the local authority",
        examples=["2025-12-01"],
    )

    @field_validator("notice_given_on")
    @classmethod
    def _notice_before_application(cls, v: date | None, info: ValidationInfo) -> date | None:
        when = info.data.get("application_date")
        if v is not None and when is not None and v > when:
            raise ValueError(f"notice given on {v} is after the application date ({when}); notice must come first")
        return v


class CaoFacts(ApplicantFacts):
    """Facts for: may this person apply for a child arrangements order (to live with) without leave?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"today": "2026-06-01", "relationship": "grandparent",
                                         "lived_with_since": "2025-03-01"}]},
    )

    is_special_guardian: bool = Field(False, description="The applicant is the child's special guardian")
    step_parent_with_pr: bool = Field(False, description="A step-parent with parental responsibility (s.4A)")
    married_or_civil_partner_child_of_family: bool = Field(
        False, description="Party to a marriage or civil partnership in which the child was a child of the family"
    )
    special_guardianship_order_in_force: bool | None = Field(
        None, description="A special guardianship order is in force for the child (parents then need leave)"
    )
    child_looked_after: bool | None = Field(None, description="The child is looked after by a local authority")


class PrivateFosteringFacts(BaseModel):
    """Facts for: is this arrangement private fostering?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"today": "2026-05-01", "child_age": 12, "carer_relationship": "family_friend",
                                         "arrangement_start": "2026-04-01"}]},
    )

    today: Day | None = Field(None, description="Date to assess on (default: the server's date)")
    child_age: int | None = Field(None, ge=0, le=25, description="The child's age in whole years", examples=[12])
    child_date_of_birth: Day | None = Field(None, description="The child's date of birth (instead of age)")
    child_disabled: bool | None = Field(None, description="The child is disabled (s.17(11)); raises the age limit to 18")
    carer_relationship: Relationship | None = Field(None, description="The carer's relationship to the child", examples=["family_friend"])
    carer_has_parental_responsibility: bool = Field(False, description="The carer holds parental responsibility")
    arrangement_start: Day | None = Field(None, description="First day the carer looks after the child (past or planned)",
                                           examples=["2026-04-01"])
    arrangement_end: Day | None = Field(None, description="Last day of the arrangement, if it has ended or an end is planned")
    intended_days: int | None = Field(None, ge=1, description="How many days the arrangement is intended to last")
    authority: str | None = _AUTHORITY
    _clean_authority = field_validator("authority", mode="before")(check_clean)

    @field_validator("arrangement_end")
    @classmethod
    def _end_after_start(cls, v: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("arrangement_start")
        if v is not None and start is not None and v < start:
            raise ValueError(f"arrangement_end {v} is before arrangement_start {start}")
        return v

    @model_validator(mode="after")
    def _age_or_dob(self) -> "PrivateFosteringFacts":
        if self.child_age is not None and self.child_date_of_birth is not None:
            raise ValueError("give child_age or child_date_of_birth, not both")
        if self.child_date_of_birth and self.arrangement_start and self.child_date_of_birth > self.arrangement_start:
            raise ValueError("child_date_of_birth is after arrangement_start")
        return self


class TimelineFacts(BaseModel):
    """The facts of one child: every applicable due date, marked against today."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"looked_after_from": "2026-03-02", "today": "2026-03-20",
                                         "authority": "Luton"}]},
    )

    looked_after_from: Day = Field(description="Date the child became looked after", examples=["2026-03-02"])
    today: Day | None = Field(None, description="Date to mark due dates against (default: the server's date)",
                               examples=["2026-03-20"])
    due_soon_days: int | None = Field(None, ge=0, le=366, description="'Due soon' window in days (default from settings: 14)")
    reviews_held: list[Day] = Field(default_factory=list, description="Dates looked-after reviews were held, in order")
    permanence_meetings_held: list[Day] = Field(
        default_factory=list, description="Dates Permanency Planning Meetings were held, in order (for meetings "
        "a council repeats until the permanent placement is secured)"
    )
    permanent_placement_secured_on: Day | None = Field(None, description="Date the permanent placement was secured "
                                                        "(ends repeating planning meetings)")
    placement_date: Day | None = Field(None, description="Date of the current placement (for residential permanence ratification)")
    residential_permanence_plan: bool = Field(False, description="The long-term plan is residential care")
    reunification_being_assessed: bool | None = Field(None, description="Reunification is being assessed "
                                                    "(rules that apply only then, e.g. an assessment model)")
    care_proceedings_issued_on: Day | None = Field(None, description="Date care proceedings were issued")
    proceedings_extension_weeks: list[int] = Field(
        default_factory=list, description="Extensions of the 26-week timetable granted by the court, in weeks each"
    )
    authority: str | None = _AUTHORITY
    _clean_authority = field_validator("authority", mode="before")(check_clean)
    include_superseded: bool = _SUPERSEDED

    @field_validator("reviews_held", "permanence_meetings_held")
    @classmethod
    def _after_start(cls, v: list[date], info: ValidationInfo) -> list[date]:
        start = info.data.get("looked_after_from")
        if start is not None:
            for held in v:
                if held < start:
                    raise ValueError(f"{held} is before the child became looked after ({start})")
        return _check_order(v, info.field_name or "dates")

    @field_validator("permanent_placement_secured_on", "placement_date")
    @classmethod
    def _not_before_start(cls, v: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("looked_after_from")
        if v is not None and start is not None and v < start:
            raise ValueError(f"{v} is before the child became looked after ({start})")
        return v

    @field_validator("proceedings_extension_weeks")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(w < 1 for w in v):
            raise ValueError("each extension must be at least 1 week")
        return v

    @model_validator(mode="after")
    def _extensions_need_proceedings(self) -> "TimelineFacts":
        if self.proceedings_extension_weeks and self.care_proceedings_issued_on is None:
            raise ValueError("proceedings_extension_weeks given without care_proceedings_issued_on")
        return self
