"""A child's facts read from one message: dates, periods, ages, who the carer is.

This is the one place a message's facts are read; the conversation keeps what it reads
(``SessionFrame.facts``) and hands the rule layer the facts in canonical words, so the
user's own phrasing is parsed once, here.

What it reads (keys are the rule layer's field names, ``assistant/rules/facts.py``):

- ``looked_after_from`` ("came into care 2/3/26", "LAC from 15/12/25", "accommodated since");
- ``reviews_held`` ("first review held on 9 Jan", "it was held on 28 Aug actually");
- ``care_proceedings_issued_on``; ``application_date`` ("applying on 1 March 2026");
- periods the child lived with someone: ``lived_with_since`` (still there: "since 1 Feb
  2025", "for two years", "she's had him 18 months", "since last August") and
  ``lived_with`` [{from_date, to_date}] for a period that ENDED ("from 3 May 2019 to 28 Nov
  2022", "between ... and ...", "until"), so an arrangement that ended is never read as
  still running;
- ``intended_days`` of a planned arrangement ("plan is 6 weeks", "from 1 to 28 June");
- ``child_age``, ``child_date_of_birth``, ``child_disabled``;
- ``relationship`` of the carer (grandparent, aunt, uncle, step_parent, family_friend,
  sibling, cousin, great-...), ``is_local_authority_foster_carer``.

Dates: UK day-first forms come from ``rules.date_parsing`` (2/3/26, 2 March, 02-03-2026);
relative phrases ("18 months ago", "last August") are read against ``today``, which the
request may fix. ``dateparser`` reads the "... ago" phrases; it is NOT used for numeric
forms because, even with DATE_ORDER='DMY', it reads "2/3/26" as 1926 under
PREFER_DATES_FROM='past' and fills missing years differently from the rule layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from assistant.rules.date_parsing import DateMention, find_dates

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20,
                 "a couple of": 2, "a few": 3, "half a": 0}
_N = r"(?P<n>\d{1,3}|a couple of|a few|" + "|".join(k for k in _NUMBER_WORDS if " " not in k) + r")"
_UNIT = r"(?P<unit>days?|weeks?|wks?|months?|mths?|years?|yrs?)"

# -- who the carer is --------------------------------------------------------------------
_ROLE = re.compile(
    r"\b(?P<role>great[- ]?grand(?:mother|father|parent|ma|pa|mum|dad)s?|great[- ]aunt(?:ie)?|great[- ]uncle|"
    r"grand(?:mother|father|parent|ma|pa|ad|dad|mum|mum)s?|nan|nana|nanna|gran|granny|grandpa|"
    r"step[- ]?(?:mother|father|parent|mum|dad)s?|aunt(?:ie|y)?|uncle|"
    r"(?:older\s+|elder\s+|younger\s+|half[- ])?(?:brother|sister|sibling)s?|cousin|"
    r"family\s+friends?|(?:mum's|dad's|mother's|father's|a)\s+friend|friends?|neighbours?|"
    r"(?:la\s+|local\s+authority\s+)?foster\s+(?:carer|parent|mum|dad)s?|fcs?|kinship\s+(?:foster\s+)?carers?|"
    r"connected\s+(?:person|carer)s?|mother|father|mum|dad|parents?)\b",
    re.I,
)
_ROLE_MAP = [
    (r"great[- ]?grand", "great_grandparent"), (r"great[- ]aunt", "great_aunt"), (r"great[- ]uncle", "great_uncle"),
    (r"grand|^nan|^gran", "grandparent"), (r"^step", "step_parent"), (r"aunt", "aunt"), (r"uncle", "uncle"),
    (r"brother", "brother"), (r"sister", "sister"), (r"sibling", "sibling"), (r"cousin", "cousin"),
    (r"friend", "family_friend"), (r"neighbour", "unrelated"),
    (r"foster|^fcs?$|kinship|connected", "foster_carer"), (r"^(?:mother|father|mum|dad|parent)", "parent"),
]
# "mum agreed", "the parents consent": the parent is giving consent, not caring
_CONSENTING = re.compile(r"^(?:s|'s|’s)?\s*(?:(?:has\s+|have\s+)?(?:agreed|agrees|agree|consent\w*|ok'?d|happy|"
                         r"signed|knows?|object\w*)|(?:is|are)\s+(?:ok|fine|happy))", re.I)

# -- the kind of a date, by the words just before it --------------------------------------
_LOOKED_AFTER = re.compile(
    r"(?:came|come|comes|coming|went|entered|entering|brought|taken)\s+(?:(?:in)?to\s+)?care|came\s+in|"
    r"became\s+looked\s+after|looked\s+after|accommodated|into\s+care|in\s+care|removed|"
    r"\b(?:lac|cla|cic)\b(?:\s+(?:from|since|on))?|care\s+episode\s+(?:began|started)",
    re.I,
)
_REVIEW_HELD = re.compile(
    r"(?:(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th)\s+(?:lac\s+|cla\s+|looked[- ]after\s+)?"
    r"(?:review|one)\b[^.?!;]{0,30}|\breview\b[^.?!;]{0,20}|\b(?:it|that|this)\s+(?:was\s+)?)"
    r"(?:was\s+|got\s+|actually\s+)*(?:held|happened|took\s+place|done)\b[^.?!;]{0,12}$",
    re.I,
)
_ISSUED = re.compile(r"(?:proceedings|application|pls)\b[^.?!;]{0,25}\bissued\b[^.?!;]{0,6}$|\bissued\s+(?:on\s+)?$",
                     re.I)
_APPLY = re.compile(r"(?:appl(?:y|ies|ying|ication)|make\s+an\s+application|lodge|file)\b[^.?!;]{0,50}?"
                    r"(?:\b(?:on|by|in|for|date)\b|:)?\s*$", re.I)
_DOB = re.compile(r"(?:\bborn\b|\bd\.?o\.?b\.?|date\s+of\s+birth|birthday)\s*(?:is|was|on|:)?\s*$", re.I)
_TODAY = re.compile(r"\b(?:today\s+is|today'?s\s+date\s+is|as\s+(?:of|at)|it\s+is\s+now|assess(?:ed)?\s+on)\s*$", re.I)
_LIVED = re.compile(r"(?:lived|living|lives|live|had|has|having|staying|stayed|stays|placed|moved\s+in|"
                    r"cared\s+for|caring|looked\s+after\s+by|with)\b", re.I)
_PLANNED = re.compile(r"\b(?:plan(?:ned|s)?|will|going\s+to|intend\w*|expected|is\s+having|'s\s+having|"
                      r"are\s+having|to\s+stay|suppose\s+it'?s|only\s+for|for\s+the\s+summer|would\s+be|"
                      r"arrangement\s+is|is\s+for|it'?s\s+for)\b", re.I)

_AGE = re.compile(
    r"\b(?:aged?\s+|is\s+|she'?s\s+|he'?s\s+|they'?re\s+|child\s+of\s+)(?P<a>\d{1,2})\b(?!\s*(?:/|-\d|\.\d|"
    + _MONTH_RE + r"|weeks?|months?|days?))"
    r"|\b(?P<b>\d{1,2})\s*[- ]?\s*(?:yo|y/o|y\.o\.|(?:years?|yrs?)[- ]old)\b",
    re.I,
)
_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|to|until|till|til|through|and)\s*$", re.I)
_FROM = re.compile(r"\b(?:from|between)\s*$", re.I)
_SINCE = re.compile(r"\bsince\s*$", re.I)
_UNTIL = re.compile(r"\b(?:until|till|til|up\s+to|ending|ended|ends?|left|leaving|moved\s+out)\s*(?:on\s+)?$", re.I)
_LAST_MONTH = re.compile(rf"\b(?P<rel>last|this|next)\s+(?P<m>{_MONTH_RE})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b(?:in\s+|since\s+|from\s+)?(?P<m>{_MONTH_RE})\s+(?P<y>\d{{4}})\b", re.I)
_AGO = re.compile(rf"\b{_N}\s+{_UNIT}\s+ago\b", re.I)
_DURATION = re.compile(
    rf"\b(?:for\s+(?:the\s+(?:last|past)\s+)?|(?:plan|intention)\s+is\s+|had\s+(?:him|her|them|the\s+\w+)\s+|"
    rf"been\s+there\s+|been\s+with\s+\w+\s+)?{_N}\s+{_UNIT}\b(?!\s+(?:ago|old))",
    re.I,
)
_DAY_TO = re.compile(rf"\b(?:from\s+|between\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|to|until|and)\s*"
                     rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH_RE})\b(?:\s+(?P<y>\d{{4}}))?", re.I)


@dataclass(frozen=True)
class Period:
    """A time the child lived with someone; ``end`` None = still living there."""

    start: date
    end: date | None = None


@dataclass
class ReadFacts:
    """What one message says about the child; ``notes`` are the assumptions made, in words."""

    values: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.values)


def fmt(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _unit_delta(n: int, unit: str) -> relativedelta:
    u = unit.lower()
    if u.startswith(("d",)):
        return relativedelta(days=n)
    if u.startswith("w"):
        return relativedelta(weeks=n)
    if u.startswith("m"):
        return relativedelta(months=n)
    return relativedelta(years=n)


def _days(n: int, unit: str, start: date | None) -> int:
    u = unit.lower()
    if u.startswith("d"):
        return n
    if u.startswith("w"):
        return 7 * n
    base = start or date(2001, 1, 1)
    return ((base + _unit_delta(n, unit)) - base).days


def _number(raw: str) -> int:
    raw = raw.lower()
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _ago(text: str, today: date) -> date | None:
    """'18 months ago' with dateparser against ``today`` (day of month kept, not floored)."""
    import dateparser

    parsed = dateparser.parse(
        text, languages=["en"],
        settings={"RELATIVE_BASE": datetime(today.year, today.month, today.day), "PREFER_DAY_OF_MONTH": "current",
                  "DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past"},
    )
    return parsed.date() if parsed else None


@dataclass
class _Mention:
    start: int
    end: int
    value: date
    text: str


def _mentions(text: str, today: date, notes: list[str]) -> tuple[list[_Mention], list[DateMention]]:
    """Every date in ``text``: the rule layer's UK forms, then relative and month-only forms."""
    out: list[_Mention] = []
    invalid: list[DateMention] = []
    for m in _DAY_TO.finditer(text):  # "from 1 to 28 June": the first day borrows month and year
        month = _MONTHS[m.group("m").lower()]
        year = int(m.group("y")) if m.group("y") else today.year
        try:
            d1, d2 = date(year, month, int(m.group("d1"))), date(year, month, int(m.group("d2")))
        except ValueError:
            continue
        split = m.start("d2")
        out.append(_Mention(m.start("d1"), m.end("d1"), d1, m.group("d1")))
        out.append(_Mention(split, m.end(), d2, text[split:m.end()]))
    for d in find_dates(text, today):
        if any(d.start < o.end and o.start < d.end for o in out):
            continue
        if d.value is None:
            invalid.append(d)
            continue
        out.append(_Mention(d.start, d.end, d.value, d.text))
        if d.year_assumed:
            notes.append(f"'{d.text}' read as {fmt(d.value)} (no year given: this year)")
    for m in _LAST_MONTH.finditer(text):
        month = _MONTHS[m.group("m").lower()]
        rel = m.group("rel").lower()
        year = today.year
        if rel == "last":
            year = today.year if month < today.month else today.year - 1
        elif rel == "next":
            year = today.year if month > today.month else today.year + 1
        value = date(year, month, 1)
        out.append(_Mention(m.start(), m.end(), value, m.group(0)))
        notes.append(f"'{m.group(0)}' read as {fmt(value)} (no day given: the 1st)")
    for m in _MONTH_YEAR.finditer(text):
        s = m.start("m")
        if any(s < o.end and o.start < m.end() for o in out):
            continue
        value = date(int(m.group("y")), _MONTHS[m.group("m").lower()], 1)
        out.append(_Mention(s, m.end(), value, text[s:m.end()]))
        notes.append(f"'{text[s:m.end()]}' read as {fmt(value)} (no day given: the 1st)")
    for m in _AGO.finditer(text):
        value = _ago(m.group(0), today)
        if value is not None:
            out.append(_Mention(m.start(), m.end(), value, m.group(0)))
            notes.append(f"'{m.group(0)}' read as {fmt(value)} (counted back from {fmt(today)})")
    for word, delta in (("yesterday", 1), ("today", 0)):
        for m in re.finditer(rf"\b{word}\b", text, re.I):
            if word == "today" and re.match(r"\s+is\b", text[m.end():]):
                continue
            out.append(_Mention(m.start(), m.end(), today - timedelta(days=delta), m.group(0)))
    return sorted(out, key=lambda x: x.start), invalid


