"""Ingest benchmark: cold corpus ingest, no-change re-ingest, one changed document, a synthetic
corpus of 1,000 documents, and a retrieval smoke check (hit@5) over the real corpus.

Every measurement runs in a fresh Python process, so "cold" includes importing torch and
loading the model, exactly as ``permanence ingest`` on a fresh start. Peak memory is the
process's maximum resident set size (``resource.getrusage``). The baseline in the same
run is the floor: embedding the same windows with an already loaded model.

    .venv/bin/python eval/bench_ingest.py                 # everything (synthetic: 1,000 docs)
    .venv/bin/python eval/bench_ingest.py --synthetic-docs 0 --markdown --repeat 1

Targets on 2 CPU cores: cold corpus ingest < 20 s, no-change re-ingest < 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Questions a practitioner asks, and a phrase of the passage that answers each.
# (authority, question, document id, phrase in the answering chunk)
RETRIEVAL_CHECK = [
    ("Wigan", "Who can apply for a special guardianship order?", "wigan-2026-2028", "Any of the following can apply for special guardianship"),
    ("Wigan", "Who may apply for a child arrangements order?", "wigan-2026-2028", "The following people may apply for a Child Arrangements Order"),
    ("Wigan", "When should a child's permanence plan be established?", "wigan-2026-2028", "permanence plan should be established at the four-month review"),
    ("Wigan", "Can a parent become their child's special guardian?", "wigan-2026-2028", "may not become the child's special guardians"),
    ("Wigan", "What is Our Safe Space?", "wigan-2026-2028", "named Our Safe Space"),
    ("Wigan", "How many children were looked after in January 2026?", "wigan-2026-2028", "647 children looked after"),
    ("Wigan", "When is adoption the suitable option?", "wigan-2026-2028", "Adoption is suitable where"),
    ("Wiltshire", "By when should assessments be completed?", "wiltshire", "completed by the second Looked After Review"),
    ("Wiltshire", "When are Regulation 24 placements used?", "wiltshire", "Regulation 24 placements"),
    ("Wiltshire", "Should siblings be placed together?", "wiltshire", "Siblings should be placed together"),
    ("Bolton", "What are the research indicators for successful reunification?", "bolton", "Research indicators for successful re-unification"),
    ("Bolton", "Until what age does a child arrangements order give parental responsibility?", "bolton", "A Child Arrangements Order is made under Section 8"),
    ("Bolton", "When does the second review take place?", "bolton", "no more than 13 weeks after the beginning of the care episode"),
    ("Bolton", "When must the NSPCC reunification assessment model be used?", "bolton", "NSPCC reunification assessment model"),
    ("Bolton", "What are the contra-indications to a local foster placement?", "bolton", "Contra-indications to a local foster care placement"),
    ("Bolton", "Who counts as a close relative?", "bolton", "Definition of Close Relative"),
    ("Luton", "How soon is a child's case considered at a permanency planning meeting?", "luton", "within 4 weeks of them entering Local Authority Care"),
    ("Luton", "What are the disadvantages of a special guardianship order?", "luton", "Special Guardianship Order has the following potential disadvantages"),
    ("Luton", "Who ratifies the care plan for permanence, and when?", "luton", "will ratify the child"),
    ("Luton", "What are the three aspects of permanence?", "luton", "Permanency for children has three particular aspects"),
    ("Luton", "Who chairs the initial permanency planning meeting?", "luton", "The initial PPM is chaired"),
]


# --- workers (run in their own process) ----------------------------------------------------------


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_ingest(data_dir: str, corpus_dir: str | None, rebuild: bool) -> dict:
    from assistant.settings import Settings
    from ingest.pipeline import IngestPipeline

    kw = {"data_dir": data_dir, "qdrant_url": None}
    if corpus_dir:
        kw["corpus_dir"] = corpus_dir
    settings = Settings(**kw)
    report = IngestPipeline(settings).run(progress=False, rebuild=rebuild)
    return {
        "process_s": time.perf_counter() - T_START,
        "pipeline_s": report.seconds,
        "documents": report.documents,
        "ingested": report.ingested,
        "unchanged": report.unchanged,
        "chunks": report.chunks,
        "windows_embedded": report.windows_embedded,
        "failed": report.failed,
        "model_loaded": report.model_loaded,
        "peak_mb": _peak_mb(),
    }


def worker_embed_floor(corpus_dir: str | None) -> dict:
    """Baseline: embed the corpus's windows with a model loaded beforehand."""
    from assistant.components.embedding.embedding_component import get_embedder
    from assistant.corpus import load_corpus
    from assistant.settings import Settings
    from ingest.chunking import chunk_document
    from ingest.documents import parse_file

    settings = Settings(**({"corpus_dir": corpus_dir} if corpus_dir else {}))
    emb = get_embedder(settings)
    t0 = time.perf_counter()
    emb.model
    load_s = time.perf_counter() - t0
    corpus = load_corpus(settings.manifest_path)
    windows = []
    for meta in corpus.documents:
        doc = parse_file(meta, corpus.path_of(meta))
        for plan in chunk_document(doc, emb.count_tokens_batch, settings.chunk_max_tokens, emb.window):
            windows.extend(plan.windows)
    t1 = time.perf_counter()
    emb.embed_documents(windows)
    return {"model_load_s": load_s, "embed_s": time.perf_counter() - t1, "windows": len(windows),
            "tokens": sum(emb.count_tokens_batch(windows)), "peak_mb": _peak_mb()}


