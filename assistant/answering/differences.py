"""Spot where authorities (or versions) give different timescales, from their own words.

When the answer quotes several policies, the timescale phrases in the quoted passages
("four-month review", "no more than 13 weeks after the beginning of the care episode")
are compared; if they differ, the answer says so and quotes the phrases with their
markers. Nothing is paraphrased: each phrase is a substring of a cited quote.
"""

from __future__ import annotations

import re

_NUM = r"(?:\d+(?:\s*-\s*\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|twenty|twenty-six)"
_UNIT = r"(?:working\s+)?(?:days?|weekly|weeks?|monthly|months?|years?)"
_TAIL = r"[^,.;()]{3,60}?(?=[,.;()]|\s+(?:and|will|taking|until|unless|to|is|are)\b|$)"
_TIMESCALE = re.compile(
    rf"(?:(?:no\s+(?:more|later)\s+than|within|by|at\s+least|every|at|up\s+to|after|before|prior\s+to)\s+)?"
    rf"(?:the\s+)?(?:{_NUM}[\s-]{_UNIT}(?:\s+(?:of|after|from|before)\s+(?:the|a|them|their|being)\s+{_TAIL}"
    rf"|[\s-](?:review|weekly\s+intervals|weekly|monthly)|\s+intervals)?"
    rf"|(?:first|second|third|2nd|3rd|four[\s-]month|4[\s-]month)\s+(?:statutory\s+|Looked\s+After(?:\s+Children's)?\s+|LAC\s+|CLA\s+)?[Rr]eview)",
    re.IGNORECASE,
)


def timescales(text: str) -> list[str]:
    """Timescale phrases in ``text``, verbatim, in order, each once."""
    out: list[str] = []
    for m in _TIMESCALE.finditer(text):
        phrase = m.group(0).strip(" ,;.")
        if phrase and phrase.lower() not in (p.lower() for p in out):
            out.append(phrase)
    return out


def _key(phrase: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", phrase.lower()).strip()


def differ(groups: dict[str, list[str]]) -> bool:
    """True when at least two groups quote timescales and their sets are not the same."""
    sets = [frozenset(_key(p) for p in phrases) for phrases in groups.values() if phrases]
    return len(sets) >= 2 and len(set(sets)) > 1
