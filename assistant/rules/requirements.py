"""The rules Python computes (the statute's own modules) and what each reads from its YAML.

Every other rule is computed by a generic evaluator from its ``timescale`` or
``applicants`` block (``rule_checks``). A rule listed here but missing, or a period or
passage read but not defined, is a start-up error naming the rule.
"""

from __future__ import annotations

from assistant.rules.rulebook import RuleRequirement


def _req(periods: tuple[str, ...] = (), passages: tuple[str, ...] = (), see_also: tuple[str, ...] = ()) -> RuleRequirement:
    return RuleRequirement(periods=frozenset(periods), passages=frozenset(passages), see_also=frozenset(see_also))


ENGINE_REQUIREMENTS: dict[str, RuleRequirement] = {
    # statute
    "statutory-reviews": _req(("first_review", "second_review", "later_reviews")),
    "care-proceedings-26-weeks": _req(("limit", "max_extension")),
    "special-guardianship-applicants": _req(("foster_carer_year", "relative_year", "notice",
                                             "foster_parent_leave_window"),
                                            see_also=("not_parent_2026", "sgo_statute")),
    "child-arrangements-applicants": _req(("three_years", "window_begin", "window_end", "foster_carer_year",
                                           "relative_year", "foster_parent_leave_window"),
                                          see_also=("parent_leave_sgo",)),
    "relative-definition": _req(),
    "private-fostering": _req(("duration", "age_limit", "age_limit_disabled", "advance_notice")),
}
