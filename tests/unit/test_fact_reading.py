"""Fact reading, table-driven: each phrase with the EXACT facts it must yield (nothing more).

The share read exactly is reported by ``fact_reading_share`` (the issue's target is 0.95);
each phrase is also its own test case so a regression names the phrase.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.understanding.facts import read_back, read_facts

pytestmark = pytest.mark.unit

T = date(2026, 1, 5)  # "today" for the hand-written phrases
G = date(2026, 6, 1)  # "today" for the generated ones
D = date.fromisoformat


def lw(a: str, b: str) -> dict:
    return {"from_date": D(a), "to_date": D(b)}


HAND: list[tuple[str, dict]] = [
    # looked after from
    ("LAC from 15/12/25 - 1st review?", {"looked_after_from": D("2025-12-15")}),
    ("child came into care on 2 March 2025", {"looked_after_from": D("2025-03-02")}),
    ("child came into care 23 March 2025 in wiltshire", {"looked_after_from": D("2025-03-23")}),
    ("she became looked after on 02-03-2025", {"looked_after_from": D("2025-03-02")}),
    ("accommodated since 15 Jan 2025", {"looked_after_from": D("2025-01-15")}),
    ("she's been accommodated since 15 Jan 2025 - does it apply yet?", {"looked_after_from": D("2025-01-15")}),
    ("came into care 16/03/2025 - review dates?", {"looked_after_from": D("2025-03-16")}),
    ("first review for a child who came in 5 May?", {"looked_after_from": D("2026-05-05")}),
    ("he came in a week later, 12 May", {"looked_after_from": D("2026-05-12")}),
    ("entered care on 2nd of March, 2025", {"looked_after_from": D("2025-03-02")}),
    ("CLA since 1.12.2025", {"looked_after_from": D("2025-12-01")}),
    ("looked after from 2025-11-03", {"looked_after_from": D("2025-11-03")}),
    ("child LAC from 3 Aug 2025", {"looked_after_from": D("2025-08-03")}),
    ("in care since last August", {"looked_after_from": D("2025-08-01")}),
    ("came into care yesterday", {"looked_after_from": D("2026-01-04")}),
    # reviews held
    ("first one actually happened on 9 Jan", {"reviews_held": [D("2026-01-09")]}),
    ("it was held on 28 Aug 2025 actually", {"reviews_held": [D("2025-08-28")]}),
    ("the first review was held on 20/12/2025", {"reviews_held": [D("2025-12-20")]}),
    ("LAC from 1 Nov 2025, 1st review held 25 Nov 2025",
     {"looked_after_from": D("2025-11-01"), "reviews_held": [D("2025-11-25")]}),
    # proceedings
    ("proceedings issued 02-03-2025, child LAC the same day",
     {"care_proceedings_issued_on": D("2025-03-02"), "looked_after_from": D("2025-03-02")}),
    ("care proceedings were issued on 4 June 2025", {"care_proceedings_issued_on": D("2025-06-04")}),
    # lived with, still there
    ("uncle has had the boy since 1 Feb 2025", {"relationship": "uncle", "lived_with_since": D("2025-02-01")}),
    ("FCs have had her since 29 Feb 2024",
     {"relationship": "unrelated", "is_local_authority_foster_carer": True, "lived_with_since": D("2024-02-29")}),
    ("foster carer has had the child since 2 feb 2025 and wants a CAO",
     {"relationship": "unrelated", "is_local_authority_foster_carer": True, "lived_with_since": D("2025-02-02")}),
    ("what about grandma, she's had him 18 months",
     {"relationship": "grandparent", "lived_with_since": D("2024-07-05")}),
    ("her aunt has looked after her for two years", {"relationship": "aunt", "lived_with_since": D("2024-01-05")}),
    ("gran has cared for him for 3 years", {"relationship": "grandparent", "lived_with_since": D("2023-01-05")}),
    ("the child has lived with her step-dad since March 2024",
     {"relationship": "step_parent", "lived_with_since": D("2024-03-01")}),
    ("living with a family friend since last August",
     {"relationship": "family_friend", "lived_with_since": D("2025-08-01")}),
    ("placed with her grandparents since 10/10/2024",
     {"relationship": "grandparent", "lived_with_since": D("2024-10-10")}),
    ("and if he only had him from 1 June 2025?", {"lived_with_since": D("2025-06-01")}),
    ("suppose he's been there 18 months", {"lived_with_since": D("2024-07-05")}),
    ("older sister has had her since 3 May 2023", {"relationship": "sister", "lived_with_since": D("2023-05-03")}),
    ("the cousin has had them since 1 January 2025", {"relationship": "cousin", "lived_with_since": D("2025-01-01")}),
    ("great-aunt has had him since 5/6/2024", {"relationship": "great_aunt", "lived_with_since": D("2024-06-05")}),
    ("moved in with grandad two years ago", {"relationship": "grandparent", "lived_with_since": D("2024-01-05")}),
    ("she moved in with her nan 6 months ago", {"relationship": "grandparent", "lived_with_since": D("2025-07-05")}),
    # lived with, ended
    ("gran had him from 3 May 2015 to 28 Nov 2019",
     {"relationship": "grandparent", "lived_with": [lw("2015-05-03", "2019-11-28")]}),
    ("lived with grandfather from 12 September 2018 to 30 June 2022",
     {"relationship": "grandparent", "lived_with": [lw("2018-09-12", "2022-06-30")]}),
    ("he lived with his uncle between 1 March 2020 and 1 March 2023",
     {"relationship": "uncle", "lived_with": [lw("2020-03-01", "2023-03-01")]}),
    ("with her aunt 3/5/19 - 28/11/22", {"relationship": "aunt", "lived_with": [lw("2019-05-03", "2022-11-28")]}),
    ("lived with a family friend from 3 May 2019 until 28 Nov 2022",
     {"relationship": "family_friend", "lived_with": [lw("2019-05-03", "2022-11-28")]}),
    ("step-mum had her between 2019-01-01 and 2021-06-30",
     {"relationship": "step_parent", "lived_with": [lw("2019-01-01", "2021-06-30")]}),
    ("was with grandma from 01.02.2020 till 01.02.2024",
     {"relationship": "grandparent", "lived_with": [lw("2020-02-01", "2024-02-01")]}),
    # applications
    ("she's applying for a CAO on 15 Aug 2026 - no care order. can she?", {"application_date": D("2026-08-15")}),
    ("applying 1 March 2026 - does she need leave?", {"application_date": D("2026-03-01")}),
    ("he wants a CAO - can he apply on 1 March 2026 without leave?", {"application_date": D("2026-03-01")}),
    ("the application will be made on 20/02/26", {"application_date": D("2026-02-20")}),
    ("so they'd be fine applying on 1 March 2026?", {"application_date": D("2026-03-01")}),
    ("uncle had her from 1 Jan 2020 to 1 Jan 2024, applying on 1 March 2026",
     {"relationship": "uncle", "lived_with": [lw("2020-01-01", "2024-01-01")], "application_date": D("2026-03-01")}),
    # private fostering
    ("12 yo staying with a family friend since 20 April 2025, mum agreed",
     {"child_age": 12, "relationship": "family_friend", "lived_with_since": D("2025-04-20")}),
    ("plan is 6 weeks - PF?", {"intended_days": 42}),
    ("suppose it's only for 2 weeks", {"intended_days": 14}),
    ("friend is having an 11 yr old from 1 to 28 June",
     {"relationship": "family_friend", "child_age": 11, "arrangement_start": D("2026-06-01"), "intended_days": 28}),
    ("14 yo (no disability) living with a family friend since last August, parents agreed",
     {"child_age": 14, "child_disabled": False, "relationship": "family_friend", "lived_with_since": D("2025-08-01")}),
    ("15 yr old living with a neighbour from 1 March until 30 April",
     {"child_age": 15, "relationship": "unrelated", "arrangement_start": D("2026-03-01"), "intended_days": 61}),
    ("suppose she's 16", {"child_age": 16}),
    ("and if she's disabled?", {"child_disabled": True}),
    ("a 9-year-old staying with mum's friend for 3 months",
     {"child_age": 9, "relationship": "family_friend", "intended_days": 90}),
    ("the child is aged 13 and will stay with a neighbour for 5 weeks",
     {"child_age": 13, "relationship": "unrelated", "intended_days": 35}),
    ("she is 17 and disabled", {"child_age": 17, "child_disabled": True}),
    ("he's 15, not disabled", {"child_age": 15, "child_disabled": False}),
    ("a 10 year old going to an uncle for 10 days", {"child_age": 10, "relationship": "uncle", "intended_days": 10}),
    # dates of birth, today
    ("DOB 03/04/2012", {"child_date_of_birth": D("2012-04-03")}),
    ("the child was born on 14 February 2011", {"child_date_of_birth": D("2011-02-14")}),
    ("date of birth: 1.9.2013, staying with a friend",
     {"child_date_of_birth": D("2013-09-01"), "relationship": "family_friend"}),
    ("as of 1 March 2026, what's due?", {"today": D("2026-03-01")}),
    # relationships only
    ("and if it's her uncle instead?", {"relationship": "uncle"}),
    ("what if the carer is her step-father?", {"relationship": "step_parent"}),
    ("it's a family friend", {"relationship": "family_friend"}),
    ("can mum be the special guardian?", {"relationship": "parent"}),
    ("the foster carers want an SGO", {"relationship": "unrelated", "is_local_authority_foster_carer": True}),
    ("a great-grandmother", {"relationship": "great_grandparent"}),
    ("what about her half-brother?", {"relationship": "brother"}),
    ("the kinship carer", {"relationship": "unrelated", "is_local_authority_foster_carer": True}),
    ("the parents agreed to her auntie having her", {"relationship": "aunt"}),
    # nothing to read
    ("who chairs the 1st PPM in luton?", {}),
    ("what about the other one?", {}),
    ("is that private fostering?", {}),
    ("who can apply for an SGO in wigan?", {}),
    ("has that changed since the old strategy?", {}),
]

# Generated rows: each UK date form in each sentence frame, so every form is read in every role.
FORMS = [
    ("2/3/26", "2026-03-02"), ("02/03/2026", "2026-03-02"), ("02-03-2026", "2026-03-02"),
    ("2.3.2026", "2026-03-02"), ("2 March 2026", "2026-03-02"), ("2nd March 2026", "2026-03-02"),
    ("2 Mar 2026", "2026-03-02"), ("March 2, 2026", "2026-03-02"), ("2026-03-02", "2026-03-02"),
    ("2 March", "2026-03-02"), ("2nd of March", "2026-03-02"), ("2nd of March, 2026", "2026-03-02"),
    ("14/1/26", "2026-01-14"), ("14 January", "2026-01-14"),
]
FRAMES = [
    ("the child came into care on {d}", lambda v: {"looked_after_from": D(v)}),
    ("LAC from {d}, when is the second review?", lambda v: {"looked_after_from": D(v)}),
    ("her grandma has had her since {d}", lambda v: {"relationship": "grandparent", "lived_with_since": D(v)}),
    ("the uncle is applying on {d}", lambda v: {"relationship": "uncle", "application_date": D(v)}),
    ("first review held on {d}", lambda v: {"reviews_held": [D(v)]}),
    ("proceedings issued {d}", lambda v: {"care_proceedings_issued_on": D(v)}),
]
GENERATED = [(frame.format(d=form), want(value)) for form, value in FORMS for frame, want in FRAMES]

HAND_TODAY = {"first review for a child who came in 5 May?": date(2026, 5, 20),
              "he came in a week later, 12 May": date(2026, 5, 20),
              "friend is having an 11 yr old from 1 to 28 June": date(2026, 5, 25),
              "15 yr old living with a neighbour from 1 March until 30 April": date(2026, 2, 1)}

CASES = [(p, HAND_TODAY.get(p, T), want) for p, want in HAND] + [(p, G, want) for p, want in GENERATED]


def _read(phrase: str, today: date) -> dict:
    got = read_facts(phrase, today).as_dict()
    return {k: v for k, v in got.items() if k not in ("unplaced_dates",)}


def fact_reading_share() -> tuple[int, int, list[str]]:
    wrong = [f"{p!r} @ {t}: got {_read(p, t)}, want {w}" for p, t, w in CASES if _read(p, t) != w]
    return len(CASES) - len(wrong), len(CASES), wrong


def test_table_is_big_enough_and_read_exactly_at_target() -> None:
    ok, n, wrong = fact_reading_share()
    assert n >= 150
    assert ok / n >= 0.95, "\n".join(wrong)


@pytest.mark.parametrize("phrase,today,want", CASES, ids=[c[0][:50] for c in CASES])
def test_phrase(phrase: str, today: date, want: dict) -> None:
    assert _read(phrase, today) == want


def test_read_back_names_each_fact_and_the_end_of_a_period() -> None:
    got = read_facts("lived with grandfather from 12 September 2018 to 30 June 2022, applying on 15 August 2022",
                     date(2022, 8, 1)).as_dict()
    assert read_back(got) == ("I read: lived with grandparent 12 September 2018 - 30 June 2022; "
                              "application 15 August 2022")


if __name__ == "__main__":  # the figure for the report: python -m tests.unit.test_fact_reading
    ok, n, wrong = fact_reading_share()
    print(f"fact reading exact: {ok}/{n} = {ok / n:.3f}")
    print("\n".join(wrong))
