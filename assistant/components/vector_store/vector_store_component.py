"""The chunk index: hybrid (dense + sparse) search, and the builds ingest makes.

Embedded by default on Qdrant Edge (``edge_index``: one shard folder per build under
``data_dir/index``, a pointer file as the alias, any number of reading processes);
``PERMANENCE_QDRANT_URL`` points the same code at a Qdrant server or cluster
(``server_index``: versioned collections behind an alias). Both give this class the same
reads (``reading()`` yields a searcher bound to the published build for the duration of
one operation) and the same build steps (create, upsert, count, finish, publish).

Each point is one *embedding window* of a chunk: most chunks have one window; a list or
table longer than the model's window has several, all carrying the whole chunk in their
payload. Search deduplicates by chunk and keeps its best window.
"""

from __future__ import annotations

import functools
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from assistant.components.sparse.sparse_component import (
    SparseEncoder,
    SparseVec,
    expand_abbreviations,
    get_sparse_encoder,
)
from assistant.components.vector_store.edge_index import (  # noqa: F401 - re-exported for callers
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    EdgeBuilder,
    Hit,
    IndexLocked,
    IndexNotReady,
    IndexUnavailable,
    close_reader,
    get_reader,
    tie_order,
)
from assistant.corpus import UnknownAuthority
from assistant.models import Chunk, RetrievedChunk
from assistant.settings import Settings

_CHUNK_FIELDS = tuple(Chunk.model_fields)
_POINT_NS = uuid.UUID("6f1c1d2e-8a0b-4c57-9b8e-2f4d0c6a7e11")
RRF_K = 2  # qdrant-client's default ranking constant, which the fused rankings were tuned with


def close_index(settings: Settings) -> None:
    """Close this process's embedded reader (tests, and before handing a folder to a child)."""
    close_reader(settings)


def point_id(chunk_id: str, window: int) -> str:
    return str(uuid.uuid5(_POINT_NS, f"{chunk_id}/{window}"))


