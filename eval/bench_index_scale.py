"""The embedded index at 10,000-document scale without embedding 18,000 windows first.

    .venv/bin/python eval/bench_index_scale.py [--points 18000]

Builds one Qdrant Edge build of ``--points`` points (18,000 is what 10,000 synthetic
documents of ``bench_scaling`` gave: 17,984 chunks) from the real corpus's points, each
copied with a new id, document, authority and a perturbed dense vector (real MiniLM vectors
plus noise, re-normalised, so the scores are realistic but no two points are equal), using
the ingest pipeline's own build steps. Then a fresh child process does what a starting
service does with the index (open it, list the documents, read every chunk for the term
weights) and searches as ``/ask`` does; it reports the time and memory of that alone, with
no model loaded (the model's own load and memory are the same at every corpus size: see
``bench_scaling``). Prints figures; the real corpus must have been ingested into
``--data`` (default ``data/``) first.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _now_mb() -> float:
    """Resident memory now (not the peak)."""
    import os

    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(src_data: Path, dest_data: Path, n_points: int) -> None:
    import numpy as np

    from assistant.components.sparse.sparse_component import SparseVec
    from assistant.components.vector_store.vector_store_component import VectorStore, document_entry, point_id
    from assistant.settings import Settings

    src = VectorStore(Settings(data_dir=src_data))
    with src.reading() as r:
        recs = list(r.scroll(None, True, with_vectors=True))
    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    rows = []
    for i in range(n_points):
        rec = recs[i % len(recs)]
        copy = i // len(recs)
        payload = dict(rec.payload)
        if copy:
            doc = f"synthetic-{i % 9995:05d}"
            payload.update(document_id=doc, id=f"{doc}-{i}", authority=f"Council {i % 500:03d}")
        dense = np.asarray(rec.vector["dense"], dtype=np.float32) + nrng.normal(0, 0.02, 384).astype(np.float32)
        dense /= np.linalg.norm(dense)
        sv = rec.vector["sparse"]
        rows.append((point_id(f"bench-{i}", 0), dense.tolist(), SparseVec(list(sv.indices), list(sv.values)), payload))
    rng.shuffle(rows)
    dst = VectorStore(Settings(data_dir=dest_data))
    t = time.perf_counter()
    dst.create_collection("bench__scale", 384)
    dst.upsert("bench__scale", rows)
    docs: dict[str, dict] = {}
    for _, _, _, p in rows:
        d = docs.setdefault(p["document_id"], {"id": p["document_id"], "authority": p["authority"], "title": p["title"],
                                               "version": p["version"], "status": p["status"], "date": p.get("date"),
                                               "source_format": p.get("source_format"), "chunks": set(), "points": 0})
        d["chunks"].add(p["id"])
        d["points"] += 1
    dst.finish_build("bench__scale", [document_entry(d, len(d["chunks"]), d["points"]) for d in docs.values()],
                     {str(pid): p["id"] for pid, _, _, p in rows})
    dst.switch_alias("bench__scale")
    print(f"build of {n_points:,} points: {time.perf_counter() - t:.1f} s", file=sys.stderr)


def child(data: Path, out: Path) -> None:
    import numpy as np

    base = _now_mb()
    from assistant.components.sparse.sparse_component import get_sparse_encoder
    from assistant.components.vector_store.vector_store_component import QueryVectors, VectorStore
    from assistant.retrieval.lexical import TermWeights
    from assistant.settings import Settings

    settings = Settings(data_dir=data)
    imported = _now_mb()
    t0 = time.perf_counter()
    store = VectorStore(settings)
    store.serving_build()
    t_open = time.perf_counter()
    docs = store.list_documents()
    t1 = time.perf_counter()
    opened = _now_mb()
    chunks = store.all_chunks()
    weights = TermWeights(c.text for cs in chunks.values() for c in cs)
    t2 = time.perf_counter()
    with_chunks = _now_mb()
    rng = np.random.default_rng(1)
    sparse = get_sparse_encoder(settings)
    lat: dict[str, list[float]] = {"all": [], "one authority": []}
    for i in range(60):
        q = rng.normal(0, 1, 384)
        qv = QueryVectors(dense=(q / np.linalg.norm(q)).tolist(), sparse=sparse.encode_query("special guardianship order apply"))
        for scope, auth in (("all", None), ("one authority", "Council 042")):
            t = time.perf_counter()
            store.search(qv, k=24, authority=auth)
            lat[scope].append((time.perf_counter() - t) * 1000)
    out.write_text(json.dumps({
        "documents": len(docs), "chunks": sum(len(c) for c in chunks.values()), "vocabulary": len(weights.vocabulary),
        "open_s": t_open - t0, "list_documents_s": t1 - t_open, "read_all_chunks_and_weights_s": t2 - t1,
        "search_p50_ms": {k: float(np.median(v[5:])) for k, v in lat.items()},
        "rss_mb": {"interpreter": base, "after imports": imported, "index open, documents listed": opened,
                   "every chunk read, term weights": with_chunks, "after 120 searches": _now_mb(),
                   "peak": _rss_mb()},
    }))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=int, default=18_000)
    p.add_argument("--data", type=Path, default=REPO / "data", help="a data folder holding the real corpus's index")
    p.add_argument("_child", nargs="*")
    a = p.parse_args()
    if a._child:
        child(Path(a._child[0]), Path(a._child[1]))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-index-scale-"))
    build(a.data, work / "data", a.points)
    out = work / "out.json"
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, str(work / "data"), str(out)], check=True)
    res = json.loads(out.read_text())
    res["child_wall_s"] = time.perf_counter() - t
    print(json.dumps(res, indent=1))
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
