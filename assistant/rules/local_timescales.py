"""Local meetings and decisions with a timescale, each in its council's own words.

- Luton: Permanency Planning Meeting within 4 weeks of entering care, then every
  4 weeks until the permanent placement is secured; the Agency Decision Maker ratifies
  the permanence care plan within 2 months of the second review.
- Wigan 2021-2025 (superseded): Permanence Planning Meeting before the four-month
  review; a residential permanence plan ratified within 6-12 months of placement.
  Wigan 2026-2028 keeps the steps but states no timescale: said so, not invented.
- Bolton: Permanence Planning Meeting before the second statutory review; the NSPCC
  reunification assessment model after more than 2 years accommodated.
- Care proceedings (Children Act 1989 s.32): within 26 weeks beginning with the day of
  issue, extendable by the court up to 8 weeks at a time.

"Before" a review means the day before at the latest. Where the second review has not
happened yet, dates that hang on it are projected from its statutory due date (and
for Bolton also from Bolton's own 13-week date).
"""

from __future__ import annotations

from datetime import date, timedelta

from assistant.rules.date_arithmetic import add_period, describe_period, fmt
from assistant.rules.results import ResultBuilder, RuleResult
from assistant.rules.review_schedule import BOLTON_13_WEEKS, ReviewDue
from assistant.rules.rulebook import Rulebook

LUTON_PPM = "luton-permanency-planning-meeting"
LUTON_ADM = "luton-adm-ratification"
WIGAN_2021_PPM = "wigan-2021-permanence-planning-meeting"
WIGAN_2026_MEETINGS = "wigan-2026-permanence-meetings"
WIGAN_2021_RESIDENTIAL = "wigan-2021-residential-ratification"
WIGAN_2026_RESIDENTIAL = "wigan-2026-residential-ratification"
BOLTON_PPM = "bolton-permanence-planning-meeting"
BOLTON_NSPCC = "bolton-nspcc-reunification-model"
CARE_PROCEEDINGS = "care-proceedings-26-weeks"


def luton_ppm_result(
    book: Rulebook,
    looked_after_from: date,
    meetings_held: list[date],
    secured_on: date | None,
    today: date,
) -> RuleResult:
    """First PPM within 4 weeks; then every 4 weeks from the last one held (or due)."""
    first_p = book.period(LUTON_PPM, "first")
    every = book.period(LUTON_PPM, "interval")
    b = ResultBuilder(book, "local_meeting", LUTON_PPM)
    mark = b.cite_rule(LUTON_PPM)
    first_due = add_period(looked_after_from, first_p)
    held0 = meetings_held[0] if meetings_held else None
    b.date("luton_ppm_1", "First Permanency Planning Meeting", first_due,
           f"{describe_period(first_p)} after entering care on {fmt(looked_after_from)}",
           held_on=held0, late=(held0 > first_due) if held0 else None)
    b.reasons.append(f"Luton expects the case at a Permanency Planning Meeting \"within 4 weeks of them entering "
                     f"Local Authority Care and then reviewed at 4 weekly intervals\" {mark}.")
    b.reasons.append(f"First PPM by {fmt(first_due)}" + (f"; held on {fmt(held0)}." if held0 else "."))
    if secured_on is not None and secured_on <= today:
        b.reasons.append(f"The permanent placement was secured on {fmt(secured_on)}: no further PPMs are due.")
        return b.build("computed", f"Luton: first PPM by {fmt(first_due)}; PPMs ended when the placement was secured.")
    if meetings_held:
        last = meetings_held[-1]
        nxt = add_period(last, every)
        b.date(f"luton_ppm_{len(meetings_held) + 1}", "Next Permanency Planning Meeting", nxt,
               f"{describe_period(every)} after the PPM held on {fmt(last)}")
        b.reasons.append(f"Next PPM by {fmt(nxt)}, {describe_period(every)} after the last one held ({fmt(last)}).")
    else:
        # no PPM dates given: count on from the first due date, and say so
        k, nxt = 1, first_due
        while nxt < today:
            nxt = add_period(nxt, every)
            k += 1
        if k > 1:
            b.date(f"luton_ppm_{k}", "Next Permanency Planning Meeting", nxt,
                   f"every {describe_period(every)} from the first PPM due date", projected=True)
            b.reasons.append(f"No PPM dates were given, so later PPMs are counted every {describe_period(every)} "
                             f"from the first due date: next by {fmt(nxt)}.")
    b.reasons.append("Unless the care plan or the court timescale requires otherwise, and until the permanent "
                     "placement is secured.")
    return b.build("computed", f"Luton: first PPM by {fmt(first_due)}, then every 4 weeks.")


