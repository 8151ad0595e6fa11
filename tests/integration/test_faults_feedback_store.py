"""The feedback store (SQLite, WAL) under concurrent writers, a killed writer, and restarts.

Real SQLite files, real threads and real second processes: nothing acknowledged may be
lost, no writer may fail with "database is locked", and a writer killed with SIGKILL in
the middle of its writes leaves an intact database holding everything it had committed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from fastapi.testclient import TestClient

from assistant.server.app import create_app
from assistant.server.feedback.feedback_service import FeedbackRequest, FeedbackService
from assistant.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from assistant.settings import Settings
    from assistant.server.feedback.feedback_service import FeedbackRequest, FeedbackService

    prefix, n = sys.argv[2], int(sys.argv[3])
    svc = FeedbackService(Settings(data_dir=sys.argv[1]))
    print("STARTED", flush=True)
    for i in range(n):
        aid = f"{prefix}-{i}"
        svc.register_answer(aid, "extractive", False)
        svc.submit(FeedbackRequest(answer_id=aid, rating="down" if i % 3 else "up", comment=f"{prefix} comment {i}"))
        print(aid, flush=True)  # printed only once the write has committed
    print("DONE", flush=True)
    """
)


def _child(tmp_path, data_dir, prefix: str, n: int) -> subprocess.Popen:
    script = tmp_path / "feedback_writer.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen([sys.executable, str(script), str(data_dir), prefix, str(n)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)


def _rows(path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return {a: (r, c) for a, r, c in db.execute("SELECT answer_id, rating, comment FROM feedback")}


@pytest.mark.timeout(180)
def test_threads_and_a_second_process_write_concurrently_nothing_lost(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    svc = FeedbackService(settings)
    with sqlite3.connect(svc.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    n_threads, per_thread, per_child = 8, 40, 150
    children = [_child(tmp_path, settings.data_dir, f"proc{k}", per_child) for k in range(2)]
    for c in children:
        assert c.stdout.readline().strip() == "STARTED", c.stderr.read()[-2000:]
    errors: list[str] = []

    def writer(t: int) -> None:
        own = FeedbackService(settings) if t % 2 else svc  # separate service objects too, as two apps would be
        for i in range(per_thread):
            aid = f"thread{t}-{i}"
            try:
                own.register_answer(aid, "extractive", False)
                own.submit(FeedbackRequest(answer_id=aid, rating="up", comment=f"t{t} c{i}"))
            except Exception as exc:
                errors.append(f"{aid}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    outs = [c.communicate(timeout=120) for c in children]
    assert not errors, errors[:5]
    for c, (out, err) in zip(children, outs):
        assert c.returncode == 0 and out.strip().endswith("DONE"), err[-2000:]

    # a restart: a fresh service object over the same file sees everything
    restarted = FeedbackService(Settings(data_dir=settings.data_dir))
    rows = _rows(restarted.path)
    assert len(rows) == n_threads * per_thread + 2 * per_child
    assert rows["thread3-7"] == ("up", "t3 c7") and rows["proc1-149"] == ("down", "proc1 comment 149")
    assert restarted.get("proc0-0").rating == "up"
    assert restarted.summary() == {"up": n_threads * per_thread + 2 * 50, "down": 2 * 100}


@pytest.mark.timeout(120)
def test_a_writer_killed_mid_stream_loses_nothing_it_committed(tmp_path):
    data = tmp_path / "data"
    proc = _child(tmp_path, data, "killed", 100_000)
    committed: list[str] = []
    try:
        assert proc.stdout.readline().strip() == "STARTED", proc.stderr.read()[-2000:]
        deadline = time.monotonic() + 60
        while len(committed) < 300 and time.monotonic() < deadline:
            line = proc.stdout.readline().strip()
            if line.startswith("killed-"):
                committed.append(line)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert len(committed) >= 300
    path = data / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = _rows(path)
    missing = [a for a in committed if a not in rows]
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:3]}"
    # and the store keeps working after the crash
    svc = FeedbackService(Settings(data_dir=data))
    svc.register_answer("after-crash", "extractive", True)
    assert svc.submit(FeedbackRequest(answer_id="after-crash", rating="up")).rating == "up"


def test_feedback_through_the_api_survives_a_restart(index_settings):
    settings = index_settings
    with TestClient(create_app(settings)) as c:
        answer = c.post("/ask", json={"question": "What is early permanence?"}).json()
        r = c.post("/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": "kept?"})
        assert r.status_code == 201, r.text
        assert c.post("/feedback", json={"answer_id": "never-given", "rating": "up"}).status_code == 404
    restarted = FeedbackService(Settings(data_dir=settings.data_dir))
    got = restarted.get(answer["answer_id"])
    assert got is not None and (got.rating, got.comment) == ("down", "kept?")
