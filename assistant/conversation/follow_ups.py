"""Follow-up questions read without a model.

- "and for a child arrangements order?" keeps the previous question's frame with the
  new subject: "who can apply for an SGO?" becomes "who can apply for a child
  arrangements order?" (subjects are glossary entries marked ``subject``).
- "what about Luton?" keeps the previous question with the new authority.
- A question that stands on its own (it has its own verb and subject, and no follow-up
  cue) is read as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.conversation.sessions import Turn
from assistant.corpus import Corpus
from assistant.retrieval.glossary import Glossary
from assistant.retrieval.query_analysis import find_authorities

_CUE = re.compile(
    r"^\s*(?:and|&|also|plus|but)\b|^\s*(?:what|how)\s+about\b|^\s*(?:what|how)\s+(?:if|of)\b|"
    r"^\s*(?:same|is\s+it\s+the\s+same|is\s+that\s+the\s+same|does\s+that\s+apply|does\s+it\s+apply)\b|"
    r"^\s*(?:for|in|at)\s+\w+|^\s*(?:what|how)\s+does\s+\w+\s+(?:say|do)\s*\??\s*$",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"\b(a|an)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Resolution:
    """How a question was read in its conversation."""

    question: str  # what retrieval sees
    authority: str | None  # full name, or None for detection/all
    follow_up: bool
    explanation: str | None = None


def _with_article(before: str, replacement: str) -> str:
    m = _ARTICLE.search(before)
    if not m:
        return before
    art = "an" if replacement[:1].lower() in "aeiou" else "a"
    if m.group(1)[0].isupper():
        art = art.capitalize()
    return before[: m.start(1)] + art + before[m.end(1) :]


def _replace(text: str, start: int, end: int, new: str) -> str:
    return _with_article(text[:start], new) + new + text[end:]


def resolve(
    question: str,
    previous: Turn | None,
    explicit_authority: str | None,
    corpus: Corpus,
    glossary: Glossary,
) -> Resolution:
    """Read ``question`` in the light of the previous turn (None: a first question)."""
    if previous is None or previous.refused:
        return Resolution(question, explicit_authority, False)
    cue = bool(_CUE.search(question))
    words = len(re.findall(r"\w+", question))
    new_subjects = glossary.subjects(question)
    new_auths = find_authorities(corpus, question)
    # Without a cue, only a very short fragment ("Luton?", "CAO?") is a follow-up.
    if not cue and not (words <= 3 and (new_subjects or new_auths)):
        return Resolution(question, explicit_authority, False)

    frame = previous.interpreted_question
    authority = explicit_authority
    changes: list[str] = []

    if new_subjects:
        subj = new_subjects[0]
        old = glossary.subjects(frame)
        if old:
            o = old[0]
            frame = _replace(frame, o.start, o.end, subj.surface)
        else:
            frame = f"{frame.rstrip(' ?')} for {subj.surface}?"
        changes.append(f"new subject: {subj.surface}")

    if new_auths:
        new = new_auths[0].authority
        short = new.split()[0]
        old_mentions = find_authorities(corpus, frame)
        if old_mentions:
            m = old_mentions[0]
            frame = frame[: m.start] + short + frame[m.end :]
        else:
            frame = f"{frame.rstrip(' ?')} in {short}?"
        authority = explicit_authority or new
        changes.append(f"authority: {new}")
    elif authority is None and previous.authorities and len(previous.authorities) == 1:
        authority = previous.authorities[0]
        changes.append(f"authority kept: {authority}")

    if not new_subjects and not new_auths:
        # "what about the disadvantages?": the new words with the previous subject.
        old = glossary.subjects(frame)
        if not old:
            return Resolution(question, explicit_authority, False)
        frame = f"{question.rstrip(' ?')} of {old[0].surface}?"
        changes.append(f"subject kept: {old[0].surface}")

    explanation = f"Read as a follow-up to \u201c{previous.interpreted_question}\u201d ({'; '.join(changes)})."
    return Resolution(frame, authority, True, explanation)
