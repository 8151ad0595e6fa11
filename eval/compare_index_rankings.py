"""Top-5 rankings on the whole gold set, dumped or compared: the check that a change of
index engine keeps what the assistant retrieves.

    python eval/compare_index_rankings.py dump DATA_DIR OUT.json   # ingests into DATA_DIR if empty
    python eval/compare_index_rankings.py compare BEFORE.json AFTER.json

``dump`` records, for every gold question, the retriever's top-5 chunk ids (what answers
are built from) and the store's raw hybrid top-5 with its scores. ``compare`` prints the
share of questions whose top-5 is the same (as an ordered list and as a set) and the
largest score difference.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def dump(data_dir: str, out: str) -> None:
    from assistant.evaluation.gold import load_gold
    from assistant.services import Services
    from assistant.settings import Settings
    from ingest.pipeline import IngestPipeline

    settings = Settings(data_dir=Path(data_dir).resolve(), qdrant_url=None)
    t0 = time.perf_counter()
    report = IngestPipeline(settings).run(progress=False)
    print(f"ingest: built={report.built} {report.seconds:.1f} s", file=sys.stderr)
    services = Services(settings)
    retriever = services.retriever
    rows = []
    for item in load_gold(settings.resolve(settings.gold_dir)):
        auth = None
        if item.authority:
            try:
                auth = retriever.store.resolve_authority(item.authority)
            except Exception:
                auth = None
        r = retriever.retrieve(item.question, authority=auth, k=5)
        raw = retriever.store.search(item.question, k=5)
        rows.append({
            "id": item.id,
            "question": item.question,
            "retrieved": [c.chunk.id for c in r.chunks[:5]],
            "store": [[c.chunk.id, c.score, c.dense_score, c.sparse_score] for c in raw],
        })
    Path(out).write_text(json.dumps(rows, indent=1))
    print(f"{len(rows)} questions in {time.perf_counter() - t0:.1f} s -> {out}", file=sys.stderr)


def compare(before: str, after: str) -> None:
    a = {r["id"]: r for r in json.loads(Path(before).read_text())}
    b = {r["id"]: r for r in json.loads(Path(after).read_text())}
    ids = sorted(set(a) & set(b))
    for field in ("retrieved", "store"):
        ordered = sets = 0
        diffs = []
        for i in ids:
            x = [e if isinstance(e, str) else e[0] for e in a[i][field]]
            y = [e if isinstance(e, str) else e[0] for e in b[i][field]]
            ordered += x == y
            sets += set(x) == set(y)
            if x != y:
                diffs.append(i)
        print(f"{field}: same top-5 in order {ordered}/{len(ids)} ({ordered / len(ids):.3f}), "
              f"same set {sets}/{len(ids)} ({sets / len(ids):.3f})")
        if diffs:
            print(f"  differ: {', '.join(diffs[:20])}")
    worst = 0.0
    for i in ids:
        sa = {e[0]: e for e in a[i]["store"]}
        for e in b[i]["store"]:
            if e[0] in sa:
                for k in (2, 3):
                    if e[k] is not None and sa[e[0]][k] is not None:
                        worst = max(worst, abs(e[k] - sa[e[0]][k]))
    print(f"largest dense/sparse score difference on shared hits: {worst:.2e}")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"dump": dump, "compare": compare}[cmd](*args)
