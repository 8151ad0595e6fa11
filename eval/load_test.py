"""Load test: many practitioners at once against the real API, on loopback only.

    .venv/bin/python eval/load_test.py                         # 20 clients, 60 s, 1 worker
    .venv/bin/python eval/load_test.py --workers 2 --clients 20 --duration 60
    .venv/bin/python eval/load_test.py --url http://127.0.0.1:8000 --data-dir data

Without ``--url`` it makes sure an index exists under ``--data-dir`` (ingesting in a child
process if needed), then starts the API with uvicorn in separate process(es) on 127.0.0.1
and drives it from this process with ``httpx`` (async): ``--clients`` concurrent clients
send a mix of ``/ask`` (single questions, follow-ups in a session, named councils) and
``/rules/*`` requests until ``--duration`` seconds or ``--max-requests`` requests, whichever
comes first. After some answers a client posts ``/feedback``; at the end every feedback the
API acknowledged is looked up in the SQLite store(s): none may be missing or different.

A probe measures ``GET /openapi.json`` (an async route served on the event loop itself)
during the load: if blocking work ran on the loop instead of the threadpool, it would stall.

Workers: embedded Qdrant allows one process per storage folder, so ``--workers N`` (N > 1)
cannot share one data folder. The script measures two ways of using N processes:
``--worker-mode replicas`` (default): N uvicorn processes, each on its own copy of the data
folder (read-only use of the index; each has its own feedback store), with this client
spreading requests round-robin and sending feedback to the process that gave the answer
(a client-side load balancer with sticky sessions); ``--worker-mode shared``: ``uvicorn
--workers N`` on one folder, to show what happens (all but one worker cannot open the index).
With a Qdrant server (``PERMANENCE_QDRANT_URL``) ``uvicorn --workers N`` just works.

Prints a summary table; ``--json-out`` writes the figures; exit status 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUESTIONS = [
    ("Who can apply for a special guardianship order?", "wigan"),
    ("When must the permanence plan be agreed?", "bolton"),
    ("What is a family group conference?", "luton"),
    ("What are the objectives of permanence planning?", "wiltshire"),
    ("What is early permanence?", None),
    ("What does legal permanence mean?", "wiltshire"),
    ("What is the role of the independent reviewing officer?", "bolton"),
    ("When is long-term fostering suitable?", "luton"),
    ("What support is available to special guardians?", "wigan"),
    ("Who may apply for an SGO in Bolton?", None),
    ("What is concurrent planning?", None),
    ("How are brothers and sisters placed together?", None),
]
FOLLOW_UPS = ["and for a child arrangements order?", "what about Luton?", "what about Wigan?"]
RULES = [
    ("/rules/review-schedule", {"looked_after_from": "2026-03-02"}),
    ("/rules/review-schedule", {"looked_after_from": "2026-01-15", "authority": "luton"}),
    ("/rules/eligibility/sgo", {"today": "2025-12-01", "is_local_authority_foster_carer": True,
                                "lived_with_since": "2025-01-10"}),
    ("/rules/eligibility/cao", {"today": "2026-06-01", "relationship": "grandparent", "lived_with_since": "2025-03-01"}),
    ("/rules/private-fostering", {"today": "2026-05-01", "child_age": 12, "carer_relationship": "family_friend",
                                  "arrangement_start": "2026-04-01", "arrangement_end": "2026-04-28"}),
    ("/rules/timeline", {"looked_after_from": "2026-03-02", "today": "2026-03-20", "authority": "Luton"}),
]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    refused: int = 0
    feedback: list[tuple[int, str, str, str]] = field(default_factory=list)  # (replica, answer id, rating, comment)
    probe: list[float] = field(default_factory=list)
    requests: int = 0

    def record(self, kind: str, ms: float, status: int) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        by = self.statuses.setdefault(kind, {})
        by[status] = by.get(status, 0) + 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))]


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PERMANENCE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false", "PERMANENCE_ENGINE": "extractive"})
    env.pop("PERMANENCE_QDRANT_URL", None)
    env.update(extra or {})
    return env


def ensure_index(data_dir: Path) -> None:
    """Ingest into ``data_dir`` in a child process (this process must not hold the index lock)."""
    code = ("from ingest.pipeline import ensure_index; from assistant.settings import Settings; "
            f"r = ensure_index(Settings(data_dir={str(data_dir)!r}), progress=False); "
            "print(r.documents, 'documents', r.chunks, 'chunks,', 'built' if r.built else 'already indexed')")
    out = subprocess.run([sys.executable, "-c", code], env=child_env(data_dir), cwd=REPO, capture_output=True,
                         text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"ingest into {data_dir} failed:\n{out.stderr[-2000:]}")
    print(f"index: {out.stdout.strip()}", flush=True)


class Servers:
    """uvicorn process(es) on 127.0.0.1: ``replicas`` (one per data copy) or ``shared`` (--workers N)."""

    def __init__(self, data_dir: Path, workers: int, mode: str, log_dir: Path, torch_threads: int | None = None):
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []
        self.data_dirs: list[Path] = []
        self.copies: list[Path] = []
        self.log_dir = log_dir
        # torch reads OMP_NUM_THREADS at import: the intra-op threads of each server process
        # (and the API sets it again from PERMANENCE_SERVE_TORCH_THREADS when it starts)
        extra = {"OMP_NUM_THREADS": str(torch_threads), "MKL_NUM_THREADS": str(torch_threads),
                 "PERMANENCE_SERVE_TORCH_THREADS": str(torch_threads)} if torch_threads else {}
        if mode == "shared" or workers == 1:
            self._start(data_dir, workers, extra)
        else:
            for i in range(workers):
                copy = Path(tempfile.mkdtemp(prefix=f"load-replica{i}-"))
                shutil.copytree(data_dir, copy, dirs_exist_ok=True)
                for f in ("feedback.sqlite3", "feedback.sqlite3-wal", "feedback.sqlite3-shm"):
                    (copy / f).unlink(missing_ok=True)
                self.copies.append(copy)
                self._start(copy, 1, extra)

    def _start(self, data_dir: Path, workers: int, extra: dict[str, str]) -> None:
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", "assistant.server.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
               "--no-access-log"]
        log = open(self.log_dir / f"uvicorn-{port}.log", "w")
        self.procs.append(subprocess.Popen(cmd, env=child_env(data_dir, extra), cwd=REPO, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True))
        self.urls.append(f"http://127.0.0.1:{port}")
        self.data_dirs.append(data_dir)

    async def wait_ready(self, client, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        for url, proc in zip(self.urls, self.procs):
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"the server at {url} exited with {proc.returncode}; see {self.log_dir}")
                try:
                    r = await client.get(f"{url}/health", timeout=5)
                    if r.status_code == 200 and r.json().get("index_ready"):
                        break
                except Exception:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server at {url} was not ready within {timeout_s:.0f} s")
                await asyncio.sleep(0.5)

    def stop(self) -> None:
        for p in self.procs:  # only the processes this script started, by their group id
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)

    def cleanup(self) -> None:
        for c in self.copies:
            shutil.rmtree(c, ignore_errors=True)


# --- load ------------------------------------------------------------------------------------


async def client_loop(i: int, client, urls: list[str], stats: Stats, deadline: float, budget: list[int],
                      feedback_every: int, rules_share: float, rng: random.Random, timeout_s: float) -> None:
    replica = i % len(urls)  # sticky: this client's session and feedback stay on one process
    base = urls[replica]
    session_id: str | None = None
    answers = 0
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        if rng.random() < rules_share:
            kind, (path, body) = "rules", rng.choice(RULES)
        else:
            path = "/ask"
            if session_id and rng.random() < 0.3:
                kind, body = "ask_follow_up", {"question": rng.choice(FOLLOW_UPS), "session_id": session_id}
            else:
                q, a = rng.choice(QUESTIONS)
                kind, body = "ask", {"question": q, "authority": a}
        t = time.perf_counter()
        try:
            r = await client.post(base + path, json=body, timeout=timeout_s)
        except Exception as exc:
            stats.record(kind, (time.perf_counter() - t) * 1000, -1)
            stats.errors.append(f"{kind} {path}: {type(exc).__name__}: {exc}")
            continue
        ms = (time.perf_counter() - t) * 1000
        stats.requests += 1
        stats.record(kind, ms, r.status_code)
        if r.status_code != 200:
            stats.errors.append(f"{kind} {path}: HTTP {r.status_code}: {r.text[:200]}")
            continue
        if path != "/ask":
            continue
        data = r.json()
        stats.refused += bool(data.get("refused"))
        session_id = data.get("session_id")
        answers += 1
        if feedback_every and answers % feedback_every == 0 and data.get("answer_id"):
            rating = rng.choice(["up", "down"])
            comment = f"load-test {uuid.uuid4().hex}"
            t = time.perf_counter()
            try:
                f = await client.post(base + "/feedback", json={"answer_id": data["answer_id"], "rating": rating,
                                                                "comment": comment}, timeout=timeout_s)
            except Exception as exc:
                stats.errors.append(f"feedback: {type(exc).__name__}: {exc}")
                continue
            stats.record("feedback", (time.perf_counter() - t) * 1000, f.status_code)
            stats.requests += 1
            if f.status_code == 201:
                stats.feedback.append((replica, data["answer_id"], rating, comment))
            else:
                stats.errors.append(f"feedback: HTTP {f.status_code}: {f.text[:200]}")


async def probe_loop(client, url: str, stats: Stats, deadline: float) -> None:
    while time.monotonic() < deadline:
        t = time.perf_counter()
        try:
            await client.get(url + "/openapi.json", timeout=30)
            stats.probe.append((time.perf_counter() - t) * 1000)
        except Exception as exc:
            stats.errors.append(f"probe: {type(exc).__name__}: {exc}")
        await asyncio.sleep(0.25)


async def run_load(urls: list[str], args, stats: Stats) -> float:
    import httpx

    limits = httpx.Limits(max_connections=args.clients + 4, max_keepalive_connections=args.clients + 4)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        # one warm-up answer per process, so the first clients do not time the model load
        for url in urls:
            r = await client.post(url + "/ask", json={"question": "What is early permanence?"}, timeout=300)
            if r.status_code != 200:
                stats.errors.append(f"warm-up at {url}: HTTP {r.status_code}: {r.text[:200]}")
        t0 = time.monotonic()
        deadline = t0 + args.duration
        budget = [args.max_requests]
        rng = random.Random(args.seed)
        tasks = [client_loop(i, client, urls, stats, deadline, budget, args.feedback_every, args.rules_share,
                             random.Random(rng.random()), args.timeout) for i in range(args.clients)]
        tasks.append(probe_loop(client, urls[0], stats, deadline))
        await asyncio.gather(*tasks)
        return time.monotonic() - t0


def check_feedback(stats: Stats, data_dirs: list[Path]) -> tuple[int, list[str]]:
    """Every acknowledged feedback, read back from its process's SQLite store."""
    missing: list[str] = []
    for replica, answer_id, rating, comment in stats.feedback:
        db = data_dirs[replica] / "feedback.sqlite3"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as con:
            row = con.execute("SELECT rating, comment FROM feedback WHERE answer_id = ?", (answer_id,)).fetchone()
        if row != (rating, comment):
            missing.append(f"{answer_id}: stored {row!r}, sent {(rating, comment)!r}")
    return len(stats.feedback), missing