def luton_adm_result(book: Rulebook, second: ReviewDue) -> RuleResult:
    period = book.period(LUTON_ADM, "after_second_review")
    b = ResultBuilder(book, "local_decision", LUTON_ADM)
    b.also_uses("statutory-reviews")
    mark = b.cite_rule(LUTON_ADM) + b.cite_rule(LUTON_ADM, "passage:all_decisions")
    due = add_period(second.anchor, period)
    anchor_words = (f"the second review held on {fmt(second.held)}" if second.held
                    else f"the second review's statutory due date, {fmt(second.due.date)}")
    b.date("luton_adm_ratification", "ADM ratifies the care plan for permanence", due,
           f"{describe_period(period)} after {anchor_words}", projected=second.held is None)
    b.reasons.append(f"Luton's Agency Decision Maker ratifies the care plan for permanence \"within 2 months of the "
                     f"child 2nd looked after Children review taking place\" {mark}.")
    b.reasons.append(f"Counted from {anchor_words}: by {fmt(due)}."
                     + ("" if second.held else " If the review is held earlier, the date moves earlier."))
    return b.build("computed", f"Luton: ADM ratification by {fmt(due)}.")


def _day_before(d: date) -> date:
    return d - timedelta(days=1)


def wigan_2021_ppm_result(book: Rulebook, second: ReviewDue) -> RuleResult:
    b = ResultBuilder(book, "local_meeting", WIGAN_2021_PPM)
    b.also_uses("statutory-reviews")
    mark = b.cite_rule(WIGAN_2021_PPM)
    review_day = second.anchor
    latest = _day_before(review_day)
    b.date("wigan_2021_ppm", "Permanence Planning Meeting (before the four-month review)", latest,
           f"before the four-month (second) review, {'held on' if second.held else 'due by'} {fmt(review_day)}",
           projected=second.held is None)
    b.reasons.append(f"Wigan's 2021-2025 strategy: \"A Permanence Planning Meeting will consider all plans for "
                     f"permanence prior to the four- month review\" {mark}.")
    b.reasons.append(f"Taking the four-month review as the second review ({fmt(review_day)}): the meeting is due "
                     f"by {fmt(latest)} at the latest.")
    if book.rules.get(WIGAN_2026_MEETINGS):
        later = b.cite_rule(WIGAN_2026_MEETINGS) + b.cite_rule(WIGAN_2026_MEETINGS, "passage:initial")
        b.reasons.append("The current 2026-2028 strategy instead structures planning around three meetings tied "
                         f"to the court timetable, with no fixed number of weeks {later}.")
    return b.build("computed", f"Wigan (2021-2025): Permanence Planning Meeting by {fmt(latest)}.")


def wigan_2026_meetings_result(book: Rulebook) -> RuleResult:
    b = ResultBuilder(book, "local_meeting", WIGAN_2026_MEETINGS)
    mark = b.cite_rule(WIGAN_2026_MEETINGS) + b.cite_rule(WIGAN_2026_MEETINGS, "passage:initial")
    b.reasons.append(f"Wigan's current strategy holds three key permanence meetings; the initial one is held "
                     f"\"before or shortly after the first court hearing\" {mark}. It sets no fixed date counted "
                     f"from entry to care, so none is computed.")
    return b.build("no_timescale", "Wigan (2026-2028): three permanence meetings, no fixed timescale.")


