"""Who is a relative of a child (Children Act 1989 s.105(1)).

"Relative" means a grandparent, brother, sister, uncle or aunt (whether of the full
blood or of the half blood or by marriage or civil partnership) or step-parent. Bolton
quotes the same definition as "Close Relative". Cousins, great-aunts and great-uncles,
great-grandparents and family friends are not relatives in this sense, which matters
for private fostering and for the relatives' one-year routes to an order.
"""

from __future__ import annotations

from assistant.rules.facts import Relationship
from assistant.rules.results import ResultBuilder, RuleResult
from assistant.rules.rulebook import Rulebook

RELATIVE = "relative-definition"

S105_RELATIVES: frozenset[str] = frozenset({"grandparent", "brother", "sister", "sibling", "uncle", "aunt", "step_parent"})
NOT_RELATIVES: frozenset[str] = frozenset({"great_grandparent", "great_aunt", "great_uncle", "cousin",
                                           "family_friend", "unrelated"})

_WORDS = {"step_parent": "step-parent", "great_grandparent": "great-grandparent", "great_aunt": "great-aunt",
          "great_uncle": "great-uncle", "family_friend": "family friend", "other_relative": "other relative"}


def words(relationship: str) -> str:
    return _WORDS.get(relationship, relationship)


def is_relative(relationship: Relationship | None) -> bool | None:
    """True for a s.105 relative, False for anyone else, None when unknown or too vague."""
    if relationship is None or relationship == "other_relative":
        return None
    if relationship == "parent":
        return False  # a parent is a parent, not a "relative" under s.105
    return relationship in S105_RELATIVES


def relative_result(book: Rulebook, relationship: Relationship | None) -> RuleResult:
    """Is this person a relative of the child in the s.105 sense?"""
    b = ResultBuilder(book, "relative", RELATIVE)
    marks = b.cite_all(RELATIVE)
    verdict = is_relative(relationship)
    b.reasons.append(f"Children Act 1989 s.105: {book.rule(RELATIVE).statement} {marks}".rstrip())
    if verdict is None:
        b.missing.append("the exact relationship to the child (e.g. grandparent, aunt, cousin, great-aunt)")
        return b.build("cannot_tell", "Whether this is a relative depends on the exact relationship.")
    name = words(relationship or "")
    if verdict:
        return b.build("applies", f"A {name} is a relative of the child (s.105).")
    return b.build("does_not_apply", f"A {name} is not a relative of the child in the s.105 sense.")
