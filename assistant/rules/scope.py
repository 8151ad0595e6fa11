"""Which rules a request wants: statute always; local rules for the chosen council.

A request names at most one council (already resolved to its full name through
``Corpus.resolve_authority``); without one, every council's rules are shown, each
as its own result. Rules from superseded documents are shown (and marked) unless
``include_superseded`` is false.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.rules.rulebook import STATUTE_AUTHORITY, Rulebook


@dataclass(frozen=True)
class Scope:
    authority: str | None = None
    include_superseded: bool = True

    def wants(self, book: Rulebook, rule_id: str) -> bool:
        rule = book.rule(rule_id)
        if rule.authority == STATUTE_AUTHORITY:
            return True
        if self.authority is not None and rule.authority != self.authority:
            return False
        if not self.include_superseded and book.document_status(rule.document_id) == "superseded":
            return False
        return True
