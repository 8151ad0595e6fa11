"""The chunk index in Qdrant: hybrid (dense + sparse) search, and the builds ingest makes.

Embedded by default (qdrant-client local mode, on disk under ``data_dir/qdrant``);
``PERMANENCE_QDRANT_URL`` points the same code at a server. Local mode allows one client
per storage folder (a file lock), so every part of a process shares the client from
``get_qdrant_client``; a second *process* on the same folder gets ``IndexLocked``.

Readers use the alias ``settings.collection``. Ingest writes a new versioned collection
(``<alias>__<build id>``) and then moves the alias in one operation, so a reader sees
the old index or the new one, never a half-written one.

Each point is one *embedding window* of a chunk: most chunks have one window; a list or
table longer than the model's window has several, all carrying the whole chunk in their
payload. Search deduplicates by chunk and keeps its best window.
"""

from __future__ import annotations

import atexit
import functools
import threading
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from qdrant_client import QdrantClient, models
from qdrant_client.hybrid.fusion import reciprocal_rank_fusion

from assistant.components.sparse.sparse_component import (
    SparseEncoder,
    SparseVec,
    expand_abbreviations,
    get_sparse_encoder,
)
from assistant.components.vector_store.local_search import LocalSnapshot
from assistant.corpus import UnknownAuthority
from assistant.models import Chunk, RetrievedChunk
from assistant.settings import Settings

DENSE = "dense"
SPARSE = "sparse"
PAYLOAD_INDEXES = ("authority", "document_id", "status")
_CHUNK_FIELDS = tuple(Chunk.model_fields)
_POINT_NS = uuid.UUID("6f1c1d2e-8a0b-4c57-9b8e-2f4d0c6a7e11")

_CLIENTS: dict[str, QdrantClient] = {}
_CLIENTS_LOCK = threading.Lock()


class IndexNotReady(RuntimeError):
    """Nothing is indexed yet (no collection behind the alias)."""


class IndexUnavailable(RuntimeError):
    """The embedded Qdrant folder cannot be opened (not a folder, unreadable, damaged or locked)."""


class IndexLocked(IndexUnavailable):
    """Another process holds the embedded Qdrant folder."""


def _client_key(settings: Settings) -> str:
    return settings.qdrant_url or str(settings.qdrant_path.resolve())


def get_qdrant_client(settings: Settings) -> QdrantClient:
    """The one client per Qdrant location in this process."""
    key = _client_key(settings)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            if settings.qdrant_url:
                client = QdrantClient(
                    url=settings.qdrant_url,
                    api_key=settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None,
                    timeout=int(settings.qdrant_timeout_s),
                )
            else:
                try:
                    settings.qdrant_path.mkdir(parents=True, exist_ok=True)
                    client = QdrantClient(path=str(settings.qdrant_path))
                except Exception as exc:
                    if isinstance(exc, RuntimeError) and "already accessed" in str(exc):
                        raise IndexLocked(
                            f"the index folder {settings.qdrant_path} is in use by another process "
                            "(embedded Qdrant allows one); stop it, or run a Qdrant server and set "
                            "PERMANENCE_QDRANT_URL"
                        ) from None
                    # not a folder, unreadable, or damaged storage: say which and where, not a traceback
                    raise IndexUnavailable(
                        f"the index folder {settings.qdrant_path} cannot be opened ({type(exc).__name__}: {exc}); "
                        "check that it is a readable folder on a disk with free space, or move it away and "
                        "run `permanence ingest` to rebuild it"
                    ) from None
            _CLIENTS[key] = client
        return client


def close_qdrant_client(settings: Settings) -> None:
    """Release the client (and, in local mode, the folder lock) for ``settings``."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.pop(_client_key(settings), None)
    if client is not None:
        client.close()


@atexit.register
def _close_all() -> None:
    # close while the interpreter is intact (local mode's __del__ fails during shutdown)
    with _CLIENTS_LOCK:
        clients = list(_CLIENTS.values())
        _CLIENTS.clear()
    for client in clients:
        try:
            client.close()
        except Exception:
            pass


def _reread_if_dropped(method):
    """Run a read again when ingest dropped its collection under it.

    A reader resolves the alias to a collection name, then queries it; ingest moves the
    alias and drops the old collection a moment later, so a read that lost that race
    finds its collection gone. The alias already points at the new one: read again there.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        for attempt in range(3):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if attempt == 2 or not _collection_missing(exc):
                    raise

    return wrapper