def wigan_residential_results(book: Rulebook, placement_date: date | None, residential_plan: bool,
                              want_2021: bool, want_2026: bool) -> list[RuleResult]:
    out: list[RuleResult] = []
    if want_2021:
        b = ResultBuilder(book, "local_decision", WIGAN_2021_RESIDENTIAL)
        mark = b.cite_rule(WIGAN_2021_RESIDENTIAL, "passage:ratified") + b.cite_rule(WIGAN_2021_RESIDENTIAL)
        if not residential_plan:
            b.reasons.append(f"Applies only where long-term residential care is the permanence plan {mark}.")
            out.append(b.build("not_applicable", "Wigan (2021-2025): residential ratification - not a residential plan."))
        elif placement_date is None:
            b.missing.append("the date the child was placed (placement_date)")
            b.reasons.append(f"Ratification is due within 6-12 months of the child being placed {mark}; "
                             f"the placement date is needed.")
            out.append(b.build("cannot_tell", "Wigan (2021-2025): residential ratification - placement date needed."))
        else:
            p0 = book.period(WIGAN_2021_RESIDENTIAL, "window_start")
            p1 = book.period(WIGAN_2021_RESIDENTIAL, "window_end")
            opens, closes = add_period(placement_date, p0), add_period(placement_date, p1)
            b.date("wigan_2021_residential_opens", "Residential permanence ratification window opens", opens,
                   f"{describe_period(p0)} after placement on {fmt(placement_date)}", relation="window_opens")
            b.date("wigan_2021_residential_closes", "Residential permanence plan ratified and approved", closes,
                   f"{describe_period(p1)} after placement on {fmt(placement_date)}", relation="window_closes")
            b.reasons.append(f"Wigan's 2021-2025 strategy: the residential permanence plan is ratified by the IRO at a "
                             f"CLA Review and approved at Permanence Panel or Out of Borough Panel \"within 6-12 months "
                             f"of a child being placed\" {mark}: between {fmt(opens)} and {fmt(closes)}.")
            out.append(b.build("computed", f"Wigan (2021-2025): residential plan ratified {fmt(opens)} - {fmt(closes)}."))
    if want_2026 and residential_plan:
        b = ResultBuilder(book, "local_decision", WIGAN_2026_RESIDENTIAL)
        mark = b.cite_rule(WIGAN_2026_RESIDENTIAL)
        b.reasons.append(f"Wigan's current strategy keeps the IRO ratification and Permanence Panel approval of a "
                         f"residential permanence plan {mark} but gives no timescale, so no date is computed.")
        out.append(b.build("no_timescale", "Wigan (2026-2028): residential plan ratified - no timescale stated."))
    return out


def bolton_ppm_result(book: Rulebook, looked_after_from: date, second: ReviewDue) -> RuleResult:
    b = ResultBuilder(book, "local_meeting", BOLTON_PPM)
    b.also_uses("statutory-reviews")
    mark = b.cite_rule(BOLTON_PPM)
    b.reasons.append(f"Bolton: \"Prior to the child’s second statutory review a Permanence Planning Meeting "
                     f"chaired by the allocated Team Manager is to take place\" {mark}.")
    if second.held:
        latest = _day_before(second.held)
        b.date("bolton_ppm", "Permanence Planning Meeting (before the second review)", latest,
               f"before the second review held on {fmt(second.held)}")
        b.reasons.append(f"The second review was held on {fmt(second.held)}: the meeting was due by {fmt(latest)}.")
        return b.build("computed", f"Bolton: Permanence Planning Meeting by {fmt(latest)}.")
    bolton_second = add_period(looked_after_from, book.period(BOLTON_13_WEEKS, "second_review"))
    b.also_uses(BOLTON_13_WEEKS)
    mark13 = b.cite_rule(BOLTON_13_WEEKS)
    early, late = _day_before(bolton_second), _day_before(second.due.date)
    b.date("bolton_ppm", "Permanence Planning Meeting (before Bolton's 13-week second review)", early,
           f"before the second review on Bolton's 13-week timescale ({fmt(bolton_second)})",
           projected=True)
    b.date("bolton_ppm_statutory", "Permanence Planning Meeting (before the statutory second review)", late,
           f"before the second review's statutory due date ({fmt(second.due.date)})", projected=True)
    b.reasons.append(f"Bolton puts the second review no more than 13 weeks after the care episode began {mark13} "
                     f"({fmt(bolton_second)}), earlier than the statutory schedule ({fmt(second.due.date)}): "
                     f"the meeting is due by {fmt(early)} on Bolton's timescale, by {fmt(late)} at the latest on "
                     f"the statutory one.")
    return b.build("computed", f"Bolton: Permanence Planning Meeting by {fmt(early)} (Bolton's 13 weeks) - "
                               f"{fmt(late)} (statutory schedule).")


