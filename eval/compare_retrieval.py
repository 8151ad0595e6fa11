"""Retrieval of this assistant vs the two baselines, on the gold questions (issue 3).

    .venv/bin/python eval/compare_retrieval.py [--data-dir DIR] [--with-ask] [--kinds ...]

(a) the assistant's retrieval (hybrid dense + sparse in Qdrant, glossary expansion, authority
    and version scoping, lexical re-ranking) or, with --with-ask, the whole ``/ask`` path;
(b) a plain llama-index ``VectorStoreIndex``, same embedder, default chunking (1,024 tokens);
(c) BM25 alone (rank-bm25) over the assistant's chunks.
Prints hit@1/5/10, MRR, nDCG@10 and latency p50/p95 per engine, on the same questions, in
the same process (same machine load for all). Needs the index: `permanence ingest` first.
A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, help="index folder (default: settings / PERMANENCE_DATA_DIR)")
    ap.add_argument("--with-ask", action="store_true", help="measure the whole /ask path (AskService) as engine (a)")
    ap.add_argument("--kinds", nargs="*", help="only these gold kinds")
    ap.add_argument("--output", type=Path, help="also write a run folder (run.json, summary.md, report.html) here")
    ap.add_argument("--torch-threads", type=int, default=1, help="torch threads (default 1; 0 = torch's default)")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from assistant.evaluation.runner import run_eval
    from assistant.settings import Settings

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    first = "assistant" if args.with_ask else "retrieval"
    out = args.output or Path(os.environ.get("TMPDIR", "/tmp")) / f"compare-retrieval-{int(time.time())}"
    t0 = time.perf_counter()
    run = run_eval(settings, engines=[first, "llamaindex", "bm25"], kinds=args.kinds, output=out,
                   thresholds_path=None, progress=sys.stderr.isatty(), torch_threads=args.torch_threads or None)
    total = time.perf_counter() - t0

    console = Console() if sys.stdout.isatty() else Console(width=140)
    items = run.data["gold_items"]
    answerable = sum(1 for r in run.data["engines"][first]["items"] if r["scores"]["hit_at_5"] is not None)
    table = Table(title=f"Retrieval on {answerable} answerable gold questions (of {items}); whole run {total:.1f} s")
    for col in ("engine", "chunks", "build s", "hit@1", "hit@5", "hit@10", "MRR", "nDCG@10", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col == "engine" else "right")
    for name, eng in run.data["engines"].items():
        s = eng["summary"]
        f = lambda k, d=3: "-" if s.get(k) is None else f"{s[k]:.{d}f}"  # noqa: E731
        table.add_row(name, str(eng.get("chunks") or "-"), f"{eng['build_s']:.1f}", f("hit_at_1"), f("hit_at_5"),
                      f("hit_at_10"), f("mrr"), f("ndcg_at_10"), f("latency_p50_ms", 1), f("latency_p95_ms", 1))
    console.print(table)
    s = {k: v["summary"] for k, v in run.data["engines"].items()}
    ahead = all((s[first]["hit_at_5"] or 0) > (s[b]["hit_at_5"] or 0) for b in ("llamaindex", "bm25"))
    console.print(f"{first} hit@5 {s[first]['hit_at_5']:.3f}: "
                  + ("ahead of both baselines" if ahead else "[red]NOT ahead of both baselines[/red]")
                  + f"; target 0.95 {'met' if (s[first]['hit_at_5'] or 0) >= 0.95 else '[red]not met[/red]'}")
    console.print(f"run folder: {run.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