def summary(stats: Stats, seconds: float, args, feedback_checked: int | None, missing: list[str]) -> dict:
    every = [ms for v in stats.latencies.values() for ms in v]
    out = {
        "clients": args.clients, "workers": args.workers, "worker_mode": args.worker_mode,
        "torch_threads": args.torch_threads,
        "duration_s": round(seconds, 1), "requests": stats.requests, "throughput_rps": round(stats.requests / seconds, 2),
        "errors": len(stats.errors), "refused_answers": stats.refused,
        "p50_ms": round(pct(every, 50), 1), "p95_ms": round(pct(every, 95), 1), "p99_ms": round(pct(every, 99), 1),
        "by_kind": {k: {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1),
                        "p99_ms": round(pct(v, 99), 1), "statuses": stats.statuses.get(k, {})}
                    for k, v in sorted(stats.latencies.items())},
        "loop_probe": {"n": len(stats.probe), "p50_ms": round(pct(stats.probe, 50), 1),
                       "p95_ms": round(pct(stats.probe, 95), 1), "max_ms": round(max(stats.probe, default=0), 1)},
        "feedback_acknowledged": len(stats.feedback), "feedback_checked": feedback_checked,
        "feedback_missing": len(missing), "error_samples": stats.errors[:10], "missing_samples": missing[:5],
        "load_average": os.getloadavg(), "cpus": os.cpu_count(),
    }
    return out


