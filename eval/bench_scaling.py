"""How ingest and /ask grow with the size of the corpus: the real corpus, then 100, 1,000
and 10,000 documents. Writes ``eval/reports/performance.md`` and ``performance.png``.

    .venv/bin/python eval/bench_scaling.py                      # corpus,100,1000,10000
    .venv/bin/python eval/bench_scaling.py --sizes corpus,100   # a quick run
    .venv/bin/python eval/bench_scaling.py --baseline-rev ''     # without the baseline

Beside the current code, each size is also run by the code of ``--baseline-rev`` (default:
the last commit before Qdrant Edge, whose embedded index was qdrant-client's local mode
searched through a numpy copy), extracted with ``git archive`` and run in its own child
processes on its own index, so the two paths are compared in one run on one machine load.

Each size runs in two fresh child processes, so peak memory (``ru_maxrss``) belongs to
one stage: ``ingest`` (model load, cold ingest, then a no-change re-ingest) and ``serve``
(open the index, first answer, then timed ``POST /ask`` through the real FastAPI app
in-process, one request at a time, so latency is service time, not queueing).

Synthetic documents (see ``build_corpus``) are cut from the five real policies and
varied so that no two are alike. The synthetic corpora always contain the five real
documents too, so the same questions keep their real answers at every size; the report
gives how often the first citation still comes from the same document as with the real
corpus alone (a baseline in the same run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SYNTH_CHARS = 600  # per synthetic document: one or two chunks, so 10,000 stay feasible on 2 cores

# Asked at every size. Most name a real authority (their answers must not drift as the
# corpus grows); a few name none (searched across every document) and one names a
# synthetic council.
QUESTIONS: list[tuple[str, str | None]] = [
    ("Who can apply for a special guardianship order?", "wigan"),
    ("When must the permanence plan be agreed?", "bolton"),
    ("What is a family group conference?", "luton"),
    ("What are the objectives of permanence planning?", "wiltshire"),
    ("What is early permanence?", "wigan"),
    ("What does legal permanence mean?", "wiltshire"),
    ("What is the role of the independent reviewing officer in permanence planning?", "bolton"),
    ("When is long-term fostering suitable?", "luton"),
    ("What support is available to special guardians?", "wigan"),
    ("What is a child arrangements order?", "bolton"),
    ("What is concurrent planning?", None),
    ("How should brothers and sisters be placed together?", None),
    ("What is a permanence planning meeting?", None),
    ("Who may apply for special guardianship in {synthetic}?", "{synthetic}"),
]

_AUTH_PARTS = (
    ["Ald", "Bram", "Cal", "Dun", "East", "Fen", "Glen", "Hart", "Ives", "Kings", "Lang", "Mar", "Nor",
     "Oak", "Pen", "Queens", "Ross", "Sand", "Thorn", "Wey"],
    ["bury", "ford", "ham", "ley", "mouth", "stow", "wick", "worth", "field", "dale"],
)


# --- synthetic corpora ------------------------------------------------------------------


def authority_names(n: int) -> list[str]:
    """``n`` distinct council names whose first word (the short name) is unique."""
    out = []
    for i in range(n):
        a, b = _AUTH_PARTS[0][i % 20], _AUTH_PARTS[1][(i // 20) % 10]
        suffix = "" if i < 200 else f"-{i // 200}"
        out.append(f"{a}{b}{suffix} Council")
    return out


def _real_documents(settings) -> list[tuple[dict, str]]:
    import yaml

    from ingest.documents import parse_file
    from assistant.corpus import load_corpus

    corpus = load_corpus(settings.manifest_path)
    raw = yaml.safe_load(settings.manifest_path.read_text(encoding="utf-8"))["documents"]
    out = []
    for entry, meta in zip(raw, corpus.documents):
        out.append((entry, parse_file(meta, corpus.path_of(meta)).text))
    return out


_CONTENTS = re.compile(r"^\s*contents\s*$|_{3,}|\.{4,}|\*\*\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\d.])\b(\d{1,2})\b(?![\d.])")


def synthetic_text(source: str, source_authority_short: str, authority: str, i: int, rng: random.Random) -> str:
    """One small synthetic policy note cut from a real document (see the report's method)."""
    lines = [ln for ln in source.split("\n") if ln.strip()]
    for _ in range(20):  # a contents page is not content (ingest drops it): cut elsewhere
        start = rng.randrange(0, max(1, len(lines) - 8))
        body: list[str] = []
        size = 0
        for ln in lines[start:]:
            if size + len(ln) > SYNTH_CHARS and body:
                break
            body.append(ln)
            size += len(ln) + 1
        if not any(_CONTENTS.search(ln) for ln in body):
            break
    short = authority.split()[0]
    shift = 1 + i % 9
    text = "\n".join(body)
    text = re.sub(re.escape(source_authority_short), short, text, flags=re.IGNORECASE)
    text = _NUMBER.sub(lambda m: str(int(m.group(1)) + shift), text)
    title = f"{short} Permanence Practice Note {i}"
    return f"{title}\n1. Scope of note {i}\n{text}\n"


def build_corpus(dest: Path, n_docs: int, seed: int = 7) -> dict:
    """A corpus folder of ``n_docs`` documents: the five real ones plus synthetic notes.

    Returns a description (documents, synthetic, authorities, bytes)."""
    import yaml

    from assistant.settings import Settings

    base = Settings()
    src_dir = base.resolve(base.corpus_dir)
    dest.mkdir(parents=True, exist_ok=True)
    real = _real_documents(base)
    entries = []
    for entry, _ in real:
        shutil.copyfile(src_dir / entry["file"], dest / entry["file"])
        entries.append(entry)
    for extra in ("glossary.yaml",):
        if (src_dir / extra).exists():
            shutil.copyfile(src_dir / extra, dest / extra)
    if (src_dir / "rules").is_dir():
        shutil.copytree(src_dir / "rules", dest / "rules", dirs_exist_ok=True)
    n_syn = max(0, n_docs - len(real))
    n_auth = max(1, -(-n_syn // 20))  # about twenty notes per synthetic council
    names = authority_names(n_auth)
    rng = random.Random(seed)
    total = 0
    for i in range(n_syn):
        entry, text = real[i % len(real)]
        authority = names[i % n_auth]
        body = synthetic_text(text, entry["authority"].split()[0], authority, i, rng)
        fname = f"syn-{i:05d}.txt"
        (dest / fname).write_text(body, encoding="utf-8")
        total += len(body.encode())
        entries.append({
            "id": f"syn-{i:05d}", "file": fname, "authority": authority,
            "title": body.split("\n", 1)[0], "version": f"v{1 + i % 5}", "date": "2025-01-01",
            "status": "current", "supersedes": None, "source_format": "txt",
        })
    (dest / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}, sort_keys=False), encoding="utf-8")
    real_bytes = sum(len(t.encode()) for _, t in real)
    return {"documents": len(entries), "synthetic": n_syn, "synthetic_authorities": n_auth if n_syn else 0,
            "first_synthetic_authority": names[0] if n_syn else None, "bytes": real_bytes + total}


# --- child stages ------------------------------------------------------------------------


def _cpu_s() -> float:
    """CPU seconds of this process (all threads): less sensitive than wall time to other jobs."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(corpus: Path, data: Path) -> dict:
    from assistant.components.embedding.embedding_component import get_embedder
    from assistant.settings import Settings
    from ingest.pipeline import IngestPipeline

    settings = Settings(corpus_dir=corpus, data_dir=data)
    t0 = time.perf_counter()
    get_embedder(settings).embed_query("load the model")
    model_s = time.perf_counter() - t0
    t1, c1 = time.perf_counter(), _cpu_s()
    report = IngestPipeline(settings).run(progress=False)
    ingest_s, ingest_cpu_s = time.perf_counter() - t1, _cpu_s() - c1
    peak = _peak_mb()
    t2 = time.perf_counter()
    again = IngestPipeline(settings).run(progress=False)
    reingest_s = time.perf_counter() - t2
    disk = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
    # one real policy edited: a new build from points files + embedding cache, one window embedded
    import yaml

    entry = next(d for d in yaml.safe_load((corpus / "manifest.yaml").read_text())["documents"] if d["id"] == "wiltshire")
    path = corpus / entry["file"]
    path.write_text(path.read_text(encoding="utf-8") + "\n7. Review\n\nThis note was added by the benchmark.\n",
                    encoding="utf-8")
    t3 = time.perf_counter()
    changed = IngestPipeline(settings).run(progress=False)
    changed_s = time.perf_counter() - t3
    return {
        "model_load_s": model_s, "ingest_s": ingest_s, "ingest_cpu_s": ingest_cpu_s, "documents": report.documents, "chunks": report.chunks,
        "windows": report.windows_embedded, "failed": report.failed[:5], "n_failed": len(report.failed),
        "peak_rss_mb": peak, "noop_reingest_s": reingest_s, "noop_built": again.built, "disk_mb": disk / 1e6,
        "one_changed_reingest_s": changed_s, "one_changed_windows": changed.windows_embedded,
    }


def child_serve(corpus: Path, data: Path, rounds: int, synthetic: str | None) -> dict:
    from fastapi.testclient import TestClient

    from assistant.server.app import create_app
    from assistant.settings import Settings

    settings = Settings(corpus_dir=corpus, data_dir=data)
    t0 = time.perf_counter()
    client = TestClient(create_app(settings))
    qs = []
    for q, a in QUESTIONS:
        if "{synthetic}" in q or a == "{synthetic}":
            if not synthetic:
                continue
            short = synthetic.split()[0]
            q, a = q.replace("{synthetic}", short), short
        qs.append((q, a))
    r = client.post("/ask", json={"question": qs[0][0], "authority": qs[0][1]})
    first_s = time.perf_counter() - t0
    if r.status_code != 200:
        return {"error": f"first /ask: HTTP {r.status_code}: {r.text[:300]}"}
    latencies: list[float] = []
    cpu_ms: list[float] = []
    stages: dict[str, list[float]] = {}  # the service's own timings_ms per stage
    errors = 0
    first_doc: dict[str, str | None] = {}
    refused = 0
    for rnd in range(rounds):
        for q, a in qs:
            t, c = time.perf_counter(), _cpu_s()
            r = client.post("/ask", json={"question": q, "authority": a})
            latencies.append((time.perf_counter() - t) * 1000)
            cpu_ms.append((_cpu_s() - c) * 1000)
            if r.status_code != 200:
                errors += 1
                continue
            body = r.json()
            for key, ms in body.get("timings_ms", {}).items():
                stages.setdefault(key, []).append(ms)
            if rnd == 0:
                refused += body["refused"]
                first_doc[q] = body["citations"][0]["document_id"] if body["citations"] else None
    latencies.sort()
    # a CLI beside this running service, on the same data folder (embedded local mode refused it)
    env = dict(os.environ, PERMANENCE_DATA_DIR=str(data), PERMANENCE_CORPUS_DIR=str(corpus), PYTHONPATH=str(REPO))
    t = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "assistant.cli", "search", "permanence plan", "--json", "--k", "3"],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    cli_s = time.perf_counter() - t
    return {
        "cli_beside_s": cli_s, "cli_beside_exit": cli.returncode,
        "startup_first_answer_s": first_s, "requests": len(latencies), "errors": errors, "refused": refused,
        "p50_ms": _pct(latencies, 50), "p95_ms": _pct(latencies, 95), "max_ms": latencies[-1],
        "mean_ms": statistics.fmean(latencies), "cpu_ms_p50": _pct(sorted(cpu_ms), 50),
        "stages_p50_ms": {k: statistics.median(v) for k, v in stages.items()},
        "first_doc": first_doc, "peak_rss_mb": _peak_mb(),
    }


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


# --- driver -------------------------------------------------------------------------------


def _run_child(args: list[str], timeout_s: float, script: Path | None = None) -> dict:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    cmd = [sys.executable, str(script or __file__), *args, "--json-out", str(out)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, timeout=timeout_s, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout_s:.0f} s", "wall_s": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists() or not out.read_text():
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] if proc.stderr else ''}",
                "wall_s": wall}
    data = json.loads(out.read_text())
    out.unlink(missing_ok=True)
    data["wall_s"] = wall
    return data


def _load() -> float:
    return os.getloadavg()[0]


def _disk_used_mb(folder: Path) -> float:
    """Blocks in use, not file sizes: Edge's memory-mapped files are sparse (122 MB apparent, 1.4 MB used
    for the real corpus)."""
    return sum(f.stat().st_blocks * 512 for f in folder.rglob("*") if f.is_file()) / 1e6 if folder.exists() else float("nan")


def baseline_tree(rev: str, work: Path) -> Path:
    """The repository at ``rev`` (``git archive``), to run its own bench children."""
    dest = work / f"baseline-{rev}"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def run(sizes: list[str], work: Path, rounds: int, timeout_s: float, log, baseline: Path | None = None) -> list[dict]:
    results = []
    for size in sizes:
        n = 5 if size == "corpus" else int(size)
        label = "real corpus" if size == "corpus" else f"{n:,} documents"
        corpus, data = work / f"corpus-{size}", work / f"data-{size}"
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
        t = time.perf_counter()
        desc = build_corpus(corpus, n)
        desc["build_s"] = time.perf_counter() - t
        log(f"[{label}] corpus built: {desc['documents']} documents, {desc['bytes'] / 1e6:.1f} MB, load {_load():.1f}")
        load_before = _load()
        ing = _run_child(["_ingest", str(corpus), str(data)], timeout_s)
        log(f"[{label}] ingest: {json.dumps({k: v for k, v in ing.items() if k != 'failed'})}")
        srv = {"error": "skipped: ingest failed"} if "error" in ing else _run_child(
            ["_serve", str(corpus), str(data), str(rounds), desc.get("first_synthetic_authority") or ""], timeout_s)
        log(f"[{label}] serve: {json.dumps({k: v for k, v in srv.items() if k != 'first_doc'})}")
        result = {"size": size, "label": label, "corpus": desc, "ingest": ing, "serve": srv,
                  "load_before": load_before, "load_after": _load()}
        ing["disk_used_mb"] = _disk_used_mb(data)
        if baseline is not None:
            # the same corpus (rebuilt: the ingest child edited one policy) through the old code
            shutil.rmtree(corpus, ignore_errors=True)
            build_corpus(corpus, n)
            bdata = work / f"data-{size}-baseline"
            shutil.rmtree(bdata, ignore_errors=True)
            script = baseline / "eval" / "bench_scaling.py"
            b_ing = _run_child(["_ingest", str(corpus), str(bdata)], timeout_s, script)
            log(f"[{label}] baseline ingest: {json.dumps({k: v for k, v in b_ing.items() if k != 'failed'})}")
            b_srv = {"error": "skipped: ingest failed"} if "error" in b_ing else _run_child(
                ["_serve", str(corpus), str(bdata), str(rounds), desc.get("first_synthetic_authority") or ""],
                timeout_s, script)
            log(f"[{label}] baseline serve: {json.dumps({k: v for k, v in b_srv.items() if k != 'first_doc'})}")
            b_ing["disk_used_mb"] = _disk_used_mb(bdata)
            result["baseline"] = {"ingest": b_ing, "serve": b_srv}
            shutil.rmtree(bdata, ignore_errors=True)
        results.append(result)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)
    return results


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in results if "error" not in r["ingest"]]
    xs = [r["corpus"]["documents"] for r in ok]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    axes[0].plot(xs, [r["ingest"]["ingest_s"] for r in ok], "o-", label="cold ingest (model loaded)")
    axes[0].plot(xs, [r["ingest"]["noop_reingest_s"] for r in ok], "s--", label="no-change re-ingest")
    axes[0].set_ylabel("seconds")
    axes[0].set_title("Ingest time")
    axes[1].plot(xs, [r["ingest"]["peak_rss_mb"] for r in ok], "o-", label="ingest process")
    srv = [r for r in ok if "error" not in r["serve"]]
    axes[1].plot([r["corpus"]["documents"] for r in srv], [r["serve"]["peak_rss_mb"] for r in srv], "s--",
                 label="serving process")
    axes[1].set_ylabel("peak RSS, MB")
    axes[1].set_title("Peak memory")
    axes[2].plot([r["corpus"]["documents"] for r in srv], [r["serve"]["p50_ms"] for r in srv], "o-", label="p50")
    axes[2].plot([r["corpus"]["documents"] for r in srv], [r["serve"]["p95_ms"] for r in srv], "s--", label="p95")
    axes[2].set_ylabel("ms")
    axes[2].set_title("POST /ask latency (one client)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("documents in the corpus (log scale)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _f(v, fmt="{:.1f}") -> str:
    return "n/a" if v is None or (isinstance(v, float) and v != v) else fmt.format(v)


def report(results: list[dict], out: Path, png: Path, argv: list[str], started: str, seconds: float) -> str:
    base = next((r for r in results if r["size"] == "corpus" and "first_doc" in r["serve"]), None)
    rows = []
    for r in results:
        c, i, s = r["corpus"], r["ingest"], r["serve"]
        if "error" in i:
            rows.append(f"| {r['label']} | {c['documents']:,} | {c['bytes'] / 1e6:.1f} | ingest: {i['error']} | | | | | | | | | | |")
            continue
        rate = i["chunks"] / i["ingest_s"] if i["ingest_s"] else float("nan")
        same = "n/a"
        if base and "first_doc" in s and r is not base:
            keys = [q for q in base["serve"]["first_doc"] if q in s["first_doc"]]
            if keys:
                same = f"{sum(base['serve']['first_doc'][q] == s['first_doc'][q] for q in keys)}/{len(keys)}"
        srv = (f"{_f(s.get('p50_ms'), '{:.0f}')} | {_f(s.get('p95_ms'), '{:.0f}')} | {_f(s.get('cpu_ms_p50'), '{:.0f}')} | "
               f"{_f(s.get('startup_first_answer_s'))} | "
               f"{_f(s.get('peak_rss_mb'), '{:.0f}')} | {s.get('errors', 'n/a')} | {same}") if "error" not in s else \
            f"{s['error']} | | | | | |"
        rows.append(
            f"| {r['label']} | {c['documents']:,} | {c['bytes'] / 1e6:.1f} | {i['chunks']:,} ({i['windows']:,}) | "
            f"{i['ingest_s']:.1f} ({_f(i.get('ingest_cpu_s'))}) | {rate:.1f} | {i['peak_rss_mb']:.0f} | {i['noop_reingest_s']:.2f} | {srv} |"
        )
    loads = ", ".join(f"{r['label']}: {r['load_before']:.1f} -> {r['load_after']:.1f}" for r in results)
    failed = [f"{r['label']}: {r['ingest']['n_failed']} failed, e.g. {r['ingest']['failed'][:2]}"
              for r in results if r["ingest"].get("n_failed")]
    text = f"""# Performance and scaling

