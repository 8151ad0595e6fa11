"""The numpy search over a snapshot of an embedded-Qdrant collection: the cases the
real index rarely shows (equal scores across the cut, points without a vector, an empty
collection). Its agreement with Qdrant itself is tested on the real index in
tests/integration/test_vector_store_scope.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from assistant.components.sparse.sparse_component import SparseVec
from assistant.components.vector_store.local_search import LocalSnapshot

pytestmark = pytest.mark.unit


@dataclass
class Rec:
    id: str
    payload: dict
    vector: dict = field(default_factory=dict)


def sv(pairs):
    return SparseVec(indices=[i for i, _ in pairs], values=[v for _, v in pairs])


def rec(pid, authority="A", status="current", doc="d1", dense=None, sparse=None):
    vec = {}
    if dense is not None:
        vec["dense"] = dense
    if sparse is not None:
        vec["sparse"] = sparse
    return Rec(pid, {"authority": authority, "status": status, "document_id": doc, "id": pid}, vec)


def test_equal_scores_across_the_cut_are_ordered_by_point_id():
    # ten points with the same sparse score, inserted in reverse id order
    records = [rec(f"p{i:02d}", sparse=sv([(7, 1.0)])) for i in reversed(range(10))]
    snap = LocalSnapshot(records, "dense", "sparse")
    hits = snap.search(SparseVec([7], [1.0]), None, 3)
    assert [h.id for h in hits] == ["p00", "p01", "p02"]
    assert len({h.score for h in hits}) == 1


def test_sparse_scores_use_qdrant_idf_and_skip_points_without_a_shared_term():
    records = [
        rec("a", sparse=sv([(1, 2.0), (2, 1.0)])),
        rec("b", sparse=sv([(1, 1.0)])),
        rec("c", sparse=sv([(3, 5.0)])),  # shares no query term: not a candidate
        rec("d", dense=[1.0, 0.0]),  # no sparse vector: not in the IDF corpus either
    ]
    snap = LocalSnapshot(records, "dense", "sparse")
    n = 3  # points that have a sparse vector

    def idf(df):
        return math.log((n - df + 0.5) / (df + 0.5) + 1)

    hits = snap.search(SparseVec([2, 1], [1.0, 1.0]), None, 10)  # unsorted query indices
    assert [h.id for h in hits] == ["a", "b"]
    assert hits[0].score == pytest.approx(2.0 * idf(2) + 1.0 * idf(1), rel=1e-6)
    assert hits[1].score == pytest.approx(1.0 * idf(2), rel=1e-6)
    assert snap.search(SparseVec([99], [1.0]), None, 10) == []


def test_dense_is_cosine_and_ignores_points_without_a_dense_vector():
    records = [rec("x", dense=[3.0, 0.0]), rec("y", dense=[1.0, 1.0]), rec("z", sparse=sv([(1, 1.0)]))]
    snap = LocalSnapshot(records, "dense", "sparse")
    hits = snap.search([2.0, 0.0], None, 10)
    assert [h.id for h in hits] == ["x", "y"]
    assert hits[0].score == pytest.approx(1.0)
    assert hits[1].score == pytest.approx(1 / math.sqrt(2))
    with pytest.raises(ValueError, match="NaN"):
        snap.search([float("nan"), 0.0], None, 3)
    with pytest.raises(ValueError, match="3 dimensions, the collection 2"):
        snap.search([1.0, 0.0, 0.0], None, 3)


def test_scope_masks_and_payloads():
    records = [
        rec("1", authority="Wigan Council", status="current", doc="w26", dense=[1.0, 0.0]),
        rec("2", authority="Wigan Council", status="superseded", doc="w21", dense=[0.9, 0.1]),
        rec("3", authority="Luton Council", status="current", doc="lu", dense=[0.8, 0.2]),
    ]
    snap = LocalSnapshot(records, "dense", "sparse")
    q = [1.0, 0.0]
    assert [h.id for h in snap.search(q, snap.mask("Wigan Council", ("current",), None), 5)] == ["1"]
    assert [h.id for h in snap.search(q, snap.mask(None, ("current",), None), 5)] == ["1", "3"]
    assert [h.id for h in snap.search(q, snap.mask(None, None, ["w21", "lu"]), 5)] == ["2", "3"]
    assert snap.search(q, snap.mask("Luton Council", None, ["w26"]), 5) == []
    hit = snap.search(q, None, 1, with_payload=True)[0]
    assert hit.payload["document_id"] == "w26" and snap.payload("3")["authority"] == "Luton Council"
    assert snap.payload("missing") is None
    assert snap.search(q, None, 0) == []


@pytest.mark.parametrize("dimension", [4, None])  # None: nothing to learn the size from
def test_an_empty_collection_finds_nothing(dimension):
    snap = LocalSnapshot([], "dense", "sparse", dimension=dimension)
    assert len(snap) == 0
    assert snap.search([1.0, 0.0, 0.0, 0.0], None, 5) == []
    assert snap.search(SparseVec([1], [1.0]), None, 5) == []
    assert snap.mask("A", None, None).shape == (0,)
    assert np.asarray(snap.search([1.0, 0.0, 0.0, 0.0], snap.mask(None, ("current",), None), 5)).size == 0
