"""Screening free text (feedback comments) for what identifies a child or a family.

Not a guarantee, a net for the common slips: a name after "called"/"named", a date of
birth, an NHS number (ten digits with a valid check digit), a UK postcode, a street address.
``find`` says which kinds it saw; ``redact`` replaces each match with "[removed]".
"""

from __future__ import annotations

import re

_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE = rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"

PATTERNS: dict[str, re.Pattern[str]] = {
    "a name after 'called' or 'named'": re.compile(
        r"\b(?:called|named|name is|known as)\s+(?:[A-Z][a-z'’-]+)(?:\s+[A-Z][a-z'’-]+)*"
    ),
    "a date of birth": re.compile(
        rf"\b(?:born(?:\s+on)?|d\.?o\.?b\.?|date of birth|birthday)\s*(?:is|was|:)?\s*{_DATE}", re.IGNORECASE
    ),
    "an NHS number": re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"),
    "a postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),
    "an address": re.compile(
        r"\b\d{1,4}[a-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}"
        r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Court|Ct|Crescent|Place|Grove|Gardens|Terrace|Walk|Square|Hill|Row|Mews)\b"
    ),
}


def _nhs_valid(digits: str) -> bool:
    d = [int(c) for c in digits]
    check = 11 - sum(x * w for x, w in zip(d[:9], range(10, 1, -1))) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == d[9]


def _matches(kind: str, text: str) -> list[re.Match[str]]:
    found = list(PATTERNS[kind].finditer(text))
    if kind == "an NHS number":
        found = [m for m in found if _nhs_valid(re.sub(r"\D", "", m.group()))]
    return found


def find(text: str | None) -> list[str]:
    """The kinds of personal data ``text`` seems to hold, in a fixed order; [] when none."""
    if not text:
        return []
    return [kind for kind in PATTERNS if _matches(kind, text)]


def redact(text: str) -> str:
    for kind in PATTERNS:
        for m in reversed(_matches(kind, text)):
            text = text[: m.start()] + "[removed]" + text[m.end():]
    return text


def warning(kinds: list[str]) -> str:
    return (
        "The comment seems to contain personal data (" + ", ".join(kinds) + "). "
        "Feedback is about the answer, not the case: leave out names, dates of birth, NHS numbers and addresses."
    )