Generated by `{' '.join(['.venv/bin/python', 'eval/bench_scaling.py', *argv])}` on {started} UTC
({seconds / 60:.1f} min in all). Machine: {os.cpu_count()} CPU cores, {platform.python_implementation()}
{platform.python_version()}, {platform.machine()}; embedded Qdrant Edge (one write-once shard per build), the extractive engine,
all-MiniLM-L6-v2 on CPU. Load average (1 min) before -> after each size: {loads}. This machine was shared
with other work during the run: a load above 2 means the figures include waiting for a core.

![ingest time, peak memory and /ask latency against corpus size]({png.name})

| corpus | documents | text MB | chunks (embedded windows) | cold ingest s (CPU s) | chunks/s | ingest peak MB | no-change re-ingest s | /ask p50 ms | /ask p95 ms | /ask CPU ms p50 | start + first answer s | serve peak MB | /ask errors | first citation as with the real corpus |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

- *CPU* figures are the process's own CPU time (all its threads): they move much less than wall
  time when other jobs compete for the two cores.
- *cold ingest* is a fresh data folder, the model already loaded (its load is timed apart:
  {', '.join(_f(r['ingest'].get('model_load_s')) + ' s' for r in results if 'error' not in r['ingest'])});
  *no-change re-ingest* runs the pipeline again on the same files (fingerprints only).
