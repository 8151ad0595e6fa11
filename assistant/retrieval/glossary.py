"""The field's glossary as data, and query expansion with it in both directions.

``policies_corpus/glossary.yaml`` lists acronyms and long forms. A question that says
"SGO" is also searched as "special guardianship order", and one that says "special
guardianship" also as "SGO", because the policies use both. Follow-up resolution uses
the same entries to find what a question is about (its subject).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml


class GlossaryError(ValueError):
    """The glossary file is missing or an entry is malformed (names the entry)."""


@dataclass(frozen=True)
class GlossaryEntry:
    id: str
    acronyms: tuple[str, ...]
    terms: tuple[str, ...]
    subject: bool = False
    exact_case: bool = False

    @property
    def long_form(self) -> str:
        return self.terms[0] if self.terms else self.acronyms[0]

    @property
    def forms(self) -> tuple[str, ...]:
        return self.acronyms + self.terms


@dataclass(frozen=True)
class GlossaryMatch:
    """Where an entry's form occurs in a text."""

    entry: GlossaryEntry
    start: int
    end: int
    surface: str


@dataclass(frozen=True)
class Expansion:
    """A query and the glossary forms added to it."""

    query: str
    added: tuple[str, ...] = ()
    matched: tuple[str, ...] = field(default=())  # entry ids

    @property
    def text(self) -> str:
        """The query with the added forms appended, for lexical and dense search."""
        if not self.added:
            return self.query
        return f"{self.query} ({'; '.join(self.added)})"


def _form_pattern(form: str, acronym: bool, exact_case: bool) -> re.Pattern[str]:
    # Words may be separated by spaces or hyphens; a plural "s" is optional at the end.
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", form.strip()) if p]
    if parts and len(parts[-1]) > 3 and parts[-1].endswith("y") and not acronym:
        parts[-1] = parts[-1][:-1] + "(?:y|ies)"  # "agency" also matches "agencies"
    body = r"[\s\-]+".join(parts)
    flags = 0
    if not acronym or (len(form.replace(" ", "")) >= 3 and not exact_case):
        flags = re.IGNORECASE
    return re.compile(rf"(?<![\w]){body}(?:'?s)?(?![\w])", flags)


class Glossary:
    """Acronyms and long forms; expands queries and finds subjects."""

    def __init__(self, entries: list[GlossaryEntry]):
        self.entries = entries
        patterns: list[tuple[int, re.Pattern[str], GlossaryEntry]] = []
        for e in entries:
            for a in e.acronyms:
                patterns.append((len(a), _form_pattern(a, True, e.exact_case), e))
            for t in e.terms:
                patterns.append((len(t), _form_pattern(t, False, e.exact_case), e))
        # Longest forms first, so "long-term residential care" wins over "residential care".
        patterns.sort(key=lambda p: -p[0])
        self._patterns = patterns

    @classmethod
    def load(cls, path: Path) -> "Glossary":
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise GlossaryError(f"{path}: cannot read glossary: {exc}") from exc
        entries: list[GlossaryEntry] = []
        seen: set[str] = set()
        for i, item in enumerate(raw.get("terms") or []):
            ident = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not ident:
                raise GlossaryError(f"{path}: entry #{i + 1}: needs an 'id'")
            if ident in seen:
                raise GlossaryError(f"{path}: entry {ident}: duplicate id")
            seen.add(ident)
            acronyms = tuple(str(a) for a in item.get("acronyms") or [])
            terms = tuple(str(t) for t in item.get("terms") or [])
            if not acronyms and not terms:
                raise GlossaryError(f"{path}: entry {ident}: needs 'acronyms' or 'terms'")
            entries.append(
                GlossaryEntry(
                    id=str(ident),
                    acronyms=acronyms,
                    terms=terms,
                    subject=bool(item.get("subject", False)),
                    exact_case=bool(item.get("exact_case", False)),
                )
            )
        return cls(entries)

    def find(self, text: str) -> list[GlossaryMatch]:
        """Non-overlapping matches in ``text``, in order of position (longest form wins)."""
        taken: list[tuple[int, int]] = []
        found: list[GlossaryMatch] = []
        for _, pat, entry in self._patterns:
            for m in pat.finditer(text):
                s, e = m.span()
                if any(s < te and ts < e for ts, te in taken):
                    continue
                taken.append((s, e))
                found.append(GlossaryMatch(entry, s, e, m.group(0)))
        found.sort(key=lambda m: m.start)
        return found

    def subjects(self, text: str) -> list[GlossaryMatch]:
        """Matches of entries that can be what a question is about."""
        return [m for m in self.find(text) if m.entry.subject]

    def expand(self, query: str) -> Expansion:
        """Add the other forms of every entry found: acronym -> long form and back.

        Only forms not already present are added; for an acronym the first long form is
        added, for a long form the acronyms (and the main long form if it differs).
        """
        matches = self.find(query)
        lowered = query.lower()
        added: list[str] = []
        ids: list[str] = []
        for m in matches:
            e = m.entry
            if e.id in ids:
                continue
            ids.append(e.id)
            surface = m.surface.lower()
            is_acronym = any(surface.rstrip("s'").lower() == a.lower() for a in e.acronyms) or any(
                surface.lower() == a.lower() for a in e.acronyms
            )
            wanted = [e.long_form] if is_acronym else [*e.acronyms, e.long_form]
            for form in wanted:
                if form.lower() not in lowered and form not in added:
                    added.append(form)
        return Expansion(query=query, added=tuple(added), matched=tuple(ids))


@lru_cache(maxsize=8)
def load_glossary(path: Path) -> Glossary:
    """The glossary at ``path``, parsed once per process."""
    return Glossary.load(path)