def worker_retrieval(data_dir: str) -> dict:
    from assistant.components.vector_store.vector_store_component import VectorStore
    from assistant.settings import Settings

    store = VectorStore(Settings(data_dir=data_dir, qdrant_url=None))
    out = {}
    misses = []
    for mode in ("hybrid", "dense", "sparse"):
        fn = {"hybrid": store.search, "dense": store.dense_search, "sparse": store.sparse_search}[mode]
        hits = 0
        t0 = time.perf_counter()
        for authority, question, doc_id, phrase in RETRIEVAL_CHECK:
            results = fn(question, k=5, authority=authority)
            ok = any(r.chunk.document_id == doc_id and phrase in r.chunk.text for r in results)
            hits += ok
            if not ok and mode == "hybrid":
                misses.append(question)
        out[mode] = {"hit_at_5": hits / len(RETRIEVAL_CHECK), "ms_per_query": 1000 * (time.perf_counter() - t0) / len(RETRIEVAL_CHECK)}
    out["questions"] = len(RETRIEVAL_CHECK)
    out["hybrid_misses"] = misses
    return out


def run_worker(*args: str) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, env=env,
                          cwd=str(REPO))
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- synthetic corpus ---------------------------------------------------------------------------


def build_synthetic_corpus(target: Path, n_docs: int, seed: int = 7) -> None:
    """``n_docs`` policies made from the real ones: each takes 2-4 whole sections of a real
    document, under a unique council name that also replaces the real one in the text."""
    import yaml

    from assistant.corpus import load_corpus
    from assistant.settings import Settings
    from ingest.documents import parse_file

    settings = Settings()
    corpus = load_corpus(settings.manifest_path)
    pieces = []  # per real doc: list of (heading-ish title, section text)
    for meta in corpus.documents:
        doc = parse_file(meta, corpus.path_of(meta))
        secs = doc.sections + [(len(doc.text), ())]
        sections = []
        for (start, path), (end, _) in zip(secs, secs[1:]):
            body = doc.text[start:end].strip()
            if len(body) > 200 and path:
                sections.append((path[-1], body))
        pieces.append((meta, sections))
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(n_docs):
        meta, sections = pieces[i % len(pieces)]
        k = min(len(sections), rng.randint(2, 4))
        chosen = sorted(rng.sample(range(len(sections)), k))
        council = f"Synthshire {i:04d}"
        parts = [f"{council} Permanence Policy {i}"]
        for j, idx in enumerate(chosen, 1):
            heading, body = sections[idx]
            body = body.replace(meta.authority_short, council)
            if not re.match(r"^\d", body):
                body = f"{j}. {heading}\n\n{body}" if not body.startswith(heading) else body
            parts.append(body)
        fname = f"synthetic-{i:04d}.txt"
        (target / fname).write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        entries.append({"id": f"synthetic-{i:04d}", "file": fname, "authority": f"{council} Council",
                        "title": f"{council} Permanence Policy {i}", "version": f"v{i}", "status": "current"})
    (target / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}), encoding="utf-8")


