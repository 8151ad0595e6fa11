"""The normalised text of each document, and where an offset lies in it (section, page).

This is the contract every citation relies on: for any chunk or citation of document
``d``, ``load_document_text(settings, d)[start:end]`` is its verbatim quote.

The text comes from the docstore written by the last successful ingest (so it matches
the offsets of the chunks being served); for a document not yet ingested it is derived
from the corpus file listed in the manifest, with the same loader and normaliser.
"""

from __future__ import annotations

import bisect
import glob
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.corpus import load_corpus
from assistant.models import DocumentMeta
from assistant.settings import Settings
from ingest.index_state import docstore_dir, read_state, state_path
from ingest.loaders import LoadedDocument, load_file
from ingest.normalise import PageSpan
from ingest.structure import DocumentStructure, parse_structure


class UnknownDocument(KeyError):
    """No document with this id is indexed or listed in the manifest."""

    def __init__(self, document_id: str, known: list[str] | None = None):
        self.document_id = document_id
        self.known = known or []
        msg = f"unknown document {document_id!r}"
        if self.known:
            msg += f"; known documents: {', '.join(self.known)}"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


@dataclass
class ParsedDocument:
    """One document after loading and structure recovery."""

    meta: DocumentMeta
    text: str
    pages: list[PageSpan] = field(default_factory=list)
    sections: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    sha256: str = ""
    source_metadata: dict[str, str] = field(default_factory=dict)
    structure: DocumentStructure | None = None  # present when parsed in this process

    def section_path_at(self, offset: int) -> list[str]:
        keys = [s for s, _ in self.sections]
        i = bisect.bisect_right(keys, offset) - 1
        return list(self.sections[i][1]) if i >= 0 else []

    def page_at(self, offset: int) -> int | None:
        if not self.pages:
            return None
        starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, offset) - 1
        return self.pages[max(i, 0)].page

    def to_json(self) -> dict:
        return {
            "meta": self.meta.model_dump(mode="json"),
            "text": self.text,
            "pages": [[p.page, p.start, p.end] for p in self.pages],
            "sections": [[s, list(path)] for s, path in self.sections],
            "sha256": self.sha256,
            "source_metadata": self.source_metadata,
        }

    @classmethod
    def from_json(cls, data: dict) -> "ParsedDocument":
        return cls(
            meta=DocumentMeta.model_validate(data["meta"]),
            text=data["text"],
            pages=[PageSpan(p, s, e) for p, s, e in data.get("pages", [])],
            sections=[(s, tuple(path)) for s, path in data.get("sections", [])],
            sha256=data.get("sha256", ""),
            source_metadata=data.get("source_metadata", {}),
        )


def parse_loaded(meta: DocumentMeta, loaded: LoadedDocument) -> ParsedDocument:
    """Structure of an already loaded file."""
    structure = parse_structure(loaded.text, meta.title, loaded.headings)
    return ParsedDocument(
        meta=meta,
        text=loaded.text,
        pages=loaded.pages,
        sections=structure.sections,
        sha256=loaded.sha256,
        source_metadata=loaded.metadata,
        structure=structure,
    )


def parse_file(meta: DocumentMeta, path: Path, max_bytes: int | None = None) -> ParsedDocument:
    """Load ``path`` and recover its structure (raises ``LoadError``)."""
    return parse_loaded(meta, load_file(path, max_bytes=max_bytes))


# --- lookups ------------------------------------------------------------------------


def get_document(settings: Settings, document_id: str) -> ParsedDocument:
    """The parsed document as the serving index knows it (cached)."""
    state = _state_cached(str(state_path(settings)), _mtime(state_path(settings)))
    entry = state.get("documents", {}).get(document_id)
    if entry and entry.get("docstore"):
        path = docstore_dir(settings) / entry["docstore"]
        if path.exists():
            return _docstore_cached(str(path))
    corpus = load_corpus(settings.manifest_path)
    try:
        meta = corpus.by_id(document_id)
    except KeyError:
        known = sorted(set(state.get("documents", {})) | {d.id for d in corpus.documents})
        raise UnknownDocument(document_id, known) from None
    path = corpus.path_of(meta)
    return _parsed_corpus_file(meta.model_dump_json(), str(path), _mtime(path), settings.max_file_bytes)


def load_document_text(settings: Settings, document_id: str) -> str:
    """The normalised text all offsets of ``document_id`` refer to."""
    return get_document(settings, document_id).text


def text_for_chunk(settings: Settings, chunk) -> str | None:
    """The normalised text ``chunk``'s offsets refer to (``text[start:end] == chunk.text``), or None.

    Usually the serving version. A run killed between moving the index alias and writing
    the state leaves the new collection serving and its texts in the docstore unrecorded,
    so the other docstore versions of the document are tried too, newest first.
    """
    try:
        text = load_document_text(settings, chunk.document_id)
        if text[chunk.start : chunk.end] == chunk.text:
            return text
    except UnknownDocument:
        pass
    if Path(chunk.document_id).name != chunk.document_id:
        return None  # an id is a key, never a path
    files = docstore_dir(settings).glob(f"{glob.escape(chunk.document_id)}.*.json")
    for path in sorted(files, key=_mtime, reverse=True):
        try:
            doc = _docstore_cached(str(path))
        except (OSError, ValueError, KeyError):
            continue  # removed by a cleanup meanwhile, or unreadable
        if doc.meta.id == chunk.document_id and doc.text[chunk.start : chunk.end] == chunk.text:
            return doc.text
    return None


def section_path_at(settings: Settings, document_id: str, offset: int) -> list[str]:
    """Section path (outermost first) of the content at ``offset``; [] before any heading."""
    return get_document(settings, document_id).section_path_at(offset)


def page_at(settings: Settings, document_id: str, offset: int) -> int | None:
    """1-based page of ``offset`` for paged sources (PDF); None otherwise."""
    return get_document(settings, document_id).page_at(offset)


def clear_caches() -> None:
    _state_cached.cache_clear()
    _docstore_cached.cache_clear()
    _parsed_corpus_file.cache_clear()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=8)
def _state_cached(path: str, mtime: float) -> dict:
    p = Path(path)
    if not mtime:
        return {"documents": {}}
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"documents": {}}


@lru_cache(maxsize=256)
def _docstore_cached(path: str) -> ParsedDocument:
    # docstore files are immutable (named by fingerprint): the path is a complete key
    return ParsedDocument.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=64)
def _parsed_corpus_file(meta_json: str, path: str, mtime: float, max_bytes: int) -> ParsedDocument:
    meta = DocumentMeta.model_validate_json(meta_json)
    return parse_file(meta, Path(path), max_bytes=max_bytes)


# re-exported for callers that only need the state
__all__ = [
    "ParsedDocument",
    "UnknownDocument",
    "get_document",
    "load_document_text",
    "page_at",
    "parse_file",
    "parse_loaded",
    "read_state",
    "section_path_at",
    "text_for_chunk",
]