def print_summary(s: dict) -> None:
    print(f"\n{s['clients']} clients, {s['workers']} worker(s) ({s['worker_mode']}), torch threads "
          f"{s['torch_threads'] or 'default'}, {s['duration_s']} s, "
          f"{s['cpus']} CPUs, load average {', '.join(f'{x:.1f}' for x in s['load_average'])}")
    print(f"{'kind':<15}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}  statuses")
    for k, v in s["by_kind"].items():
        print(f"{k:<15}{v['n']:>7}{v['p50_ms']:>10.0f}{v['p95_ms']:>10.0f}{v['p99_ms']:>10.0f}  {v['statuses']}")
    print(f"{'all':<15}{s['requests']:>7}{s['p50_ms']:>10.0f}{s['p95_ms']:>10.0f}{s['p99_ms']:>10.0f}")
    print(f"throughput {s['throughput_rps']} requests/s; errors {s['errors']}; refused answers {s['refused_answers']}")
    lp = s["loop_probe"]
    print(f"event-loop probe (GET /openapi.json, async): n={lp['n']} p50 {lp['p50_ms']} ms, p95 {lp['p95_ms']} ms, "
          f"max {lp['max_ms']} ms")
    fb = "not checked (no --data-dir for a --url run)" if s["feedback_checked"] is None else \
        f"{s['feedback_checked']} acknowledged, {s['feedback_missing']} missing from the store"
    print(f"feedback: {fb}")
    for e in s["error_samples"]:
        print(f"  error: {e}")
    for m in s["missing_samples"]:
        print(f"  missing: {m}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Load test of the API on loopback (bounded in requests and time).")
    p.add_argument("--url", help="target a running API (127.0.0.1 / localhost only) instead of starting one")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="index + feedback store (default: a temp copy ingested for this run; with --url: to check feedback)")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load (hard bound)")
    p.add_argument("--max-requests", type=int, default=20_000, help="hard bound on requests")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--worker-mode", choices=["replicas", "shared"], default="replicas")
    p.add_argument("--torch-threads", type=int, default=None,
                   help="torch intra-op threads per server process; default: the API's setting "
                        "(serve_torch_threads, 1)")
    p.add_argument("--rules-share", type=float, default=0.3, help="share of requests that go to /rules/*")
    p.add_argument("--feedback-every", type=int, default=5, help="post feedback after every n-th answer per client")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json-out", type=Path)
    args = p.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1 or args.workers < 1:
        p.error("--clients, --duration, --max-requests and --workers must be positive")
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        p.error("--url must be on loopback (127.0.0.1 or localhost): this script never loads a remote service")

    stats = Stats()
    servers = None
    log_dir = Path(tempfile.mkdtemp(prefix="load-logs-"))
    try:
        if args.url:
            urls, data_dirs = [args.url.rstrip("/")], [args.data_dir] if args.data_dir else None
        else:
            data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="load-data-"))
            ensure_index(data_dir)
            servers = Servers(data_dir, args.workers, args.worker_mode, log_dir, args.torch_threads)
            urls, data_dirs = servers.urls, servers.data_dirs

        async def go() -> float:
            import httpx

            if servers is not None:
                async with httpx.AsyncClient(trust_env=False) as c:
                    await servers.wait_ready(c)
            return await run_load(urls, args, stats)

        seconds = asyncio.run(go())
        if data_dirs:
            checked, missing = check_feedback(stats, [data_dirs[i] for i in range(len(urls))])
        else:
            checked, missing = None, []
    finally:
        if servers is not None:
            servers.stop()
    s = summary(stats, seconds, args, checked, missing)
    print_summary(s)
    if servers is not None:
        servers.cleanup()
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(s, indent=1))
    return 1 if s["errors"] or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
