"""The embedded index's build life cycle on real Qdrant Edge shards (small synthetic ones,
no embedder): publish by pointer, a reader moving to a new build while a request still
runs on the old one, cleanup that leaves a build alone while another process reads it,
one ingest at a time."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import pytest

from assistant.components.sparse.sparse_component import SparseVec
from assistant.components.vector_store.edge_index import (
    POINTER,
    SHARDS,
    EdgeBuilder,
    EdgeReader,
    IndexLocked,
    IndexNotReady,
    IndexUnavailable,
    ingest_lock,
)
from assistant.settings import REPO_ROOT

pytestmark = pytest.mark.integration

DIM = 8


def _build(root, name: str, tag: str, n: int = 50) -> None:
    rng = random.Random(name)
    b = EdgeBuilder(root, hnsw_min_points=10**9)
    b.create(name, DIM)
    b.upsert(name, [(i, [rng.random() for _ in range(DIM)], SparseVec([i % 7], [1.0]),
                     {"tag": tag, "authority": "A", "status": "current", "document_id": f"d{i % 3}"})
                    for i in range(1, n + 1)])
    assert b.count(name) == n
    b.finish(name)
    b.publish(name)


def _tags(searcher) -> set[str]:
    hits = searcher.nearest([([1.0] * DIM, "dense", None, 5)], with_payload=True)[0]
    return {h.payload["tag"] for h in hits}


def test_reader_moves_to_a_new_build_after_requests_in_flight(tmp_path):
    root = tmp_path / "index"
    reader = EdgeReader(root)
    with pytest.raises(IndexNotReady):
        with reader.reading():
            pass
    _build(root, "b1", "one")
    with reader.reading() as in_flight:
        assert in_flight.name == "b1" and _tags(in_flight) == {"one"}
        _build(root, "b2", "two")
        with reader.reading() as fresh:  # a new request sees the new build at once
            assert fresh.name == "b2" and _tags(fresh) == {"two"}
        assert _tags(in_flight) == {"one"}  # the old one still answers the request that holds it
        old = in_flight._h
    assert old.retired and old.users == 0
    with reader.reading() as r:
        assert r.name == "b2" and r.count() == 50
    reader.close()


def test_cleanup_spares_a_build_another_process_reads(tmp_path):
    root = tmp_path / "index"
    _build(root, "b1", "one")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from assistant.components.vector_store.edge_index import EdgeReader
        r = EdgeReader(Path({str(root)!r}))
        with r.reading() as s:
            print("READING", s.name, flush=True)
            time.sleep(120)
    """)], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT)})
    try:
        assert holder.stdout.readline().split() == ["READING", "b1"]
        _build(root, "b2", "two")
        (root / SHARDS / "half").mkdir()  # a build that died before it was complete
        builder = EdgeBuilder(root, 10**9)
        assert builder.cleanup(keep=["b2"]) == ["half"]
        assert sorted(builder.builds()) == ["b1", "b2"]
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert builder.cleanup(keep=["b2"]) == ["b1"]
    assert builder.builds() == ["b2"]


def test_damaged_pointer_names_the_file(tmp_path):
    root = tmp_path / "index"
    _build(root, "b1", "one")
    (root / POINTER).write_text("{not json")
    reader = EdgeReader(root)
    with pytest.raises(IndexUnavailable, match=str(root / POINTER)):
        with reader.reading():
            pass
    (root / POINTER).write_text(json.dumps({"build": "../../etc"}))
    with pytest.raises(IndexUnavailable, match="damaged"):
        reader.live()


def test_one_ingest_at_a_time(tmp_path):
    root = tmp_path / "index"
    with ingest_lock(root):
        with pytest.raises(IndexLocked, match=r"another ingest \(pid \d+\)"):
            with ingest_lock(root):
                pass
    with ingest_lock(root):  # released with the first
        pass
