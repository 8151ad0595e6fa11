"""The Qdrant location is locked by another process, not a folder, corrupt, or full.

Each must give a clear error (API: 503 with a message naming the problem; CLI: one line
and a non-zero exit, no traceback), never a hang or a 500, and a failed write must leave
the previous index serving. "Full" is a real write failure: the ingest runs in a child
process whose file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes every write past a
small size fail with EFBIG, as a full disk fails with ENOSPC. A read-only folder cannot be
simulated here: the tests run as root, which ignores permission bits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from fastapi.testclient import TestClient

from assistant.components.vector_store.vector_store_component import VectorStore, close_qdrant_client
from assistant.server.app import create_app
from assistant.settings import REPO_ROOT, Settings
from tests.integration.hardening_support import corpus_file, small_index

pytestmark = pytest.mark.integration

QUESTION = {"question": "What are the objectives of permanence planning?", "authority": "wiltshire"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small real index (Wiltshire only), closed again so other processes may open it."""
    return small_index(tmp_path_factory.mktemp("qdrant-faults"), ["wiltshire"])


def _env(settings: Settings) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                PERMANENCE_DATA_DIR=str(settings.data_dir), PERMANENCE_CORPUS_DIR=str(settings.corpus_dir),
                COLUMNS="400")  # rich wraps long paths at the terminal width


def _cli(settings: Settings, *args: str, preexec=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=_env(settings), cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def _api(settings: Settings) -> tuple[int, str, float]:
    t = time.monotonic()
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        r = c.post("/ask", json=QUESTION)
        h = c.get("/health")
    assert h.status_code == 200 and h.json()["index_ready"] is False, h.text
    return r.status_code, r.text, time.monotonic() - t


def _said(out: subprocess.CompletedProcess) -> str:
    return " ".join((out.stdout + out.stderr).split())


def _no_traceback(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr + out.stdout, (out.stderr + out.stdout)[-1500:]


def test_locked_by_another_process(built):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from qdrant_client import QdrantClient
            c = QdrantClient(path={str(built.qdrant_path)!r})
            print("HOLDING", flush=True)
            time.sleep(120)
        """)],
        stdout=subprocess.PIPE, text=True, env=_env(built),
    )
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        settings = built.model_copy()
        status, text, seconds = _api(settings)
        assert status == 503 and "in use by another process" in text and "PERMANENCE_QDRANT_URL" in text, text
        assert seconds < 30
        out = _cli(settings, "ingest")
        assert out.returncode == 1 and "in use by another process" in _said(out)
        _no_traceback(out)
    finally:
        holder.kill()
        holder.wait(timeout=30)
        close_qdrant_client(built)


@pytest.mark.parametrize("damage", ["path-is-a-file", "corrupt-storage"])
def test_unreadable_location(built, tmp_path, damage):
    data = tmp_path / "data"
    settings = built.model_copy(update={"data_dir": data})
    if damage == "path-is-a-file":
        data.mkdir()
        (data / "qdrant").write_text("not a folder")
    else:
        import shutil

        shutil.copytree(built.data_dir, data)
        for f in (data / "qdrant").rglob("storage.sqlite"):
            f.write_bytes(b"this is not an SQLite database" * 100)
    try:
        status, text, seconds = _api(settings)
        assert status == 503 and str(settings.qdrant_path) in text, (status, text)
        assert seconds < 30
        out = _cli(settings, "ingest")
        assert out.returncode != 0 and str(settings.qdrant_path) in _said(out)
        _no_traceback(out)
    finally:
        close_qdrant_client(settings)


def _limit_file_size() -> None:  # runs in the child between fork and exec
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_full_disk_during_ingest_keeps_the_previous_index(built, tmp_path):
    import shutil

    settings = built.model_copy(update={"data_dir": tmp_path / "data", "corpus_dir": tmp_path / "corpus"})
    shutil.copytree(built.data_dir, settings.data_dir)
    shutil.copytree(built.corpus_dir, settings.corpus_dir)
    before = VectorStore(settings).live_collection()
    close_qdrant_client(settings)
    path = corpus_file(settings, "wiltshire")
    path.write_text(path.read_text(encoding="utf-8") + "\n6. A changed ending that must be indexed anew.\n",
                    encoding="utf-8")

    out = _cli(settings, "ingest", preexec=_limit_file_size, timeout=300)
    assert out.returncode == 1, (out.returncode, out.stdout[-800:], out.stderr[-800:])
    assert "previous index still serving" in _said(out)
    _no_traceback(out)

    store = VectorStore(settings)
    assert store.live_collection() == before
    assert store.build_collections() == [before], "the failed build left a collection behind"
    with TestClient(create_app(settings)) as c:
        r = c.post("/ask", json=QUESTION)
    assert r.status_code == 200 and r.json()["citations"], r.text
    close_qdrant_client(settings)