def _relationship(text: str) -> tuple[str | None, bool]:
    """(relationship, is the local authority's foster carer) of the person caring."""
    parent = None
    for m in _ROLE.finditer(text):
        role = m.group("role").lower()
        rel = next((r for p, r in _ROLE_MAP if re.search(p, role)), None)
        if rel is None:
            continue
        if rel == "parent":
            if _CONSENTING.match(text[m.end():m.end() + 30]) or re.search(r"consent\w*\s+(?:of|from)\s+(?:the\s+)?$",
                                                                          text[max(0, m.start() - 20):m.start()], re.I):
                continue
            if re.search(r"\b(?:mum|dad|mother|father|parent)'?s\s+(?:friend|partner)", text[m.start():m.end() + 10], re.I):
                continue
            parent = parent or "parent"
            continue
        if rel == "foster_carer":
            return "unrelated", True
        return rel, False
    return parent, False


def read_facts(text: str, today: date) -> ReadFacts:
    """The facts stated in ``text``; relative dates count from ``today``."""
    notes: list[str] = []
    values: dict = {}
    mentions, invalid = _mentions(text, today, notes)
    if invalid:
        values["invalid_dates"] = [d.text for d in invalid]
    used: set[int] = set()

    def before(m: _Mention, width: int = 60) -> str:
        return text[max(0, m.start - width):m.start]

    # a period: "from A to B", "between A and B", "A - B"
    for i, (a, b) in enumerate(zip(mentions, mentions[1:])):
        if i in used or (i + 1) in used:
            continue
        if _RANGE_SEP.match(text[a.end:b.start]) and (
            _FROM.search(before(a, 12)) or text[a.end:b.start].strip() in ("-", "–", "—", "to", "until", "till")
        ):
            used.update({i, i + 1})
            ctx = before(a)
            if _LOOKED_AFTER.search(ctx) and not _LIVED.search(ctx):
                values["looked_after_from"] = a.value
                continue
            if b.value < a.value:
                values.setdefault("invalid_periods", []).append(f"{a.text} - {b.text}")
                continue
            if b.value > today or _PLANNED.search(text):
                values["arrangement_start"] = a.value
                values["intended_days"] = (b.value - a.value).days + 1
            else:
                values.setdefault("lived_with", []).append({"from_date": a.value, "to_date": b.value})

    for i, m in enumerate(mentions):
        if i in used:
            continue
        ctx = before(m)
        near = before(m, 30)
        if _DOB.search(before(m, 20)):
            values["child_date_of_birth"] = m.value
        elif _TODAY.search(before(m, 20)):
            values["today"] = m.value
        elif (r := _REVIEW_HELD.search(before(m, 70))) is not None:
            values.setdefault("reviews_held", []).append(m.value)
        elif _ISSUED.search(before(m, 40)):
            values["care_proceedings_issued_on"] = m.value
        elif _APPLY.search(near) and not _SINCE.search(before(m, 8)):
            values["application_date"] = m.value
        elif _UNTIL.search(before(m, 14)):
            values["arrangement_end"] = m.value
            # "lived with gran until 30 June 2022" (since when unknown): the end is what matters
            values["lived_with_until"] = m.value
        elif _LOOKED_AFTER.search(before(m, 40)) and not re.search(r"\b(?:lived|living|staying|had|has)\b",
                                                                   before(m, 25), re.I):
            values["looked_after_from"] = m.value
        elif _SINCE.search(before(m, 8)) or _LIVED.search(ctx) or re.search(r"\bfrom\s*$", before(m, 8), re.I):
            if m.value > today or _PLANNED.search(text):
                values["arrangement_start"] = m.value
            else:
                values["lived_with_since"] = m.value
        else:
            values.setdefault("unplaced_dates", []).append(m.value)

    # a lived-with period that ended: "from X until Y" split over cues
    if "lived_with_since" in values and "lived_with_until" in values:
        values.setdefault("lived_with", []).append(
            {"from_date": values.pop("lived_with_since"), "to_date": values["lived_with_until"]})
        values.pop("arrangement_end", None)
    if "arrangement_start" in values and "arrangement_end" in values:
        values["intended_days"] = (values.pop("arrangement_end") - values["arrangement_start"]).days + 1
    values.pop("lived_with_until", None) if "arrangement_end" in values or "lived_with" in values else None

    # "proceedings issued 2/3/26, child LAC the same day"
    if "looked_after_from" not in values and mentions and re.search(
            r"\b(?:lac|cla|looked\s+after|came\s+into\s+care|accommodated)\s+(?:on\s+|from\s+)?the\s+same\s+day", text, re.I):
        values["looked_after_from"] = mentions[0].value

    # durations: "for two years", "she's had him 18 months" (past) or "plan is 6 weeks" (planned)
    for m in _DURATION.finditer(text):
        if any(mm.start <= m.start() < mm.end for mm in mentions):
            continue
        if re.match(r"\s+(?:later|earlier|after|before|on)\b", text[m.end():], re.I):
            continue  # "a week later, 12 May": a gap between dates, not a period
        n, unit = _number(m.group("n")), m.group("unit")
        if n == 0:
            continue
        ctx = text[max(0, m.start() - 40):m.start()]
        planned = _PLANNED.search(ctx) or (re.search(r"\b(?:staying|going)\b", ctx, re.I) and
                                           not re.search(r"\b(?:been|has|have|'s\s+had)\b", ctx, re.I))
        planned = planned or _PLANNED.search(m.group(0)) or re.search(r"\bfor\s*$", ctx) and not \
            re.search(r"\b(?:has|have|'s|had|been)\b", ctx, re.I)
        if planned or "arrangement_start" in values:
            values["intended_days"] = _days(n, unit, values.get("arrangement_start"))
        elif "lived_with_since" not in values and "lived_with" not in values:
            since = today - _unit_delta(n, unit)
            values["lived_with_since"] = since
            notes.append(f"'{m.group(0).strip()}' read as since {fmt(since)} (counted back from {fmt(today)})")
        break

    age = _AGE.search(text)
    if age:
        n = int(age.group("a") or age.group("b"))
        if n <= 25:
            values["child_age"] = n
    if re.search(r"\b(?:not|isn'?t|no|without)\s+(?:a\s+)?disab\w*|\bno\s+disabilit", text, re.I):
        values["child_disabled"] = False
    elif re.search(r"\bdisab(?:led|ility|ilities)\b", text, re.I):
        values["child_disabled"] = True

    rel, lafc = _relationship(text)
    if rel is not None:
        values["relationship"] = rel
    if lafc:
        values["is_local_authority_foster_carer"] = True
    return ReadFacts(values, notes)