def _collection_missing(exc: Exception) -> bool:
    # local mode: ValueError("Collection X not found"); a server: 404 Not Found
    status = getattr(exc, "status_code", None)
    return status == 404 or (isinstance(exc, ValueError) and str(exc).startswith("Collection ") and str(exc).endswith("not found"))


def point_id(chunk_id: str, window: int) -> str:
    return str(uuid.uuid5(_POINT_NS, f"{chunk_id}/{window}"))


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

    def to_point(self) -> models.PointStruct:
        payload = self.chunk.model_dump(mode="json")
        payload["window"] = self.window
        payload["windows"] = self.windows
        if self.extra:
            payload.update(self.extra)
        return models.PointStruct(
            id=point_id(self.chunk.id, self.window),
            vector={DENSE: self.dense, SPARSE: models.SparseVector(indices=self.sparse.indices, values=self.sparse.values)},
            payload=payload,
        )


class VectorStore:
    """Search and build operations over the chunk index."""

    def __init__(self, settings: Settings, client: QdrantClient | None = None):
        self.settings = settings
        self.client = client or get_qdrant_client(settings)
        self.alias = settings.collection
        self._sparse: SparseEncoder = get_sparse_encoder(settings)
        self._docs_cache: tuple[str, list[dict[str, Any]]] | None = None
        self._authorities_cache: tuple[list, list[str]] | None = None
        self._snapshot: tuple[str, LocalSnapshot] | None = None  # local mode only
        self._snapshot_lock = threading.Lock()

    # --- reading -------------------------------------------------------------------
    def live_collection(self) -> str | None:
        """The collection the alias points at, or None before the first ingest."""
        for a in self.client.get_aliases().aliases:
            if a.alias_name == self.alias:
                return a.collection_name
        return None

    def exists(self) -> bool:
        return self.live_collection() is not None

    def _require(self) -> str:
        name = self.live_collection()
        if name is None:
            raise IndexNotReady("no policy index yet: run `permanence ingest` first")
        return name

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
        collection = self._require()
        qv = self._vectors(query, dense=True, sparse=True)
        scope = (authority, status, document_ids)
        fetch = max(4 * k, 20)
        # Two filtered passes fused here with qdrant-client's own RRF (what local mode's fusion
        # query runs), instead of a fusion query plus two more passes for the per-half scores:
        # the same ranking for half the work (local mode filters and scores in Python).
        ranked, dense_scores, sparse_scores = [], {}, {}
        if qv.dense is not None:
            pts = self._query(collection, qv.dense, DENSE, scope, fetch, with_payload=False)
            dense_scores = {p.id: p.score for p in pts}
            ranked.append(pts)
        if qv.sparse is not None and qv.sparse.indices:
            pts = self._query(collection, qv.sparse, SPARSE, scope, fetch, with_payload=False)
            sparse_scores = {p.id: p.score for p in pts}
            ranked.append(pts)
        if not ranked:
            return []
        fused = reciprocal_rank_fusion(ranked, limit=fetch)
        if self._local:  # the snapshot holds them already; local retrieve deep-copies each payload
            snapshot = self._local_snapshot(collection)
            payloads = {p.id: snapshot.payload(p.id) for p in fused}
        else:
            payloads = {r.id: r.payload for r in self.client.retrieve(collection, [p.id for p in fused],
                                                                       with_payload=True)}
        for p in fused:
            p.payload = payloads.get(p.id)
        return _dedupe(fused, k, dense_scores, sparse_scores)

    @_reread_if_dropped
    def dense_search(self, query: str | list[float] | QueryVectors, k: int | None = None, authority=None,
                     status: Sequence[str] | None = ("current",), document_ids=None) -> list[RetrievedChunk]:
        """Dense-only search (cosine similarity of the best window)."""
        k = k or self.settings.top_k
        collection = self._require()
        qv = self._vectors(query if not isinstance(query, list) else QueryVectors(dense=query), dense=True, sparse=False)
        pts = self._query(collection, qv.dense, DENSE, (authority, status, document_ids), max(4 * k, 20),
                          with_payload=True)
        return _dedupe(pts, k, {p.id: p.score for p in pts}, {})

    @_reread_if_dropped
    def sparse_search(self, query: str | SparseVec | QueryVectors, k: int | None = None, authority=None,
                      status: Sequence[str] | None = ("current",), document_ids=None) -> list[RetrievedChunk]:
        """Sparse-only (BM25-style) search."""
        k = k or self.settings.top_k
        collection = self._require()
        if isinstance(query, SparseVec):
            query = QueryVectors(sparse=query)
        qv = self._vectors(query, dense=False, sparse=True)
        if not qv.sparse or not qv.sparse.indices:
            return []
        pts = self._query(collection, qv.sparse, SPARSE, (authority, status, document_ids), max(4 * k, 20),
                          with_payload=True)
        return _dedupe(pts, k, {}, {p.id: p.score for p in pts})

    @_reread_if_dropped
    def list_documents(self) -> list[dict[str, Any]]:
        """What is indexed: one dict per document (id, authority, title, version, status, chunks)."""
        collection = self.live_collection()
        if collection is None:
            return []
        if self._docs_cache and self._docs_cache[0] == collection:
            return self._docs_cache[1]
        docs: dict[str, dict[str, Any]] = {}
        chunk_ids: dict[str, set[str]] = {}
        for rec in self._scroll(collection, None, ["document_id", "authority", "title", "version", "status", "id",
                                                   "date", "source_format"]):
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
        out = sorted(docs.values(), key=lambda d: (d["authority"] or "", d["document_id"] or ""))
        self._docs_cache = (collection, out)
        return out

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
        collection = self._require()
        flt = models.Filter(must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))])
        seen: dict[str, Chunk] = {}
        for rec in self._scroll(collection, flt, True):
            chunk = _chunk(rec.payload or {})
            seen.setdefault(chunk.id, chunk)
        return sorted(seen.values(), key=lambda c: (c.start, c.end))

    @_reread_if_dropped
    def all_chunks(self) -> dict[str, list[Chunk]]:
        """Every chunk in the index, by document id, each in document order: one pass over the
        index (``chunks_of`` per document is a pass per document: quadratic in a large corpus)."""
        collection = self._require()
        seen: dict[str, Chunk] = {}
        for rec in self._scroll(collection, None, True):
            chunk = _chunk(rec.payload or {})
            seen.setdefault(chunk.id, chunk)
        out: dict[str, list[Chunk]] = {}
        for chunk in sorted(seen.values(), key=lambda c: (c.start, c.end)):
            out.setdefault(chunk.document_id, []).append(chunk)
        return out

    # --- building (used by ingest) ---------------------------------------------------
    def create_collection(self, name: str, dimension: int) -> None:
        self.client.create_collection(
            name,
            vectors_config={DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():
            # local mode ignores payload indexes (and says so); a server uses them
            warnings.simplefilter("ignore")
            for fieldname in PAYLOAD_INDEXES:
                self.client.create_payload_index(name, fieldname, models.PayloadSchemaType.KEYWORD)

    def upsert(self, name: str, points: Iterable[IndexPoint], batch: int = 256) -> int:
        self._forget_snapshot(name)
        n = 0
        buf: list[models.PointStruct] = []
        for p in points:
            buf.append(p.to_point())
            if len(buf) >= batch:
                self.client.upsert(name, buf, wait=True)
                n += len(buf)
                buf = []
        if buf:
            self.client.upsert(name, buf, wait=True)
            n += len(buf)
        return n

    def copy_document(self, src: str, dst: str, document_id: str, batch: int = 256) -> int:
        """Copy one document's points (vectors included) from ``src`` to ``dst``; returns points."""
        self._forget_snapshot(dst)
        flt = models.Filter(must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))])
        n = 0
        buf: list[models.PointStruct] = []
        for rec in self._scroll(src, flt, True, with_vectors=True):
            buf.append(models.PointStruct(id=rec.id, vector=rec.vector, payload=rec.payload))
            if len(buf) >= batch:
                self.client.upsert(dst, buf, wait=True)
                n += len(buf)
                buf = []
        if buf:
            self.client.upsert(dst, buf, wait=True)
            n += len(buf)
        return n

    def count(self, name: str) -> int:
        return self.client.count(name, exact=True).count

    def switch_alias(self, name: str) -> str | None:
        """Point the alias at ``name`` in one operation; returns the collection it left."""
        old = self.live_collection()
        ops: list[Any] = []
        if old is not None:
            ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias)))
        ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=name, alias_name=self.alias)))
        self.client.update_collection_aliases(change_aliases_operations=ops)
        self._docs_cache = None
        return old

    def build_collections(self) -> list[str]:
        """Versioned collections of this alias (live or left over)."""
        prefix = f"{self.alias}__"
        return sorted(c.name for c in self.client.get_collections().collections if c.name.startswith(prefix))

    def drop_collection(self, name: str) -> None:
        if self.client.collection_exists(name):
            self.client.delete_collection(name)

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

    def _query(self, collection: str, query: list[float] | SparseVec, using: str, scope: tuple, limit: int,
               with_payload: bool) -> list:
        """One nearest-neighbour pass over the points in ``scope`` (authority, status, document ids).

        A Qdrant server runs it with a payload filter (payload indexes, HNSW). Local mode
        would score every point in Python on every query and check the filter point by
        point, so there it runs over an in-memory snapshot of the (immutable) build
        collection instead: the same scores, see ``local_search``.
        """
        if not self._local:
            q = _sv(query) if isinstance(query, SparseVec) else query
            points = self.client.query_points(collection, query=q, using=using, query_filter=self._filter(*scope),
                                              limit=limit, with_payload=with_payload).points
            return sorted(points, key=tie_order)
        authority, status, document_ids = scope
        full = self.resolve_authority(authority) if authority else None
        snapshot = self._local_snapshot(collection)
        mask = snapshot.mask(full, status, document_ids) if (full or status or document_ids) else None
        return snapshot.search(query, mask, limit, with_payload=with_payload)

    @functools.cached_property
    def _local(self) -> bool:
        from qdrant_client.local.qdrant_local import QdrantLocal

        return isinstance(getattr(self.client, "_client", None), QdrantLocal)

    def _local_snapshot(self, collection: str) -> LocalSnapshot:
        """The searchable copy of ``collection``, read once (one pass with vectors) and
        kept until the alias moves on. Build collections are not written once live; a
        write through this store (tests, repairs) drops the copy."""
        cached = self._snapshot
        if cached is not None and cached[0] == collection:
            return cached[1]
        with self._snapshot_lock:  # one reader builds it; the others wait for it
            cached = self._snapshot
            if cached is not None and cached[0] == collection:
                return cached[1]
            snapshot = LocalSnapshot(self._scroll(collection, None, True, with_vectors=True), DENSE, SPARSE)
            self._snapshot = (collection, snapshot)
            return snapshot

    def _forget_snapshot(self, collection: str) -> None:
        with self._snapshot_lock:
            if self._snapshot is not None and self._snapshot[0] == collection:
                self._snapshot = None

    def _filter(self, authority, status, document_ids) -> models.Filter | None:
        must: list[Any] = []
        full = self.resolve_authority(authority) if authority else None
        if full:
            must.append(models.FieldCondition(key="authority", match=models.MatchValue(value=full)))
        if status:
            must.append(models.FieldCondition(key="status", match=models.MatchAny(any=list(status))))
        if document_ids:
            must.append(models.FieldCondition(key="document_id", match=models.MatchAny(any=list(document_ids))))
        return models.Filter(must=must) if must else None

    def _scroll(self, collection, flt, payload, with_vectors=False):
        offset = None
        while True:
            recs, offset = self.client.scroll(collection, scroll_filter=flt, limit=512, offset=offset,
                                              with_payload=payload, with_vectors=with_vectors)
            yield from recs
            if offset is None:
                return


def tie_order(point) -> tuple[float, str]:
    """Best first; equal scores (common in the sparse half) by point id, so that a ranking
    does not depend on how a store happens to hold its points."""
    return -point.score, str(point.id)


def _sv(v: SparseVec) -> models.SparseVector:
    return models.SparseVector(indices=v.indices, values=v.values)


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
