"""The ingest process is killed (SIGKILL, a real subprocess) in the middle of a run.

A small real index (Wiltshire + Bolton) is built; then a child process re-ingests a changed
Wiltshire policy and is killed with SIGKILL at a chosen point of the run:

- ``mid-write``: the new build's shard exists and holds part of its points (one batch),
  the rest are not written, the pointer is not moved;
- ``after-switch``: the pointer already names the new, complete build, but the
  index state (which text each document's offsets refer to) was not yet written.

A third test kills a real ``optimize()`` (HNSW over 30,000 points) half-way: that build is
never published, and the next ingest deletes it with the ``temp_segments/`` it left.

The child waits at that point (it prints READY and sleeps) so that the kill lands there
every time; the kill itself is real. Then the next start must serve, and a re-run of
ingest must complete and leave one consistent index.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from fastapi.testclient import TestClient

from assistant.components.vector_store.vector_store_component import VectorStore, close_index
from assistant.server.app import create_app
from assistant.settings import REPO_ROOT, Settings
from assistant.corpus import load_corpus
from ingest.documents import clear_caches, load_document_text, parse_file
from ingest.index_state import read_state
from ingest.pipeline import IngestPipeline
from tests.integration.hardening_support import corpus_file, small_index

pytestmark = pytest.mark.integration

DOC = "wiltshire"
QUESTIONS = ["What are the objectives of permanence planning?", "What does legal permanence mean?"]
INSERTED = "Revision note: a paragraph added by the second version, so every later offset moves.\n"

CHILD = textwrap.dedent(
    """
    import sys, time
    point = sys.argv[3]
    from assistant.settings import Settings
    from ingest import pipeline

    def wait_here():
        print("READY", flush=True)
        time.sleep(120)

    if point == "mid-write":
        from assistant.components.vector_store.edge_index import EdgeBuilder
        real_upsert = EdgeBuilder.upsert
        def upsert(self, name, points, batch=256):
            out = real_upsert(self, name, points[:16], batch)
            wait_here()  # one batch written into the new build, the rest never
            return out
        EdgeBuilder.upsert = upsert
    elif point == "after-switch":
        def write_state(*a, **k):
            wait_here()  # the alias has moved; the state is not written yet
        pipeline.write_state = write_state
    pipeline.IngestPipeline(Settings(corpus_dir=sys.argv[1], data_dir=sys.argv[2])).run(progress=False)
    print("FINISHED", flush=True)
    """
)


def _answers(settings: Settings) -> dict[str, dict]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        out = {}
        for q in QUESTIONS:
            r = c.post("/ask", json={"question": q, "authority": "wiltshire"})
            assert r.status_code == 200, r.text
            out[q] = r.json()
        return out


def _cites(answers: dict[str, dict]) -> dict[str, list[tuple]]:
    return {q: [(c["document_id"], c["start"], c["end"], c["quote"]) for c in a["citations"]] for q, a in answers.items()}


def _kill_during_ingest(settings: Settings, point: str, tmp_path) -> None:
    script = tmp_path / "child_ingest.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    err = open(tmp_path / "child_stderr.txt", "w")  # a file, so a chatty child never blocks on a full pipe
    proc = subprocess.Popen([sys.executable, str(script), str(settings.corpus_dir), str(settings.data_dir), point],
                            stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 180
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.strip() in ("READY", "FINISHED") or not line:
                break
        assert line.strip() == "READY", (
            f"child never reached {point}: {line!r} {(tmp_path / 'child_stderr.txt').read_text()[-2000:]}")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        err.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("point", ["mid-write", "after-switch"])
def test_sigkill_during_ingest_then_serve_then_rerun(tmp_path, point):
    settings = small_index(tmp_path, ["wiltshire", "bolton"])
    v1_text = load_document_text(settings, DOC)
    before = _answers(settings)
    assert any(a["citations"] for a in before.values())
    live_before = VectorStore(settings).live_collection()

    path = corpus_file(settings, DOC)
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    path.write_text(f"{first}\n{INSERTED}{rest}", encoding="utf-8")
    _kill_during_ingest(settings, point, tmp_path)
    clear_caches()

    # the next start serves, without a failed request and without misquoting
    restarted = settings.model_copy()  # a new services container, as a new process would have
    after = _answers(restarted)
    store = VectorStore(restarted)
    v2_text = parse_file(load_corpus(settings.manifest_path).by_id(DOC), path).text
    if point == "mid-write":
        assert store.live_collection() == live_before, "the pointer moved to a half-written build"
        assert _cites(after) == _cites(before), "the last complete index is not what is served"
        served_text = v1_text
    else:
        # the new collection was complete when the alias moved: it serves, with the texts it was cut from
        assert store.live_collection() != live_before
        served_text = v2_text
    assert any(c["document_id"] == DOC for a in after.values() for c in a["citations"]), "Wiltshire went silent"
    for q, a in after.items():
        for c in a["citations"]:
            if c["document_id"] == DOC:
                assert served_text[c["start"] : c["end"]] == c["quote"], q

    # a re-run completes, and leaves one consistent index behind
    rerun = IngestPipeline(restarted).run(progress=False)
    assert rerun.ok, rerun.failed
    live = store.live_collection()
    assert read_state(restarted)["collection"] == live
    builds = store.build_collections()
    assert live in builds and len(builds) <= 2, builds  # the one it replaced may stay one more run
    if point == "mid-write":
        assert builds == sorted([live_before, live]), "a half-built shard was left behind"
    assert load_document_text(restarted, DOC) == v2_text != v1_text and INSERTED.strip() in v2_text
    final = _answers(restarted.model_copy())
    assert any(a["citations"] for a in final.values())
    for q, a in final.items():
        for c in a["citations"]:
            if c["document_id"] == DOC:
                assert v2_text[c["start"] : c["end"]] == c["quote"], q
    close_index(restarted)


OPTIMIZE_CHILD = textwrap.dedent(
    """
    import sys, random
    from pathlib import Path
    from assistant.components.sparse.sparse_component import SparseVec
    from assistant.components.vector_store.edge_index import EdgeBuilder
    b = EdgeBuilder(Path(sys.argv[1]), hnsw_min_points=1)
    b.create(sys.argv[2], 384)
    rng = random.Random(7)
    b.upsert(sys.argv[2], [(i, [rng.gauss(0, 1) for _ in range(384)], SparseVec([i % 97], [1.0]), {"i": i})
                           for i in range(1, 30_001)])
    print("OPTIMIZING", flush=True)
    b.finish(sys.argv[2])  # optimize() builds HNSW: seconds, with the GIL held
    print("FINISHED", flush=True)
    """
)


@pytest.mark.timeout(300)
def test_sigkill_during_optimize_leaves_the_published_build_serving(tmp_path):
    settings = small_index(tmp_path, ["wiltshire"])
    live_before = VectorStore(settings).live_collection()
    before = _cites(_answers(settings))
    doomed = "permanence_chunks__doomed"
    script = tmp_path / "child_optimize.py"
    script.write_text(OPTIMIZE_CHILD)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.Popen([sys.executable, str(script), str(settings.index_path), doomed],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "OPTIMIZING"
        time.sleep(1.0)
        assert proc.poll() is None, "optimize() finished before the kill: make the build bigger"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    shard = settings.index_path / "shards" / doomed
    assert shard.is_dir() and not (shard / ".complete").exists()

    restarted = settings.model_copy()
    close_index(settings)
    store = VectorStore(restarted)
    assert store.live_collection() == live_before
    assert _cites(_answers(restarted)) == before
    report = IngestPipeline(restarted).run(progress=False)  # nothing changed: cleans up only
    assert report.ok and not report.built
    assert not shard.exists(), "the killed build (and its temp_segments/) was left behind"
    assert store.build_collections() == [live_before]
    close_index(restarted)