# -- read back, in words -----------------------------------------------------------------
_REL_WORDS = {"step_parent": "step-parent", "great_grandparent": "great-grandparent", "great_aunt": "great-aunt",
              "great_uncle": "great-uncle", "family_friend": "family friend", "unrelated": "someone unrelated"}


def read_back(values: dict) -> str:
    """'I read: ...' - each fact as it will be used, for the user to check."""
    parts: list[str] = []
    who = _REL_WORDS.get(values.get("relationship", ""), values.get("relationship"))
    if values.get("is_local_authority_foster_carer"):
        who = "the local authority foster carer"
    if values.get("looked_after_from"):
        parts.append(f"looked after from {fmt(values['looked_after_from'])}")
    for n, d in enumerate(values.get("reviews_held", []), 1):
        parts.append(f"review {n} held {fmt(d)}")
    if values.get("care_proceedings_issued_on"):
        parts.append(f"care proceedings issued {fmt(values['care_proceedings_issued_on'])}")
    for p in values.get("lived_with", []):
        parts.append(f"lived with {who or 'the applicant'} {fmt(p['from_date'])} - {fmt(p['to_date'])}")
    if values.get("lived_with_since"):
        parts.append(f"living with {who or 'the applicant'} since {fmt(values['lived_with_since'])}")
    elif who and not values.get("lived_with"):
        parts.append(f"carer: {who}")
    if values.get("arrangement_start"):
        parts.append(f"arrangement from {fmt(values['arrangement_start'])}")
    if values.get("intended_days"):
        parts.append(f"lasting {values['intended_days']} days")
    if values.get("application_date"):
        parts.append(f"application {fmt(values['application_date'])}")
    if values.get("child_age") is not None:
        parts.append(f"child aged {values['child_age']}")
    if values.get("child_date_of_birth"):
        parts.append(f"child born {fmt(values['child_date_of_birth'])}")
    if values.get("child_disabled") is not None:
        parts.append("child disabled" if values["child_disabled"] else "child not disabled")
    return ("I read: " + "; ".join(parts)) if parts else ""
