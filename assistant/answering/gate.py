"""The answerability gate: a quote is an answer only if it answers this question.

Every answer looks the same (verbatim quotes with markers), so a near miss reads exactly
like an answer. Retrieval finds the passages most like the question; this gate asks two
more things of the quotes chosen from them, per council:

1. **the subject**: when the question is about a concept of the glossary (an SGO, a PPM,
   adoption), the quote, its list lead-in or its section heading must name it;
2. **the expected answer type**: a "how long" question needs a duration in the quote, a
   "how often" question a frequency, a "who" question a person or role, a "how much"
   question an amount, a "how many" question a number.

Quotes that fail are dropped (no padding); a council whose quotes all fail is dropped;
when nothing is left the question is declined with the reason, the nearest sections and a
gap record. The money check this generalises lived in ``refusal.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.retrieval.glossary import Glossary
from assistant.understanding.answer_types import checks_answer_type, holds_answer_type
from assistant.understanding.frame import QuestionFrame


@dataclass(frozen=True)
class Quote:
    """What the gate sees of one chosen unit."""

    text: str  # the quoted span
    context: str  # its section path and list lead-in


def covers_subject(frame: QuestionFrame, quote: Quote, glossary: Glossary) -> bool:
    if not frame.subjects:
        return True
    found = {m.entry.id for m in glossary.find(f"{quote.context}\n{quote.text}")}
    return bool(found & set(frame.subjects))


def answers(frame: QuestionFrame, quote: Quote, glossary: Glossary) -> bool:
    """Does this quote answer the frame's question (subject and answer type)?"""
    if checks_answer_type(frame.answer_type) and not holds_answer_type(quote.text, frame.answer_type):
        return False
    return True


def refusal_reason(frame: QuestionFrame, subject_missing: bool) -> str:
    if subject_missing:
        return "subject_not_in_policies"
    return f"no_{frame.answer_type}_in_policies"
