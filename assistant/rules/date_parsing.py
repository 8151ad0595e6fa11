"""Dates as practitioners write them in questions.

Accepted forms:
- "2 March 2026", "2nd March 2026", "2nd of March, 2026", "2 Mar 2026", "March 2, 2026";
- "02/03/2026", "2/3/26", "02.03.2026", "02-03-2026" - always UK order, day first;
- "2026-03-02" (ISO);
- "2 March", "2nd March", "March 2" - a date WITHOUT a year is taken to be in the year
  of ``today`` (the caller's reference date), and is marked ``year_assumed``.

A form that looks like a date but is not one ("31/02/2026") is returned with ``value``
None and an ``error`` saying so, so the caller can ask instead of guessing. Durations
("for 8 months", "for two years") are read by ``find_durations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b")),
    ("numeric", re.compile(r"\b(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-](?P<year>\d{4}|\d{2})\b")),
    ("day_month", re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?\b", re.IGNORECASE)),
    ("month_day", re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.IGNORECASE)),
]

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20}
_DURATION = re.compile(
    r"\bfor\s+(?:the\s+(?:last|past)\s+)?(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s+"
    r"(?P<unit>days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMention:
    """A date found in text (``value`` None when it is not a real date)."""

    start: int
    end: int
    text: str
    value: date | None
    year_assumed: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Duration:
    start: int
    end: int
    text: str
    amount: int
    unit: str  # days | weeks | months | years


def _make(kind: str, m: re.Match[str], today: date) -> DateMention:
    text = m.group(0)
    month_raw = m.group("month")
    month = int(month_raw) if month_raw.isdigit() else _MONTHS[month_raw.lower().rstrip(".")]
    day = int(m.group("day"))
    year_raw = m.group("year")
    assumed = year_raw is None
    year = today.year if assumed else int(year_raw)
    if year_raw is not None and len(year_raw) == 2:
        year = 2000 + year
    try:
        return DateMention(m.start(), m.end(), text, date(year, month, day), assumed)
    except ValueError:
        return DateMention(m.start(), m.end(), text, None, assumed, f"{text!r} is not a real date")


def _plausible(kind: str, m: re.Match[str]) -> bool:
    # "they may 2..." is the verb: "May" before a day counts only when capitalised
    return not (kind == "month_day" and m.group("month") == "may")


def find_dates(text: str, today: date) -> list[DateMention]:
    """Every date mention in ``text``, in order, without overlaps."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if not _plausible(kind, m):
                continue
            found.append(_make(kind, m, today))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str, today: date) -> date | None:
    """The single date in ``text`` (None when there is none, several, or it is not real)."""
    mentions = find_dates(text.strip(), today)
    return mentions[0].value if len(mentions) == 1 else None


def find_durations(text: str) -> list[Duration]:
    """"for 8 months", "for two years", "for the last 3 weeks"."""
    out = []
    for m in _DURATION.finditer(text):
        raw = m.group("n").lower()
        amount = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        unit = m.group("unit").lower()
        unit = unit if unit.endswith("s") else unit + "s"
        out.append(Duration(m.start(), m.end(), m.group(0), amount, unit))
    return out