def _reread_if_dropped(method):
    """With a server, run a read again when ingest dropped its collection under it (the
    alias already points at the new one). Edge readers hold their shard open instead."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        for attempt in range(3):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if attempt == 2 or self._edge or getattr(exc, "status_code", None) != 404:
                    raise

    return wrapper


@dataclass
class QueryVectors:
    """A query already embedded (either half may be missing)."""

    dense: list[float] | None = None
    sparse: SparseVec | None = None


@dataclass
class IndexPoint:
    """One embedding window of a chunk, ready to upsert."""

    chunk: Chunk
    window: int
    windows: int
    dense: list[float]
    sparse: SparseVec
    extra: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return point_id(self.chunk.id, self.window)

    def payload(self) -> dict[str, Any]:
        payload = self.chunk.model_dump(mode="json")
        payload["window"] = self.window
        payload["windows"] = self.windows
        if self.extra:
            payload.update(self.extra)
        return payload


class VectorStore:
    """Search and build operations over the chunk index."""

    def __init__(self, settings: Settings, client=None):
        self.settings = settings
        self.alias = settings.collection
        self._edge = not (settings.qdrant_url or client is not None)
        if self._edge:
            self._reader = get_reader(settings)
            self._builder: Any = None  # created by the first build step (ingest only)
        else:
            from assistant.components.vector_store.server_index import ServerIndex

            self._server = ServerIndex(settings, client)
        self._sparse: SparseEncoder = get_sparse_encoder(settings)
        self._docs_cache: tuple[str, list[dict[str, Any]]] | None = None
        self._authorities_cache: tuple[list, list[str]] | None = None

    # --- reading -------------------------------------------------------------------
    def live_collection(self) -> str | None:
        """The published build, or None before the first ingest."""
        return self._reader.live() if self._edge else self._server.live()

    def exists(self) -> bool:
        try:
            return self.live_collection() is not None
        except IndexUnavailable:
            return False

    def serving_build(self) -> str:
        """The build this process reads now (Edge: opens a newly published one first)."""
        with self.reading() as r:
            return r.name

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """The published build, held open (Edge) for one operation."""
        if self._edge:
            with self._reader.reading() as r:
                yield r
        else:
            with self._server.reading() as r:
                yield r

    @_reread_if_dropped
    def search(
        self,
        query: str | QueryVectors,
        k: int | None = None,
        authority: str | None = None,
        status: Sequence[str] | None = ("current",),
        document_ids: Sequence[str] | None = None,
    ) -> list[RetrievedChunk]:
        """Hybrid search: dense and sparse candidates fused by Reciprocal Rank Fusion.

        ``score`` is the fused RRF score (rank-based, comparable only within one query);
        ``dense_score`` is the cosine similarity of the best window and ``sparse_score``
        the BM25 score, when the chunk was among that half's candidates.
        """
        k = k or self.settings.top_k
        qv = self._vectors(query, dense=True, sparse=True)
        fetch = max(4 * k, 20)
        full = self.resolve_authority(authority) if authority else None
        with self.reading() as r:
            flt = r.make_filter(full, status, document_ids)
            reqs = []
            if qv.dense is not None:
                reqs.append((qv.dense, DENSE, flt, 2 * fetch))
            if qv.sparse is not None and qv.sparse.indices:
                reqs.append((qv.sparse, SPARSE, flt, 2 * fetch))
            if not reqs:
                return []
            # Both halves in one batch, fused here (not by Qdrant's RRF, which breaks ties in
            # another order): each half asks for twice the depth, so points tied at the cut
            # are all there, and is ordered by score then point id before it is cut.
            # No payload comes with the candidates (Edge would read each one from disk): the
            # build's point -> chunk map deduplicates them, and whole payloads (the passage
            # text) are read for the k chunks returned only.
            halves = [sorted(h, key=tie_order)[:fetch] for h in r.nearest(reqs, with_payload=False)]
            fused = reciprocal_rank_fusion(halves, fetch)
            chunk_of = r.chunk_ids([p.id for p in fused])
            scores: dict[str, dict] = {DENSE: {}, SPARSE: {}}
            for req, half in zip(reqs, halves):
                scores[req[1]] = {p.id: p.score for p in half}
            best: dict[str, list] = {}  # chunk id -> [first (best) window, best dense, best sparse]
            for p in fused:
                cid = chunk_of.get(p.id)
                d, s = scores[DENSE].get(p.id), scores[SPARSE].get(p.id)
                e = best.get(cid)
                if e is None:
                    best[cid] = [p, d, s]
                    continue
                if d is not None and (e[1] is None or d > e[1]):
                    e[1] = d
                if s is not None and (e[2] is None or s > e[2]):
                    e[2] = s
            top = list(best.values())[:k]
            payloads = r.payloads([e[0].id for e in top])
        return [RetrievedChunk(chunk=_chunk(payloads[e[0].id]), score=float(e[0].score), dense_score=e[1],
                               sparse_score=e[2]) for e in top]

    @_reread_if_dropped
    def dense_search(self, query: str | list[float] | QueryVectors, k: int | None = None, authority=None,
                     status: Sequence[str] | None = ("current",), document_ids=None) -> list[RetrievedChunk]:
        """Dense-only search (cosine similarity of the best window)."""
        k = k or self.settings.top_k
        qv = self._vectors(query if not isinstance(query, list) else QueryVectors(dense=query), dense=True, sparse=False)
        pts = self._one_pass(qv.dense, DENSE, authority, status, document_ids, max(4 * k, 20))
        return _dedupe(pts, k, {p.id: p.score for p in pts}, {})

    @_reread_if_dropped
    def sparse_search(self, query: str | SparseVec | QueryVectors, k: int | None = None, authority=None,
                      status: Sequence[str] | None = ("current",), document_ids=None) -> list[RetrievedChunk]:
        """Sparse-only (BM25-style) search."""
        k = k or self.settings.top_k
        if isinstance(query, SparseVec):
            query = QueryVectors(sparse=query)
        qv = self._vectors(query, dense=False, sparse=True)
        if not qv.sparse or not qv.sparse.indices:
            return []
        pts = self._one_pass(qv.sparse, SPARSE, authority, status, document_ids, max(4 * k, 20))
        return _dedupe(pts, k, {}, {p.id: p.score for p in pts})

    def _one_pass(self, vector, using: str, authority, status, document_ids, limit: int) -> list[Hit]:
        full = self.resolve_authority(authority) if authority else None
        with self.reading() as r:
            pts = r.nearest([(vector, using, r.make_filter(full, status, document_ids), 2 * limit)], with_payload=True)[0]
        return sorted(pts, key=tie_order)[:limit]

    @_reread_if_dropped
    def list_documents(self) -> list[dict[str, Any]]:
        """What is indexed: one dict per document (id, authority, title, version, status, chunks)."""
        try:
            with self.reading() as r:
                return self._documents_of(r)
        except IndexNotReady:
            return []

    def _documents_of(self, r) -> list[dict[str, Any]]:
        if self._docs_cache and self._docs_cache[0] == r.name:
            return self._docs_cache[1]
        recorded = r.documents() if hasattr(r, "documents") else None
        out = sorted(recorded, key=_doc_order) if recorded is not None else self.scan_documents(r)
        self._docs_cache = (r.name, out)
        return out

    @staticmethod
    def scan_documents(r) -> list[dict[str, Any]]:
        """The documents of a build from its points (one pass; what ingest records, checked)."""
        docs: dict[str, dict[str, Any]] = {}
        chunk_ids: dict[str, set[str]] = {}
        for rec in r.scroll(None, ["document_id", "authority", "title", "version", "status", "id", "date",
                                   "source_format"]):
            p = rec.payload or {}
            did = p.get("document_id")
            d = docs.setdefault(did, {
                "document_id": did,
                "authority": p.get("authority"),
                "title": p.get("title"),
                "version": p.get("version"),
                "status": p.get("status"),
                "date": p.get("date"),
                "source_format": p.get("source_format"),
            })
            chunk_ids.setdefault(did, set()).add(p.get("id"))
            d["points"] = d.get("points", 0) + 1
        for did, d in docs.items():
            d["chunks"] = len(chunk_ids[did])
        return sorted(docs.values(), key=_doc_order)

    def authorities(self) -> list[str]:
        """Indexed authority names, sorted (worked out once per build: each search resolves one)."""
        docs = self.list_documents()
        cached = self._authorities_cache
        if cached is None or cached[0] is not docs:
            cached = self._authorities_cache = (docs, sorted({d["authority"] for d in docs if d.get("authority")}))
        return cached[1]

    def resolve_authority(self, name: str | None) -> str | None:
        """Full indexed authority name for a short or full name (any case)."""
        if name is None or not name.strip():
            return None
        known = self.authorities()
        if name in known:
            return name
        wanted = " ".join(name.split()).casefold()
        for full in known:
            if wanted in (full.casefold(), full.split()[0].casefold()):
                return full
        raise UnknownAuthority(name, known)

    @_reread_if_dropped
    def chunks_of(self, document_id: str) -> list[Chunk]:
        """All chunks of one document, in document order (one per chunk, not per window)."""
        seen: dict[str, Chunk] = {}
        with self.reading() as r:
            for rec in r.scroll(r.make_filter(None, None, [document_id]), True):
                chunk = _chunk(rec.payload or {})
                seen.setdefault(chunk.id, chunk)
        return sorted(seen.values(), key=lambda c: (c.start, c.end))

    @_reread_if_dropped
    def all_chunks(self) -> dict[str, list[Chunk]]:
        """Every chunk in the index, by document id, each in document order: one pass over the
        index (``chunks_of`` per document is a pass per document: quadratic in a large corpus)."""
        seen: dict[str, Chunk] = {}
        with self.reading() as r:
            for rec in r.scroll(None, True):
                chunk = _chunk(rec.payload or {})
                seen.setdefault(chunk.id, chunk)
        out: dict[str, list[Chunk]] = {}
        for chunk in sorted(seen.values(), key=lambda c: (c.start, c.end)):
            out.setdefault(chunk.document_id, []).append(chunk)
        return out

    def live_count(self) -> int:
        with self.reading() as r:
            return r.count()

    # --- building (used by ingest) ---------------------------------------------------
    @property
    def _build(self):
        if not self._edge:
            return self._server
        if self._builder is None:
            self._builder = EdgeBuilder(self.settings.index_path, self.settings.index_hnsw_min_points)
        return self._builder

    def create_collection(self, name: str, dimension: int) -> None:
        self._build.create(name, dimension)

    def upsert(self, name: str, points: Iterable[IndexPoint | tuple], batch: int = 256) -> int:
        rows = [(p.id, p.dense, p.sparse, p.payload()) if isinstance(p, IndexPoint) else p for p in points]
        return self._build.upsert(name, rows, batch)

    def count(self, name: str) -> int:
        return self._build.count(name)

    def finish_build(self, name: str, documents: list[dict] | None = None,
                     chunk_ids: dict[str, str] | None = None) -> None:
        """Make the build durable (and indexed) before it is published; ``documents`` is what
        ``list_documents`` will return for it, ``chunk_ids`` each point's chunk."""
        self._build.finish(name, documents, chunk_ids)

    def abandon_build(self, name: str) -> None:
        self._build.abandon(name)

    def switch_alias(self, name: str) -> str | None:
        """Publish ``name`` in one step; returns the build it replaced."""
        old = self._build.publish(name)
        self._docs_cache = None
        return old

    def build_collections(self) -> list[str]:
        return self._build.builds()

    def cleanup_builds(self, keep: Sequence[str]) -> list[str]:
        return self._build.cleanup(keep)

    # --- helpers ------------------------------------------------------------------------
    def _vectors(self, query: str | QueryVectors, dense: bool, sparse: bool) -> QueryVectors:
        if isinstance(query, QueryVectors):
            return query
        if not isinstance(query, str):
            raise TypeError("query must be text or QueryVectors")
        qv = QueryVectors()
        if dense:
            from assistant.components.embedding.embedding_component import get_embedder

            qv.dense = get_embedder(self.settings).embed_query(expand_abbreviations(query))
        if sparse:
            qv.sparse = self._sparse.encode_query(query)
        return qv


