"""Passage search (no answer): the retriever's hits with their verbatim text and offsets."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.corpus import Corpus
from assistant.retrieval.hybrid_retriever import HybridRetriever
from assistant.text_input import CLEAN_NONBLANK_TEXT_SCHEMA, CLEAN_TEXT_SCHEMA, check_clean


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(..., max_length=2000, json_schema_extra=CLEAN_NONBLANK_TEXT_SCHEMA)
    authority: str | None = Field(None, max_length=200, json_schema_extra=CLEAN_TEXT_SCHEMA)
    k: int = Field(8, ge=1, le=50)

    _clean = field_validator("query", "authority", mode="before")(check_clean)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("query must not be empty")
        return v


class SearchHit(BaseModel):
    document_id: str
    authority: str
    title: str
    version: str
    status: str
    section: str
    page: int | None
    start: int
    end: int
    text: str
    score: float
    dense_score: float | None
    sparse_score: float | None


class SearchResponse(BaseModel):
    query: str
    interpreted_query: str
    authorities: list[str]
    hits: list[SearchHit]


class SearchService:
    def __init__(self, corpus: Corpus, retriever: HybridRetriever):
        self.corpus = corpus
        self.retriever = retriever

    def search(self, req: SearchRequest) -> SearchResponse:
        """Hybrid search with the same expansion, filters and re-ranking as /ask."""
        authority = self.corpus.resolve_authority(req.authority)
        r = self.retriever.retrieve(req.query, authority=authority, k=req.k)
        hits = [
            SearchHit(
                document_id=h.chunk.document_id,
                authority=h.chunk.authority,
                title=h.chunk.title,
                version=h.chunk.version,
                status=h.chunk.status,
                section=h.chunk.section,
                page=h.chunk.page,
                start=h.chunk.start,
                end=h.chunk.end,
                text=h.chunk.text,
                score=h.score,
                dense_score=h.dense_score,
                sparse_score=h.sparse_score,
            )
            for h in r.chunks
        ]
        return SearchResponse(
            query=req.query,
            interpreted_query=r.expansion.text,
            authorities=r.analysis.authorities,
            hits=hits,
        )
