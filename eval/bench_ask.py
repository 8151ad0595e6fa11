"""Warm /ask latency over HTTP (FastAPI TestClient, in process), with a baseline in the same run.

Questions: the gold set's non-rule questions (single turn), or --questions FILE (one per
line). After a warm-up, each question is POSTed to /ask in turn; the figures are p50, p95,
mean and max of the wall time per request. The baseline, on the same questions and index,
is a bare ``VectorStore.search`` (embedding + hybrid search, no answering), so the report
shows what answering adds on top of search.

    .venv/bin/python eval/bench_ask.py [--data-dir DIR] [--rounds 2] [--engine extractive]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[i]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--questions", type=Path, default=None, help="one question per line (default: gold set)")
    ap.add_argument("--rounds", type=int, default=2, help="passes over the questions")
    ap.add_argument("--engine", default="extractive")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from assistant.server.app import create_app
    from assistant.services import get_services
    from assistant.settings import Settings

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    if args.questions:
        questions = [q.strip() for q in args.questions.read_text(encoding="utf-8").splitlines() if q.strip()]
    else:
        from assistant.evaluation.gold import load_gold

        questions = [it.question for it in load_gold(settings.gold_dir) if it.kind != "rule" and not it.turns]
    client = TestClient(create_app(settings))
    services = get_services(settings)
    t0 = time.perf_counter()
    services.warm_up()
    for q in questions[:5]:
        client.post("/ask", json={"question": q, "engine": args.engine})
    warm_s = time.perf_counter() - t0

    search_ms: list[float] = []
    ask_ms: list[float] = []
    server_ms: list[float] = []
    refused = 0
    # Baseline first, in its own pass: interleaving it with HTTP calls made each side pay
    # for the other's torch threads still spinning.
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            services.store.search(q, k=settings.top_k)
            search_ms.append((time.perf_counter() - t) * 1000)
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            r = client.post("/ask", json={"question": q, "engine": args.engine})
            ask_ms.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                print(f"HTTP {r.status_code} for {q!r}: {r.text[:200]}", file=sys.stderr)
                continue
            body = r.json()
            refused += body["refused"]
            server_ms.append(body["timings_ms"].get("total", 0.0))

    import torch

    print(f"questions: {len(questions)} x {args.rounds} rounds, engine {args.engine}, "
          f"torch threads {torch.get_num_threads()}, warm-up {warm_s:.1f} s, refused {refused}")
    print(f"{'':<34}{'p50':>8}{'p95':>8}{'mean':>8}{'max':>8}   (ms)")
    for name, xs in (("baseline VectorStore.search", search_ms), ("/ask over HTTP (TestClient)", ask_ms),
                     ("/ask server-side timings_ms", server_ms)):
        print(f"{name:<34}{pct(xs, 50):>8.1f}{pct(xs, 95):>8.1f}{statistics.fmean(xs):>8.1f}{max(xs):>8.1f}")
    print("targets: /ask p50 < 150 ms, p95 < 400 ms (2 CPU cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
