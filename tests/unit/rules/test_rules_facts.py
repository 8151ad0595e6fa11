"""Impossible or out-of-order facts are refused with the field named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.rules.facts import CaoFacts, PrivateFosteringFacts, ReviewScheduleFacts, SgoFacts, TimelineFacts
from tests.unit.rules.conftest import d

pytestmark = pytest.mark.unit


def _fields(exc: ValidationError) -> list[str]:
    return [".".join(str(x) for x in e["loc"]) for e in exc.errors()]


@pytest.mark.parametrize(
    ("model", "values", "field", "words"),
    [
        (ReviewScheduleFacts, {"looked_after_from": "2026-03-02", "reviews_held": ["2026-03-01"]}, "reviews_held",
         "before the child became looked after"),
        (ReviewScheduleFacts, {"looked_after_from": "2026-03-02", "reviews_held": ["2026-04-01", "2026-03-20"]},
         "reviews_held", "in date order"),
        (ReviewScheduleFacts, {"looked_after_from": "2026-02-30"}, "looked_after_from", "day value is outside"),
        (TimelineFacts, {"looked_after_from": "2026-03-02", "permanence_meetings_held": ["2026-01-01"]},
         "permanence_meetings_held", "before the child became looked after"),
        (TimelineFacts, {"looked_after_from": "2026-03-02", "placement_date": "2026-01-01"}, "placement_date", "before"),
        (SgoFacts, {"today": "2026-01-01", "application_date": "2025-12-01"}, "application_date", "before today"),
        (SgoFacts, {"today": "2026-01-01", "lived_with_since": "2026-02-01"}, "lived_with_since", "after the date assessed"),
        (SgoFacts, {"application_date": "2026-03-01", "notice_given_on": "2026-04-01"}, "notice_given_on",
         "notice must come first"),
        (CaoFacts, {"lived_with": [{"from_date": "2025-05-01", "to_date": "2025-01-01"}]}, "lived_with.0", "before from_date"),
        (PrivateFosteringFacts, {"arrangement_start": "2026-04-01", "arrangement_end": "2026-03-01"}, "arrangement_end",
         "before arrangement_start"),
    ],
)
def test_refused_with_the_field_named(model, values, field, words):
    with pytest.raises(ValidationError) as info:
        model.model_validate(values)
    assert field in _fields(info.value)
    assert words in str(info.value)


def test_model_level_checks_name_the_fields_in_the_message():
    with pytest.raises(ValidationError, match="care_proceedings_issued_on"):
        TimelineFacts(looked_after_from=d("2026-03-02"), proceedings_extension_weeks=[4])
    with pytest.raises(ValidationError, match="child_age or child_date_of_birth"):
        PrivateFosteringFacts(child_age=4, child_date_of_birth=d("2020-01-01"))
    with pytest.raises(ValidationError, match="foster carer"):
        SgoFacts(relationship="parent", is_local_authority_foster_carer=True)
