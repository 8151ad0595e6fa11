"""The index on a Qdrant server or cluster (``PERMANENCE_QDRANT_URL``): collections + alias.

The same data model as the embedded Edge index (``edge_index``): readers use the alias
``settings.collection``; ingest writes a new versioned collection (``<alias>__<build>``),
then moves the alias in one operation, so a reader sees the old index or the new one.
A server serves any number of processes, so nothing here takes a lock.
"""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from qdrant_client import QdrantClient, models

from assistant.components.vector_store.edge_index import (
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    Hit,
    IndexNotReady,
    IndexUnavailable,
    Rec,
)
from assistant.settings import Settings

_CLIENTS: dict[str, QdrantClient] = {}
_CLIENTS_LOCK = threading.Lock()


def get_qdrant_client(settings: Settings) -> QdrantClient:
    """The one client per server URL in this process."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(settings.qdrant_url)
        if client is None:
            try:
                client = QdrantClient(
                    url=settings.qdrant_url,
                    api_key=settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None,
                    timeout=int(settings.qdrant_timeout_s),
                )
            except Exception as exc:
                raise IndexUnavailable(f"Qdrant server {settings.qdrant_url}: cannot connect ({type(exc).__name__}: "
                                       f"{' '.join(str(exc).split())[:200]})") from None
            _CLIENTS[settings.qdrant_url] = client
        return client


def collection_missing(exc: Exception) -> bool:
    """A read lost the race with ingest dropping its collection (a server answers 404)."""
    return getattr(exc, "status_code", None) == 404


class ServerIndex:
    """Reads and builds through qdrant-client; the alias plays the pointer's part."""

    def __init__(self, settings: Settings, client: QdrantClient | None = None):
        self.client = client or get_qdrant_client(settings)
        self.alias = settings.collection

    # --- reading ---------------------------------------------------------------------
    def live(self) -> str | None:
        for a in self.client.get_aliases().aliases:
            if a.alias_name == self.alias:
                return a.collection_name
        return None

    @contextmanager
    def reading(self) -> Iterator["ServerSearcher"]:
        name = self.live()
        if name is None:
            raise IndexNotReady("no policy index yet: run `permanence ingest` first")
        yield ServerSearcher(self.client, name)

    # --- building --------------------------------------------------------------------
    def create(self, name: str, dimension: int) -> None:
        self.client.create_collection(
            name,
            vectors_config={DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for fieldname in PAYLOAD_INDEXES:
                self.client.create_payload_index(name, fieldname, models.PayloadSchemaType.KEYWORD)

    def upsert(self, name: str, points: list[tuple[str, list[float], Any, dict]], batch: int = 256) -> int:
        n = 0
        for i in range(0, len(points), batch):
            chunk = points[i:i + batch]
            self.client.upsert(name, [
                models.PointStruct(id=pid, payload=payload, vector={
                    DENSE: dense, SPARSE: models.SparseVector(indices=list(sv.indices), values=list(sv.values))})
                for pid, dense, sv, payload in chunk
            ], wait=True)
            n += len(chunk)
        return n

    def count(self, name: str) -> int:
        return self.client.count(name, exact=True).count

    def finish(self, name: str, documents: list[dict] | None = None, chunk_ids: dict[str, str] | None = None) -> None:
        """A server indexes in the background; nothing to do before the switch."""

    def abandon(self, name: str) -> None:
        if self.client.collection_exists(name):
            self.client.delete_collection(name)

    def publish(self, name: str) -> str | None:
        old = self.live()
        ops: list[Any] = []
        if old is not None:
            ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias)))
        ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=name, alias_name=self.alias)))
        self.client.update_collection_aliases(change_aliases_operations=ops)
        return old

    def builds(self) -> list[str]:
        prefix = f"{self.alias}__"
        return sorted(c.name for c in self.client.get_collections().collections if c.name.startswith(prefix))

    def cleanup(self, keep: Sequence[str]) -> list[str]:
        gone = []
        for name in self.builds():
            if name not in keep:
                try:
                    self.client.delete_collection(name)
                    gone.append(name)
                except Exception:
                    pass  # a leftover collection is harmless; the next run retries
        return gone


class ServerSearcher:
    def __init__(self, client: QdrantClient, name: str):
        self.client = client
        self.name = name

    def make_filter(self, authority: str | None, statuses: Sequence[str] | None, document_ids: Sequence[str] | None):
        must: list[Any] = []
        if authority:
            must.append(models.FieldCondition(key="authority", match=models.MatchValue(value=authority)))
        if statuses:
            must.append(models.FieldCondition(key="status", match=models.MatchAny(any=list(statuses))))
        if document_ids:
            must.append(models.FieldCondition(key="document_id", match=models.MatchAny(any=list(document_ids))))
        return models.Filter(must=must) if must else None

    def nearest(self, requests: list[tuple[Any, str, Any, int]], with_payload: bool | list[str]) -> list[list[Hit]]:
        out = []
        for vector, using, flt, limit in requests:
            q = vector if isinstance(vector, list) else models.SparseVector(indices=list(vector.indices),
                                                                            values=list(vector.values))
            pts = self.client.query_points(self.name, query=q, using=using, query_filter=flt, limit=limit,
                                           with_payload=with_payload).points
            out.append([Hit(str(p.id), float(p.score), p.payload if with_payload else None) for p in pts])
        return out

    def chunk_ids(self, ids: list) -> dict:
        return {str(r.id): (r.payload or {}).get("id") for r in self.client.retrieve(self.name, ids, with_payload=["id"])}

    def payloads(self, ids: list[str]) -> dict[str, dict]:
        return {str(r.id): r.payload for r in self.client.retrieve(self.name, ids, with_payload=True)}

    def scroll(self, flt, payload, with_vectors: bool = False) -> Iterator[Rec]:
        offset = None
        while True:
            recs, offset = self.client.scroll(self.name, scroll_filter=flt, limit=512, offset=offset,
                                              with_payload=payload, with_vectors=with_vectors)
            for r in recs:
                yield Rec(str(r.id), r.payload, r.vector if with_vectors else None)
            if offset is None:
                return

    def count(self) -> int:
        return self.client.count(self.name, exact=True).count