def bolton_nspcc_result(book: Rulebook, looked_after_from: date, reunification_being_assessed: bool | None) -> RuleResult:
    period = book.period(BOLTON_NSPCC, "accommodated")
    b = ResultBuilder(book, "local_practice", BOLTON_NSPCC)
    mark = b.cite_rule(BOLTON_NSPCC)
    from_day = add_period(looked_after_from, period) + timedelta(days=1)  # "more than 2 years"
    b.date("bolton_nspcc_model", "NSPCC reunification assessment model required (if reunification assessed)", from_day,
           f"more than {describe_period(period)} after becoming accommodated on {fmt(looked_after_from)}",
           relation="from")
    b.reasons.append(f"Bolton: after more than 2 years accommodated, an assessment of reunification must use the "
                     f"NSPCC reunification assessment model {mark}. For this child that is from {fmt(from_day)}.")
    if reunification_being_assessed is False:
        b.reasons.append("Reunification is not being assessed, so the model is not needed now.")
        return b.build("not_applicable", f"Bolton: NSPCC model from {fmt(from_day)} if reunification is assessed.")
    if reunification_being_assessed is None:
        b.reasons.append("Applies only if reunification is being assessed.")
    return b.build("computed", f"Bolton: NSPCC reunification assessment model from {fmt(from_day)} "
                               f"if reunification is assessed.")


def care_proceedings_result(book: Rulebook, issued_on: date, extension_weeks: list[int]) -> RuleResult:
    """26 weeks beginning with the day of issue: the last day is issue + 26 weeks - 1 day."""
    limit = book.period(CARE_PROCEEDINGS, "limit")
    b = ResultBuilder(book, "care_proceedings", CARE_PROCEEDINGS)
    marks = b.cite_all(CARE_PROCEEDINGS)
    end = add_period(issued_on, limit) - timedelta(days=1)
    b.date("care_proceedings_26_weeks", "Care proceedings to be concluded (26 weeks)", end,
           f"{describe_period(limit)} beginning with the day of issue, {fmt(issued_on)}")
    b.reasons.append(f"Children Act 1989 s.32: the timetable disposes of the application within 26 weeks beginning "
                     f"with the day it was issued ({fmt(issued_on)}): by {fmt(end)}.")
    current = end
    for i, weeks in enumerate(extension_weeks, 1):
        current = current + timedelta(weeks=weeks)
        b.date(f"care_proceedings_extension_{i}", f"Care proceedings to be concluded (after extension {i})", current,
               f"extended by {weeks} week{'s' if weeks != 1 else ''}")
        b.reasons.append(f"Extension {i} of {weeks} week{'s' if weeks != 1 else ''}: by {fmt(current)}.")
    b.reasons.append("The court may extend the timetable only where necessary to resolve the proceedings justly, "
                     "by up to eight weeks at a time.")
    if marks:
        b.reasons.append(f"The councils' documents tie permanence planning to the court timetable {marks}.")
    return b.build("computed", f"Care proceedings: conclude by {fmt(current)}.")