- */ask* is timed through the FastAPI app in-process (TestClient), one request at a time, the
  {len(QUESTIONS)} questions of `QUESTIONS` in `eval/bench_scaling.py` (those naming a real council, a few naming none,
  one naming a synthetic council), repeated per the `--rounds` flag after one warm-up answer. *start + first answer*
  is a fresh process opening the index and answering once (model load, index load, term statistics).
- *first citation as with the real corpus*: for the questions answered at every size, how often the first
  citation comes from the same document as with the five real documents alone. Synthetic notes are cut
  from the real policies, so a question without a named council may legitimately be answered from one.
{('- Ingest failures: ' + '; '.join(failed)) if failed else ''}

## Qdrant Edge against the path it replaced, in the same run

{{baseline_table}}

## Where the time of one /ask goes

Medians of the service's own `timings_ms` (the same requests as above), in ms:

{{stage_table}}

## How the synthetic corpora are built

`build_corpus(dest, n)` copies the five real policies with their manifest entries, then adds `n - 5`
synthetic policy notes. Note `i` is cut from real document `i mod 5` (its normalised text): from a
seeded-random line, consecutive non-blank lines up to {SYNTH_CHARS} characters (cut again elsewhere
when the cut holds a contents page, which ingest drops). The council name of the
source ("Wigan", "Bolton", ...) is replaced by the note's own synthetic council (about twenty notes per
council, names such as "Aldbury Council", "Brambury Council"...; beyond 200 councils a suffix "-k" keeps short
names unique), every standalone one- or two-digit number is raised by `1 + i mod 9` ("13 weeks" -> "17 weeks"),
and a title line and a numbered heading carrying `i` are prefixed. So no two notes have the same text (nothing
is trivially de-duplicated or cached), each is one or two chunks, and each has its own manifest entry
(status current, version v1-v5).

