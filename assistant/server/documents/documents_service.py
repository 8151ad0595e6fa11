"""The policy documents the assistant can quote, as the manifest and the index know them."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.corpus import Corpus


class DocumentInfo(BaseModel):
    id: str
    authority: str
    title: str
    version: str
    date: str | None
    status: str
    supersedes: str | None
    indexed_chunks: int | None = None


class DocumentsService:
    def __init__(self, corpus: Corpus, store_provider):
        self.corpus = corpus
        self._store_provider = store_provider

    def list(self) -> list[DocumentInfo]:
        counts: dict[str, int] = {}
        try:
            for entry in self._store_provider().list_documents():
                doc_id = entry.get("document_id") or entry.get("id") if isinstance(entry, dict) else getattr(entry, "id", None)
                n = entry.get("chunks") if isinstance(entry, dict) else getattr(entry, "chunks", None)
                if doc_id is not None and isinstance(n, int):
                    counts[doc_id] = n
        except Exception:  # the list still helps without counts (index not built yet)
            counts = {}
        return [
            DocumentInfo(
                id=d.id,
                authority=d.authority,
                title=d.title,
                version=d.version,
                date=d.date.isoformat() if d.date else None,
                status=d.status,
                supersedes=d.supersedes,
                indexed_chunks=counts.get(d.id),
            )
            for d in self.corpus.documents
        ]
