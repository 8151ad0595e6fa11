"""Local mode's scoped search (unfiltered pass + per-collection scope table) must return
exactly what Qdrant's own payload filter returns: same chunks, same order, same scores.

The filtered path is the one a Qdrant server runs, so comparing the two over the real
index is what keeps the local shortcut honest.
"""

from __future__ import annotations

import pytest

from assistant.components.vector_store.vector_store_component import VectorStore

pytestmark = pytest.mark.integration

QUESTIONS = [
    "who can apply for an SGO?",
    "when must the permanence plan be in place?",
    "what is a family group conference?",
    "how often are permanence tracker meetings held?",
    "what does the IRO do at the second review?",
    "residential permanence plan ratification",
]
SCOPES = [
    (None, ("current",), None),
    ("luton", ("current",), None),
    ("Wigan Council", ("superseded",), None),
    (None, ("current", "superseded"), ["bolton", "wiltshire"]),
    ("bolton", ("current",), ["wigan-2026-2028"]),  # nothing can match: both paths return nothing
    (None, None, None),
]


def _shape(results):
    return [(r.chunk.id, round(r.score, 6), r.dense_score and round(r.dense_score, 5),
             r.sparse_score and round(r.sparse_score, 5)) for r in results]


@pytest.fixture(scope="module")
def store(index_settings):
    return VectorStore(index_settings)


def test_store_runs_in_local_mode(store):
    assert store._local, "the test index is embedded Qdrant; the scoped shortcut must be in use"


@pytest.mark.parametrize("authority, status, document_ids", SCOPES)
def test_local_scoped_search_equals_qdrant_payload_filter(store, authority, status, document_ids):
    compared = 0
    for q in QUESTIONS:
        qv = store._vectors(q, dense=True, sparse=True)
        store.__dict__["_local"] = True
        fast = store.search(qv, k=8, authority=authority, status=status, document_ids=document_ids)
        fast_dense = store.dense_search(qv, k=8, authority=authority, status=status, document_ids=document_ids)
        fast_sparse = store.sparse_search(qv, k=8, authority=authority, status=status, document_ids=document_ids)
        store.__dict__["_local"] = False  # the server's path: Qdrant's payload filter
        try:
            slow = store.search(qv, k=8, authority=authority, status=status, document_ids=document_ids)
            slow_dense = store.dense_search(qv, k=8, authority=authority, status=status, document_ids=document_ids)
            slow_sparse = store.sparse_search(qv, k=8, authority=authority, status=status, document_ids=document_ids)
        finally:
            store.__dict__["_local"] = True
        assert _shape(fast) == _shape(slow), q
        assert _shape(fast_dense) == _shape(slow_dense), q
        assert _shape(fast_sparse) == _shape(slow_sparse), q
        compared += len(slow)
        for r in fast:
            if authority:
                assert r.chunk.authority.lower().startswith(authority.split()[0].lower())
            if status:
                assert r.chunk.status in status
            if document_ids:
                assert r.chunk.document_id in document_ids
    if authority == "bolton" and document_ids == ["wigan-2026-2028"]:
        assert compared == 0
    else:
        assert compared > 0