def reciprocal_rank_fusion(halves: list[list[Hit]], limit: int, k: int = RRF_K) -> list[Hit]:
    """qdrant-client's ``reciprocal_rank_fusion``, on our hits: 1 / (rank + k) summed over the
    halves, best first, equal fused scores in the order first seen (dense half first)."""
    scores: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for half in halves:
        for i, p in enumerate(half):
            s = 1 / ((i + 1.0) + k - 1.0)
            if p.id in scores:
                scores[p.id] += s
            else:
                first[p.id] = p
                scores[p.id] = s
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
    return [Hit(pid, score, first[pid].payload) for pid, score in ranked]


def _doc_order(d: dict) -> tuple[str, str]:
    return d.get("authority") or "", d.get("document_id") or ""


def document_entry(meta: dict[str, Any], chunks: int, points: int) -> dict[str, Any]:
    """One ``list_documents`` row from a manifest entry (as ingest records it per build)."""
    return {"document_id": meta.get("id"), "authority": meta.get("authority"), "title": meta.get("title"),
            "version": meta.get("version"), "status": meta.get("status"), "date": meta.get("date"),
            "source_format": meta.get("source_format"), "points": points, "chunks": chunks}


def _chunk(payload: dict[str, Any]) -> Chunk:
    return Chunk.model_validate({k: payload[k] for k in _CHUNK_FIELDS if k in payload})


def _dedupe(points, k: int, dense_scores: dict, sparse_scores: dict) -> list[RetrievedChunk]:
    """One result per chunk (its best window), best first, at most ``k``."""
    best: dict[str, RetrievedChunk] = {}
    order: list[str] = []
    for p in points:
        payload = p.payload or {}
        cid = payload.get("id")
        d = dense_scores.get(p.id)
        s = sparse_scores.get(p.id)
        if cid in best:
            r = best[cid]
            if d is not None and (r.dense_score is None or d > r.dense_score):
                r.dense_score = d
            if s is not None and (r.sparse_score is None or s > r.sparse_score):
                r.sparse_score = s
            continue
        best[cid] = RetrievedChunk(chunk=_chunk(payload), score=float(p.score), dense_score=d, sparse_score=s)
        order.append(cid)
    return [best[c] for c in order[:k]]
