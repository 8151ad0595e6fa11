"""Nearest-neighbour search over one embedded-Qdrant build collection, in numpy.

qdrant-client's local mode scores a sparse query with a Python loop over every point
(a merge of two sorted index lists per point), builds a pydantic ``ScoredPoint`` for
each point it ranks and normalises every dense vector again on every query. Under load
that was over half of an answer's CPU, and it grows with the corpus.

A build collection never changes once the alias points at it (ingest writes a new one),
so a reader can hold a read-only copy of it: a unit-normalised dense matrix, an inverted
index of the sparse vectors with their document frequencies, and each point's authority,
status, document id and payload. Scoring then is one matrix-vector product (dense) or
a few array additions per query term (sparse), with the same formulas local mode uses:
cosine on unit vectors, and the sparse dot product of the IDF-weighted query with
``idf = ln((N - df + 0.5) / (df + 0.5) + 1)`` over the points that have a sparse vector,
summed in ascending term order as local mode sums it. Points that share no term with a
sparse query are not candidates, as in local mode. Equal scores are common in the sparse
half (unit query weights); they are ordered by point id, as ``VectorStore`` orders a
server's results, so both give one ranking whatever the storage order.

A Qdrant server does not use this (it has real indexes); see ``VectorStore._query``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from assistant.components.sparse.sparse_component import SparseVec


@dataclass
class Hit:
    """One scored point (what ``reciprocal_rank_fusion`` and ``_dedupe`` read)."""

    id: Any
    score: float
    payload: dict[str, Any] | None = None


class LocalSnapshot:
    """A read-only, in-memory copy of one build collection, searchable with numpy.

    Build it from the collection's records (payload and vectors); then ``search`` with a
    dense list or a :class:`SparseVec` and a scope (authority, statuses, document ids).
    Payloads are shared between requests: read them, never change them.
    """

    def __init__(self, records: Iterable[Any], dense_name: str, sparse_name: str, dimension: int | None = None):
        ids: list[Any] = []
        metas: list[tuple] = []
        dense_rows: list[np.ndarray] = []
        has_dense: list[bool] = []
        postings: dict[int, tuple[list[int], list[float]]] = {}
        n_sparse = 0
        for rec in records:
            row = len(ids)
            ids.append(rec.id)
            p = rec.payload or {}
            metas.append((p.get("authority"), p.get("status"), p.get("document_id"), p))
            vec = rec.vector if isinstance(rec.vector, dict) else {}
            d = vec.get(dense_name)
            if d is not None:
                dense_rows.append(np.asarray(d, dtype=np.float32))
                dimension = dimension or len(d)
            else:
                dense_rows.append(None)  # type: ignore[arg-type]
            has_dense.append(d is not None)
            s = vec.get(sparse_name)
            if s is not None:
                n_sparse += 1
                for idx, val in zip(s.indices, s.values):
                    rows, vals = postings.setdefault(int(idx), ([], []))
                    rows.append(row)
                    vals.append(float(val))
        n = len(ids)
        dim = dimension or 0
        matrix = np.zeros((n, dim), dtype=np.float32)
        for row, d in enumerate(dense_rows):
            if d is not None:
                matrix[row] = d
        norms = np.linalg.norm(matrix, axis=-1)[:, np.newaxis]
        matrix /= np.where(norms != 0.0, norms, 1e-8)
        # Held in float64: local mode multiplies its float32 vectors by a float64 query, which
        # converts the whole matrix on every query (15 ms at 20,000 points); once is enough.
        matrix = matrix.astype(np.float64)
        self.ids = ids
        self.metas = metas
        self.row_of = {pid: row for row, pid in enumerate(ids)}
        self._id_rank = np.empty(n, dtype=np.int64)  # tie-break: position in point-id order
        self._id_rank[sorted(range(n), key=lambda r: str(ids[r]))] = np.arange(n)
        self._dense = matrix
        self._has_dense = np.asarray(has_dense, dtype=bool)
        self._postings = {t: (np.asarray(r, dtype=np.int64), np.asarray(v, dtype=np.float64))
                          for t, (r, v) in postings.items()}
        self._n_sparse = n_sparse
        self._masks: dict[tuple, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def payload(self, point_id: Any) -> dict[str, Any] | None:
        row = self.row_of.get(point_id)
        return None if row is None else self.metas[row][3]

    def mask(self, authority: str | None, statuses: Sequence[str] | None, document_ids: Sequence[str] | None) -> np.ndarray:
        """Rows in scope: ``authority`` is a full indexed name (already resolved) or None."""
        key = (authority, frozenset(statuses or ()), frozenset(document_ids or ()))
        m = self._masks.get(key)
        if m is None:
            _, sts, docs = key
            m = np.fromiter(((authority is None or a == authority) and (not sts or st in sts) and (not docs or d in docs)
                             for a, st, d, _ in self.metas), dtype=bool, count=len(self.metas))
            with self._lock:
                self._masks[key] = m
        return m

    def search(self, query: list[float] | SparseVec, mask: np.ndarray | None, limit: int,
               with_payload: bool = False) -> list[Hit]:
        """The ``limit`` best points among ``mask`` (None: all), best first."""
        if isinstance(query, SparseVec):
            scores, candidates = self._sparse_scores(query)
        else:
            scores, candidates = self._dense_scores(query)
        if mask is not None:
            candidates = candidates & mask
        rows = np.flatnonzero(candidates)
        if rows.size == 0 or limit <= 0:
            return []
        picked = scores[rows]
        if rows.size > limit:  # the limit best first, then an exact order among them
            top = np.argpartition(-picked, limit - 1)[:limit]
            # argpartition picks arbitrarily among points tied with the limit-th: take
            # every point scoring at least that, so the stable sort below decides ties
            cut = picked[top].min()
            top = np.flatnonzero(picked >= cut)
            rows, picked = rows[top], picked[top]
        order = np.lexsort((self._id_rank[rows], -picked))[:limit]  # score descending, then point id
        return [Hit(self.ids[r], float(s), self.metas[r][3] if with_payload else None)
                for r, s in zip(rows[order], picked[order])]

    def _dense_scores(self, query: list[float]) -> tuple[np.ndarray, np.ndarray]:
        q = np.asarray(query, dtype=np.float64)
        if np.isnan(q).any():
            raise ValueError("Query vector must not contain NaN")
        if not self._has_dense.any():  # nothing to compare with (an empty collection)
            return np.zeros(len(self.ids)), self._has_dense
        if q.shape != (self._dense.shape[1],):
            raise ValueError(f"query vector has {q.size} dimensions, the collection {self._dense.shape[1]}")
        norm = np.linalg.norm(q)
        q = q / (norm if norm != 0.0 else 1e-8)
        # Not `matrix @ q`: that goes to a multi-threaded BLAS whose threads fight torch's
        # (embedding runs just before in the same process); from about 2,000 points up it
        # made an answer 2-3x slower. einsum's own loop runs on this thread: 5 ms at 20,000.
        return np.einsum("ij,j->i", self._dense, q), self._has_dense

    def _sparse_scores(self, query: SparseVec) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.ids)
        scores = np.zeros(n, dtype=np.float64)
        touched = np.zeros(n, dtype=bool)
        for idx, value in sorted(zip(query.indices, query.values)):
            posting = self._postings.get(int(idx))
            if posting is None:
                continue
            rows, vals = posting
            df = len(rows)
            idf = math.log((self._n_sparse - df + 0.5) / (df + 0.5) + 1)
            scores[rows] += (value * idf) * vals
            touched[rows] = True
        # local mode returns float32 scores (np.float32 of the float64 sum)
        return scores.astype(np.float32), touched