## What grows, and why

{{growth}}

## When a council outgrows one machine

What is here is sized for one machine: the embedded index is a Qdrant Edge shard per build under
`data_dir/index` that any number of processes on that machine read (ingest writes a new shard and switches a
pointer file), the embedder lives in each process, and the state is in files under `data_dir`. To scale out:

- **Index: a Qdrant server or cluster.** Set `PERMANENCE_QDRANT_URL` (and `PERMANENCE_QDRANT_API_KEY`); the same
  code then talks to the server (the same payload indexes, HNSW), which serves API processes on many machines. Ingest still builds a new versioned collection and moves the alias, so readers never see a half-built
  index; a cluster adds replication (a node can fail) and sharding (an index larger than one machine's memory).
- **API: several workers behind a load balancer.** With a Qdrant server, `uvicorn --workers N` on one machine or
  several machines behind a load balancer each load their own embedder (about 0.3-0.5 GB per process) and answer
  independently; /ask is CPU-bound (query embedding, re-ranking, answer assembly), so throughput grows with cores.
- **Sessions** are in memory per process today (`SessionStore`), so a follow-up must reach the same worker: use
  sticky sessions at the load balancer, or move sessions to a shared store (Redis or the database below) keyed by
  the session id, with the same turn limit and expiry.
- **Feedback and the policy-gap log** are SQLite files under `data_dir` (WAL mode: safe for threads and for several
  processes on one machine, not for several machines or a network file system). With several machines they move
  to a server database (PostgreSQL): the tables are small and the services are the only code that touches them.
- **Document texts** (`data_dir/docstore`, immutable files named by fingerprint, and `index_state.json`) are what
  citations are cut from: every API machine needs them, so ingest publishes them to shared storage (an object store
  or a read-only shared volume) next to the Qdrant collection it built, and each worker reloads a document's text
  when a chunk's offsets no longer match the text it holds (as it already does after a re-ingest).
- **Ingest** becomes a job run on one machine (or a queue of them) that writes to the server; embedding is the
  cost that grows linearly with new or changed text (unchanged text takes its vector from the embedding cache).
"""
    return text


def _baseline_table(results: list[dict], rev: str) -> str:
    rows = [r for r in results if "baseline" in r]
    if not rows:
        return "(no baseline run: `--baseline-rev ''`)"
    metrics = [
        ("start + first answer s", "serve", "startup_first_answer_s", "{:.1f}"),
        ("serve peak MB", "serve", "peak_rss_mb", "{:.0f}"),
        ("/ask p50 ms", "serve", "p50_ms", "{:.0f}"),
        ("/ask p95 ms", "serve", "p95_ms", "{:.0f}"),
        ("/ask CPU ms p50", "serve", "cpu_ms_p50", "{:.0f}"),
        ("cold ingest s (model loaded)", "ingest", "ingest_s", "{:.1f}"),
        ("ingest peak MB", "ingest", "peak_rss_mb", "{:.0f}"),
        ("no-change re-ingest s", "ingest", "noop_reingest_s", "{:.2f}"),
        ("data folder on disk MB (blocks used, after the runs above)", "ingest", "disk_used_mb", "{:.1f}"),
    ]
    head = "| measure | " + " | ".join(f"{r['label']}: Edge / before / ratio" for r in rows) + " |"
    lines = [head, "|---|" + "---|" * len(rows)]
    for name, stage, key, fmt in metrics:
        cells = []
        for r in rows:
            a, b = r[stage].get(key), r["baseline"][stage].get(key)
            ratio = f"{a / b:.2f}x" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "–"
            cells.append(f"{_f(a, fmt)} / {_f(b, fmt)} / {ratio}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    beside = [f"{r['label']}: exit {r['serve'].get('cli_beside_exit')} in {_f(r['serve'].get('cli_beside_s'))} s"
              for r in rows if "cli_beside_s" in r["serve"]]
    changed = [f"{r['label']}: {_f(r['ingest'].get('one_changed_reingest_s'), '{:.2f}')} s "
               f"({r['ingest'].get('one_changed_windows')} windows embedded)"
               for r in rows if "one_changed_reingest_s" in r["ingest"]]
    return "\n".join(lines) + f"""

*before* is the code of `{rev}` (qdrant-client local mode, searched through a numpy copy of the collection
built at start-up), run on the same corpus in its own child processes; a ratio under 1 means Edge is smaller
or faster. `permanence search` run beside the serving process on the same data folder (it could not open the
index at all before): {'; '.join(beside) or 'n/a'}. One policy edited, then `ingest` (a new build from the
points files and the embedding cache, beside the live one): {'; '.join(changed) or 'n/a'}."""


_STAGES = [("retrieve_search", "search (query embedding + index)"), ("retrieve_rerank", "re-rank"),
           ("retrieve_analyse", "question analysis"), ("answer", "answer assembly"), ("total", "total in the service")]


def _stage_table(results: list[dict]) -> str:
    rows = [r for r in results if "stages_p50_ms" in r["serve"]]
    if not rows:
        return "(no size answered)"
    head = "| stage | " + " | ".join(r["label"] for r in rows) + " |"
    sep = "|---|" + "---|" * len(rows)
    lines = [head, sep]
    for key, name in _STAGES:
        vals = [r["serve"]["stages_p50_ms"].get(key) for r in rows]
        lines.append(f"| {name} | " + " | ".join(_f(v, "{:.0f}") for v in vals) + " |")
    return "\n".join(lines)


def _growth(results: list[dict]) -> str:
    ok = [r for r in results if "error" not in r["ingest"]]
    if len(ok) < 2:
        return "Too few sizes finished to say how the figures grow."
    a, b = ok[0], ok[-1]
    lines = []
    f = b["corpus"]["documents"] / a["corpus"]["documents"]
    lines.append(
        f"- From {a['label']} to {b['label']} ({f:.0f}x the documents, "
        f"{b['ingest']['chunks'] / max(1, a['ingest']['chunks']):.0f}x the chunks): cold ingest "
        f"{a['ingest']['ingest_s']:.1f} s -> {b['ingest']['ingest_s']:.1f} s, "
        f"ingest peak memory {a['ingest']['peak_rss_mb']:.0f} -> {b['ingest']['peak_rss_mb']:.0f} MB, "
        f"no-change re-ingest {a['ingest']['noop_reingest_s']:.2f} -> {b['ingest']['noop_reingest_s']:.2f} s."
    )
    srv = [r for r in ok if "error" not in r["serve"]]
    if len(srv) >= 2:
        a, b = srv[0], srv[-1]
        lines.append(
            f"- /ask p50 {a['serve']['p50_ms']:.0f} -> {b['serve']['p50_ms']:.0f} ms, p95 "
            f"{a['serve']['p95_ms']:.0f} -> {b['serve']['p95_ms']:.0f} ms; start-up to the first answer "
            f"{a['serve']['startup_first_answer_s']:.1f} -> {b['serve']['startup_first_answer_s']:.1f} s; serving "
            f"peak memory {a['serve']['peak_rss_mb']:.0f} -> {b['serve']['peak_rss_mb']:.0f} MB."
        )
    big = srv[-1] if len(srv) >= 1 else None
    if big and "stages_p50_ms" in big["serve"]:
        st = big["serve"]["stages_p50_ms"]
        lines.append(
            f"- At {big['label']}, search takes {st.get('retrieve_search', float('nan')):.0f} ms of the "
            f"{st.get('total', float('nan')):.0f} ms the service spends on an answer, most of it embedding the "
            "question. The index is a Qdrant Edge shard opened in the process (memory-mapped, nothing copied at "
            "start-up): both halves of the hybrid search run as one batch, filtered by the payload indexes, with an "
            "exact dense scan (about a millisecond at 20,000 points); the query embedding, re-ranking and answer "
            "assembly do not grow with the corpus. Builds of `PERMANENCE_INDEX_HNSW_MIN_POINTS` points or more get "
            "an HNSW graph, built by ingest."
        )
    ing = [r for r in ok if r["ingest"].get("chunks")]
    if len(ing) >= 2:
        lines.append(
            "- Cold ingest grows linearly with the chunks embedded (embedding is the cost: "
            + ", ".join(f"{r['ingest']['chunks'] / r['ingest']['ingest_s']:.0f}" for r in ing)
            + " chunks/s); its peak memory grows because every point of a build is held before it is written and "
            "embedded Qdrant keeps all vectors and payloads in memory. A no-change re-ingest reads the manifest and "
            "fingerprints every file, so it grows with the number of documents, not with their text."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("_ingest", "_serve"):
        p = argparse.ArgumentParser()
        p.add_argument("stage")
        p.add_argument("corpus", type=Path)
        p.add_argument("data", type=Path)
        p.add_argument("rest", nargs="*")
        p.add_argument("--json-out", type=Path, required=True)
        a = p.parse_args(argv)
        if a.stage == "_ingest":
            data = child_ingest(a.corpus, a.data)
        else:
            data = child_serve(a.corpus, a.data, int(a.rest[0]), a.rest[1] if len(a.rest) > 1 and a.rest[1] else None)
        a.json_out.write_text(json.dumps(data))
        return 0

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="corpus,100,1000,10000", help="comma-separated: corpus and/or document counts")
    p.add_argument("--rounds", type=int, default=3, help="times each question is asked per size")
    p.add_argument("--timeout", type=float, default=2400, help="seconds allowed per child stage")
    p.add_argument("--work-dir", type=Path, default=None, help="where corpora and indexes are built (deleted after)")
    p.add_argument("--out", type=Path, default=REPO / "eval" / "reports" / "performance.md")
    p.add_argument("--baseline-rev", default="a13db2f",
                   help="git revision whose code runs beside in the same run ('' for none); default: the last "
                        "commit before Qdrant Edge (qdrant-client local mode + the numpy copy)")
    a = p.parse_args(argv)
    sizes = [s.strip() for s in a.sizes.split(",") if s.strip()]
    for s in sizes:
        if s != "corpus" and not (s.isdigit() and int(s) >= 5):
            p.error(f"--sizes: {s!r} is neither 'corpus' nor a document count >= 5")
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    t0 = time.perf_counter()
    work = a.work_dir or Path(tempfile.mkdtemp(prefix="bench-scaling-"))

    def log(msg: str) -> None:
        print(f"{time.perf_counter() - t0:7.1f}s {msg}", flush=True)

    baseline = baseline_tree(a.baseline_rev, work) if a.baseline_rev else None
    results = run(sizes, work, a.rounds, a.timeout, log, baseline)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    png = a.out.with_suffix(".png")
    plot(results, png)
    text = report(results, a.out, png, argv, started, time.perf_counter() - t0).replace("{growth}", _growth(results)).replace(
        "{stage_table}", _stage_table(results)).replace("{baseline_table}", _baseline_table(results, a.baseline_rev))
    a.out.write_text(text, encoding="utf-8")
    a.out.with_suffix(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    log(f"wrote {a.out}, {png.name} and {a.out.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
