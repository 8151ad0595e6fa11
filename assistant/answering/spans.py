"""Quote the whole point, not the sentence that restates the question.

Sentences are scored alone, so the one that shares most words with the question wins,
and it is often the set-up, not the answer: the lead-in before a list ("... the following:"),
the condition before its consequence, the definition before its elaboration. Having picked a
unit, ``extend`` grows it to the end of its point:

- forward across a lead-in (a sentence ending in ':') into what it introduces, so a quote
  never ends on a colon;
- forward over sentences of the same paragraph that continue it ("This means ...", "It ...",
  "In these circumstances ...") and, after a condition ("If ...", "Where ..."), over the
  sentence that states what follows;
- backward only when the unit itself opens with such a word ("This", "They"), so that what
  it refers to is quoted too.

Every grown unit is still one contiguous span of the document text.
"""

from __future__ import annotations

import re

from assistant.answering.passages import Unit

_CONTINUES = re.compile(
    r"^\W*(?:this|these|that|those|it|its|they|their|them|such|he|she|his|her|in\s+(?:this|these|such|that)\b|"
    r"however|therefore|thus|as\s+a\s+result|otherwise|if\s+(?:so|not)|in\s+addition|additionally|also|again|"
    r"then|consequently|for\s+(?:this|these)\s+reasons?|in\s+(?:both|either)\s+cases?|which)\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"^\W*(?:if|where|when|whenever|unless|once|should|in\s+(?:cases?|circumstances|the\s+event)\s+(?:where|that|of))\b",
    re.IGNORECASE,
)
MAX_QUOTE_CHARS = 900
MAX_EXTRA_SENTENCES = 2


def _index(units: list[Unit], unit: Unit) -> int | None:
    for i, u in enumerate(units):
        if u.start == unit.start and u.end == unit.end:
            return i
    return None


def _same_para(a: Unit, b: Unit) -> bool:
    return a.kind == b.kind == "sentence" and a.para is not None and a.para == b.para


def extend(unit: Unit, units: list[Unit], text: str) -> Unit:
    """``unit`` grown to the whole point it belongs to (see the module docstring)."""
    i = _index(units, unit)
    if i is None or unit.kind != "sentence":
        return unit
    first = last = i
    # backward: the unit opens with a word that refers back
    if _CONTINUES.match(text[unit.start : unit.end]) and i > 0 and _same_para(units[i - 1], unit):
        first = i - 1
    # forward: into what a lead-in introduces
    if text[units[last].start : units[last].end].rstrip().endswith(":") and last + 1 < len(units):
        nxt = units[last + 1]
        if nxt.kind == "list" and nxt.lead is None:
            lead = (units[first].start, units[last].end)
            return Unit("list", lead[0], nxt.end, lead=lead, items=nxt.items)
        last += 1
    # forward: sentences that continue the point, and the consequence after a condition
    extra = 0
    while last + 1 < len(units) and extra < MAX_EXTRA_SENTENCES:
        nxt = units[last + 1]
        if not _same_para(units[last], nxt):
            break
        cur_text = text[units[last].start : units[last].end]
        nxt_text = text[nxt.start : nxt.end]
        follows = bool(_CONTINUES.match(nxt_text)) or bool(_CONDITION.match(cur_text)) or cur_text.rstrip().endswith(":")
        if not follows or nxt.end - units[first].start > MAX_QUOTE_CHARS:
            break
        last += 1
        extra += 1
    if first == last == i:
        return unit
    return Unit("sentence", units[first].start, units[last].end, para=unit.para)


def join(a: Unit, b: Unit, units: list[Unit]) -> Unit | None:
    """One quote for two chosen sentences of the same paragraph with at most one sentence
    between them (``a`` first), so a point is cited once, not as scattered fragments; None
    when they belong apart."""
    if a.kind != "sentence" or b.kind != "sentence" or a.para is None or a.para != b.para or b.start < a.end:
        return None
    between = [u for u in units if u.start >= a.end and u.end <= b.start]
    if len(between) > 1 or b.end - a.start > MAX_QUOTE_CHARS:
        return None
    return Unit("sentence", a.start, b.end, para=a.para)
