"""The embedded index is damaged, its folder is not a folder, another ingest holds the build
lock, or the disk fills during a build.

Each must give a clear error (API: 503 with a message naming the file and the problem; CLI:
one line and a non-zero exit, no traceback), never a hang or a 500; a process that already
serves keeps serving the build it has; a failed write leaves the previous index serving.
"Full" is a real write failure: the ingest runs in a child process whose file-size limit
(RLIMIT_FSIZE, SIGXFSZ ignored) makes every write past a small size fail with EFBIG, as a
full disk fails with ENOSPC. A read-only folder cannot be simulated here: the tests run as
root, which ignores permission bits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from fastapi.testclient import TestClient

from assistant.components.vector_store.edge_index import POINTER, SHARDS
from assistant.components.vector_store.vector_store_component import VectorStore, close_index
from assistant.server.app import create_app
from assistant.settings import REPO_ROOT, Settings
from tests.integration.hardening_support import corpus_file, small_index

pytestmark = pytest.mark.integration

QUESTION = {"question": "What are the objectives of permanence planning?", "authority": "wiltshire"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small real index (Wiltshire only)."""
    return small_index(tmp_path_factory.mktemp("index-faults"), ["wiltshire"])


def _copy(built: Settings, tmp_path) -> Settings:
    settings = built.model_copy(update={"data_dir": tmp_path / "data", "corpus_dir": tmp_path / "corpus"})
    shutil.copytree(built.data_dir, settings.data_dir)
    shutil.copytree(built.corpus_dir, settings.corpus_dir)
    return settings


def _env(settings: Settings) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                PERMANENCE_DATA_DIR=str(settings.data_dir), PERMANENCE_CORPUS_DIR=str(settings.corpus_dir),
                COLUMNS="400")  # rich wraps long paths at the terminal width


def _cli(settings: Settings, *args: str, preexec=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=_env(settings), cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def _api(settings: Settings) -> tuple[int, str, float]:
    """A fresh service over ``settings`` (no build open yet): one /ask and /health."""
    close_index(settings)
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


def _damage(settings: Settings, how: str) -> str:
    """Damage the index one way; returns the path the error must name."""
    root = settings.index_path
    live = json.loads((root / POINTER).read_text())["build"]
    if how == "pointer-garbage":
        (root / POINTER).write_text('{"build": ')
        return str(root / POINTER)
    if how == "pointer-names-a-missing-build":
        shutil.rmtree(root / SHARDS / live)
        return str(root / POINTER)
    if how == "shard-corrupt":
        for f in (root / SHARDS / live).rglob("*"):
            if f.is_file() and f.name not in (".complete", ".readers"):
                f.write_bytes(b"\x00garbage" * 64)
        return str(root / SHARDS / live)
    raise AssertionError(how)


def test_another_ingest_holds_the_build_lock(built, tmp_path):
    settings = _copy(built, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from pathlib import Path
            from assistant.components.vector_store.edge_index import ingest_lock
            with ingest_lock(Path({str(settings.index_path)!r})):
                print("HOLDING", flush=True)
                time.sleep(120)
        """)],
        stdout=subprocess.PIPE, text=True, env=_env(settings), cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        out = _cli(settings, "ingest", "--rebuild")
        assert out.returncode == 1, _said(out)
        said = _said(out)
        assert f"another ingest (pid {holder.pid})" in said and str(settings.index_path / "ingest.lock") in said, said
        _no_traceback(out)
        # readers never wait for the build lock
        docs = _cli(settings, "documents", "--json")
        assert docs.returncode == 0 and json.loads(docs.stdout)[0]["document_id"] == "wiltshire", _said(docs)
        with TestClient(create_app(settings)) as c:
            r = c.post("/ask", json=QUESTION)
        assert r.status_code == 200 and r.json()["citations"], r.text
    finally:
        holder.kill()
        holder.wait(timeout=30)
        close_index(settings)


@pytest.mark.parametrize("damage", ["pointer-garbage", "pointer-names-a-missing-build", "shard-corrupt"])
def test_damaged_index_one_line_then_ingest_repairs_it(built, tmp_path, damage):
    settings = _copy(built, tmp_path)
    named = _damage(settings, damage)
    try:
        status, text, seconds = _api(settings)
        assert status == 503 and named in text, (status, text)
        assert seconds < 30
        for args in (("ask", QUESTION["question"]), ("documents",), ("search", "permanence")):
            out = _cli(settings, *args)
            assert out.returncode != 0 and named in _said(out), (args, _said(out))
            _no_traceback(out)
        # what the message says to run publishes a sound build again
        out = _cli(settings, "ingest", *(["--rebuild"] if damage == "shard-corrupt" else []), timeout=300)
        assert out.returncode == 0, _said(out)
        _no_traceback(out)
        close_index(settings)
        with TestClient(create_app(settings)) as c:
            r = c.post("/ask", json=QUESTION)
        assert r.status_code == 200 and r.json()["citations"], r.text
    finally:
        close_index(settings)


@pytest.mark.parametrize("damage", ["pointer-garbage", "pointer-names-a-missing-build"])
def test_a_serving_process_keeps_its_build_when_the_pointer_is_damaged(built, tmp_path, damage):
    settings = _copy(built, tmp_path)
    close_index(settings)
    with TestClient(create_app(settings)) as c:
        before = c.post("/ask", json=QUESTION)
        assert before.status_code == 200 and before.json()["citations"], before.text
        if damage == "pointer-names-a-missing-build":
            # the build it serves is held open: point at another, missing one instead
            (settings.index_path / POINTER).write_text(json.dumps({"build": "permanence_chunks__gone"}))
        else:
            _damage(settings, damage)
        for _ in range(3):
            after = c.post("/ask", json=QUESTION)
            assert after.status_code == 200, after.text
            assert after.json()["citations"] == before.json()["citations"]
    close_index(settings)


def test_index_folder_is_a_file(built, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    settings = built.model_copy(update={"data_dir": data})
    (data / "index").write_text("not a folder")
    try:
        status, text, _ = _api(settings)
        assert status == 503 and str(settings.index_path) in text, (status, text)
        out = _cli(settings, "ingest")
        assert out.returncode != 0 and str(settings.index_path) in _said(out), _said(out)
        _no_traceback(out)
    finally:
        close_index(settings)


def _limit_file_size() -> None:  # runs in the child between fork and exec
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_full_disk_during_ingest_keeps_the_previous_index(built, tmp_path):
    settings = _copy(built, tmp_path)
    before = VectorStore(settings).live_collection()
    path = corpus_file(settings, "wiltshire")
    path.write_text(path.read_text(encoding="utf-8") + "\n6. A changed ending that must be indexed anew.\n",
                    encoding="utf-8")

    out = _cli(settings, "ingest", preexec=_limit_file_size, timeout=300)
    assert out.returncode == 1, (out.returncode, out.stdout[-800:], out.stderr[-800:])
    assert "previous index still serving" in _said(out)
    _no_traceback(out)

    store = VectorStore(settings)
    assert store.live_collection() == before
    assert store.build_collections() == [before], "the failed build left a shard behind"
    with TestClient(create_app(settings)) as c:
        r = c.post("/ask", json=QUESTION)
    assert r.status_code == 200 and r.json()["citations"], r.text
    close_index(settings)
