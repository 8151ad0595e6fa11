"""Shared data shapes: what ingest writes, what retrieval returns, what answers cite.

These names are a contract with the API's clients (``/ask`` citations) and between
the packages, so change them only together with every user.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["current", "superseded"]


class DocumentMeta(BaseModel):
    """One policy document as the manifest describes it."""

    id: str
    file: str
    authority: str
    title: str
    version: str
    date: _dt.date | None = None  # module-qualified: the field name shadows the type
    date_note: str | None = None
    status: Status = "current"
    supersedes: str | None = None
    source_format: str = "txt"
    # Lineage and names: a family is every version of one policy (gold items and rules name
    # the family and follow its current version); short_name and aliases are the names
    # practitioners use for the council, so nothing ever guesses them from the full name.
    family: str | None = None
    short_name: str | None = None
    aliases: list[str] = Field(default_factory=list)

    @property
    def authority_short(self) -> str:
        """"Wigan Council" -> "Wigan"; "North Yorkshire Council" -> "North Yorkshire"."""
        return self.short_name or default_short_name(self.authority)

    @property
    def family_id(self) -> str:
        return self.family or self.id


_COUNCIL_SUFFIX = (
    " metropolitan borough council", " borough council", " city council", " county council",
    " district council", " council",
)


def default_short_name(authority: str) -> str:
    """A council's name without its suffix ("Luton Borough Council" -> "Luton"), for a manifest
    entry that gives no ``short_name``. Strips a whole suffix, never characters."""
    name = " ".join(authority.split())
    low = name.casefold()
    for suffix in _COUNCIL_SUFFIX:
        if low.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class Chunk(BaseModel):
    """A passage of one document, as stored in the index.

    ``text`` is verbatim: ``document_text[start:end] == text`` for the normalised
    document text, which is what lets any citation be shown and highlighted exactly.
    ``embed_text`` is what the embedder saw (title and section path prefixed).
    """

    id: str
    document_id: str
    authority: str
    title: str
    version: str
    status: Status
    section_path: list[str] = Field(default_factory=list)
    page: int | None = None
    start: int
    end: int
    text: str
    embed_text: str
    kind: Literal["paragraph", "list", "table", "guidance", "heading"] = "paragraph"

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)


class RetrievedChunk(BaseModel):
    """A chunk with the score retrieval gave it (higher is better)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    sparse_score: float | None = None


class Citation(BaseModel):
    """A verbatim quote from the corpus, numbered as its marker [n] in an answer."""

    n: int
    document_id: str
    authority: str
    title: str
    version: str
    status: Status
    section: str
    page: int | None = None
    quote: str
    start: int
    end: int
    score: float = 0.0