# --- driver ---------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--synthetic-docs", type=int, default=1000, help="size of the synthetic corpus (0: skip)")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown")
    ap.add_argument("--keep", action="store_true", help="keep the temp folders")
    ap.add_argument("--repeat", type=int, default=3,
                    help="cold corpus ingests to run (best is reported: other load on the machine only slows runs down)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        kind, *rest = args.worker
        if kind == "ingest":
            data_dir, corpus_dir, rebuild = rest[0], rest[1] if rest[1] != "-" else None, rest[2] == "1"
            print(json.dumps(worker_ingest(data_dir, corpus_dir, rebuild)))
        elif kind == "floor":
            print(json.dumps(worker_embed_floor(rest[0] if rest and rest[0] != "-" else None)))
        elif kind == "retrieval":
            print(json.dumps(worker_retrieval(rest[0])))
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    rows: list[tuple[str, str, str, str, str, str]] = []  # scenario, docs, chunks, seconds, chunks/s, peak MB
    notes: list[str] = []

    def row(name, r, seconds_key="process_s"):
        secs = r[seconds_key]
        rate = f"{r['chunks'] / secs:.1f}" if r.get("ingested") else "-"
        rows.append((name, str(r["documents"]), str(r["chunks"]), f"{secs:.2f}", rate, f"{r['peak_mb']:.0f}"))

    try:
        print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)", file=sys.stderr)
        # 1. real corpus, cold (fresh process: imports + model load included)
        colds = []
        for i in range(args.repeat):
            data = tmp / f"corpus-data-{i}"
            colds.append(run_worker("ingest", str(data), "-", "0"))
        cold = min(colds, key=lambda r: r["process_s"])
        row("corpus: cold ingest (model load incl.)", cold)
        times = sorted(r["process_s"] for r in colds)
        notes.append(f"cold ingest: pipeline {cold['pipeline_s']:.2f} s of {cold['process_s']:.2f} s process time; "
                     f"{cold['windows_embedded']} windows embedded"
                     + (f"; {len(times)} runs, best {times[0]:.1f} s, median {times[len(times) // 2]:.1f} s, "
                        f"worst {times[-1]:.1f} s" if len(times) > 1 else ""))
        # 2. no change
        again = run_worker("ingest", str(data), "-", "0")
        row("corpus: no-change re-ingest (process)", again)
        notes.append(f"no-change re-ingest: pipeline {again['pipeline_s']:.3f} s, model loaded: {again['model_loaded']}")
        # 3. one document changed (a copy of the corpus with one paragraph appended)
        corpus_copy = tmp / "corpus-copy"
        shutil.copytree(REPO / "policies_corpus", corpus_copy, ignore=shutil.ignore_patterns("rules"))
        data2 = tmp / "corpus-copy-data"
        run_worker("ingest", str(data2), str(corpus_copy), "0")
        wilts = corpus_copy / "wiltshire-permanence-guidance.txt"
        wilts.chmod(0o644)
        wilts.write_text(wilts.read_text(encoding="utf-8") + "\n9. Review\nThis guidance is reviewed every year.\n", encoding="utf-8")
        changed = run_worker("ingest", str(data2), str(corpus_copy), "0")
        row("corpus: one document changed", changed)
        notes.append(f"one changed document: {changed['windows_embedded']} window(s) re-embedded, "
                     f"{changed['unchanged']} documents copied")
        # baseline: the embedding floor
        floor = run_worker("floor", "-")
        rows.append(("baseline: embed the same windows (model warm)", "5", str(cold["chunks"]), f"{floor['embed_s']:.2f}",
                     f"{cold['chunks'] / floor['embed_s']:.1f}", f"{floor['peak_mb']:.0f}"))
        notes.append(f"baseline: model load {floor['model_load_s']:.2f} s; {floor['windows']} windows, {floor['tokens']} word pieces "
                     f"embedded in {floor['embed_s']:.2f} s")
        # 4. synthetic corpus
        if args.synthetic_docs:
            syn = tmp / "synthetic"
            build_synthetic_corpus(syn, args.synthetic_docs)
            syn_data = tmp / "synthetic-data"
            s1 = run_worker("ingest", str(syn_data), str(syn), "0")
            row(f"synthetic {args.synthetic_docs} docs: cold ingest", s1)
            s2 = run_worker("ingest", str(syn_data), str(syn), "0")
            row(f"synthetic {args.synthetic_docs} docs: no-change re-ingest", s2)
            notes.append(f"synthetic: cold pipeline {s1['pipeline_s']:.1f} s ({s1['windows_embedded']} windows); "
                         f"no-change pipeline {s2['pipeline_s']:.2f} s of {s2['process_s']:.2f} s process time")
            if s1["failed"]:
                notes.append(f"synthetic failures: {s1['failed'][:3]}")
        # 5. retrieval smoke check over the real corpus index
        ret = run_worker("retrieval", str(data))
        notes.append("retrieval hit@5 over {n} questions: hybrid {h:.0%}, dense {d:.0%}, sparse {s:.0%} "
                     "({ms:.0f} ms/query hybrid)".format(n=ret["questions"], h=ret["hybrid"]["hit_at_5"],
                                                          d=ret["dense"]["hit_at_5"], s=ret["sparse"]["hit_at_5"],
                                                          ms=ret["hybrid"]["ms_per_query"]))
        if ret["hybrid_misses"]:
            notes.append(f"hybrid misses: {ret['hybrid_misses']}")
        notes.append(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}", file=sys.stderr)

    header = ("scenario", "docs", "chunks", "seconds", "chunks/s", "peak MB")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" for _ in header) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()
        for n in notes:
            print(f"- {n}")
    else:
        from rich.console import Console
        from rich.table import Table

        t = Table(title="Ingest benchmark (targets: cold < 20 s, no-change < 3 s)")
        for h in header:
            t.add_column(h, justify="left" if h == "scenario" else "right")
        for r in rows:
            t.add_row(*r)
        Console().print(t)
        for n in notes:
            print(f"  - {n}")


if __name__ == "__main__":
    main()
