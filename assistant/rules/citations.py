"""Corpus passages behind rules: find each verbatim quote, and cite it like an answer does.

Offsets, sections and pages come from the normalised document text that every chunk
and citation in the product uses (``ingest.documents``), so a rule citation highlights
exactly like an answer citation: ``text[start:end] == quote``.

Finding a quote tolerates only differences that normalisation may introduce: any run
of white space (line breaks, non-breaking spaces) matches any other, and straight and
curly quotation marks match each other. The citation then carries the document's own
characters, never the rule file's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from assistant.models import Citation, DocumentMeta

_SINGLE = "'\u2018\u2019\u02bc"
_DOUBLE = '"\u201c\u201d'


class DocumentTexts(Protocol):
    """Access to normalised document text (the INGEST contract)."""

    def text(self, document_id: str) -> str: ...

    def section_path_at(self, document_id: str, offset: int) -> list[str]: ...

    def page_at(self, document_id: str, offset: int) -> int | None: ...


class IngestDocumentTexts:
    """``DocumentTexts`` over ``ingest.documents`` for one ``Settings`` (texts cached)."""

    def __init__(self, settings):
        from ingest import documents  # owned by INGEST; imported late so rules load without it at import time

        self._docs = documents
        self._settings = settings
        self._cache: dict[str, str] = {}
        self._parsed: dict[str, object] = {}

    def _document(self, document_id: str):
        """The parsed document when INGEST exposes it (one lookup per document, not per offset)."""
        getter = getattr(self._docs, "get_document", None)
        if getter is None:
            return None
        if document_id not in self._parsed:
            self._parsed[document_id] = getter(self._settings, document_id)
        return self._parsed[document_id]

    def text(self, document_id: str) -> str:
        if document_id not in self._cache:
            self._cache[document_id] = self._docs.load_document_text(self._settings, document_id)
        return self._cache[document_id]

    def section_path_at(self, document_id: str, offset: int) -> list[str]:
        doc = self._document(document_id)
        if doc is not None:
            return list(doc.section_path_at(offset))
        return list(self._docs.section_path_at(self._settings, document_id, offset) or [])

    def page_at(self, document_id: str, offset: int) -> int | None:
        doc = self._document(document_id)
        if doc is not None:
            return doc.page_at(offset)
        return self._docs.page_at(self._settings, document_id, offset)


def _quote_pattern(quote: str) -> re.Pattern[str]:
    parts = []
    for token in quote.split():
        escaped = []
        for ch in token:
            if ch in _SINGLE:
                escaped.append(f"[{_SINGLE}]")
            elif ch in _DOUBLE:
                escaped.append(f"[{_DOUBLE}]")
            else:
                escaped.append(re.escape(ch))
        parts.append("".join(escaped))
    return re.compile(r"\s+".join(parts))


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """(start, end) of the first occurrence of ``quote`` in ``text``, or None."""
    if not quote.strip():
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    match = _quote_pattern(quote).search(text)
    return (match.start(), match.end()) if match else None


@dataclass(frozen=True)
class LocatedPassage:
    """A rule's quote, found in the corpus: everything a ``Citation`` needs but its number."""

    document_id: str
    authority: str
    title: str
    version: str
    status: str
    section: str
    page: int | None
    quote: str
    start: int
    end: int

    def citation(self, n: int) -> Citation:
        return Citation(
            n=n,
            document_id=self.document_id,
            authority=self.authority,
            title=self.title,
            version=self.version,
            status=self.status,  # type: ignore[arg-type]
            section=self.section,
            page=self.page,
            quote=self.quote,
            start=self.start,
            end=self.end,
        )


def locate_passage(texts: DocumentTexts, doc: DocumentMeta, quote: str) -> LocatedPassage | None:
    """Find ``quote`` in ``doc`` and describe it for citation; None when absent."""
    text = texts.text(doc.id)
    span = locate_quote(text, quote)
    if span is None:
        return None
    start, end = span
    return LocatedPassage(
        document_id=doc.id,
        authority=doc.authority,
        title=doc.title,
        version=doc.version,
        status=doc.status,
        section=" > ".join(texts.section_path_at(doc.id, start)),
        page=texts.page_at(doc.id, start),
        quote=text[start:end],
        start=start,
        end=end,
    )


class CitationList:
    """Numbers passages [1], [2], ... in first-use order, each passage once."""

    def __init__(self) -> None:
        self._items: list[Citation] = []
        self._index: dict[tuple[str, int, int], int] = {}

    def add(self, passage: LocatedPassage) -> int:
        """The marker number of ``passage`` (added if new)."""
        key = (passage.document_id, passage.start, passage.end)
        if key not in self._index:
            n = len(self._items) + 1
            self._items.append(passage.citation(n))
            self._index[key] = n
        return self._index[key]

    def add_citation(self, citation: Citation) -> int:
        key = (citation.document_id, citation.start, citation.end)
        if key not in self._index:
            n = len(self._items) + 1
            self._items.append(citation.model_copy(update={"n": n}))
            self._index[key] = n
        return self._index[key]

    @property
    def citations(self) -> list[Citation]:
        return list(self._items)
