"""Quick check of the assistant on the gold set while tuning retrieval and answering.

Prints hit@5 / MRR of the gold passages for the assistant's retriever (on the question as
the assistant read it, like ``permanence eval`` does), key-fact recall of the answers,
refusal accuracy on must-refuse items and false refusals on answerable ones, per kind.
The full evaluation with baselines is ``permanence eval`` (EVAL feature); this is the
fast loop.

    .venv/bin/python eval/assistant_check.py [--data-dir DIR] [--fails]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answering.schemas import AskRequest  # noqa: E402
from assistant.evaluation.gold import corpus_texts, load_gold, locate  # noqa: E402
from assistant.evaluation.metrics import Hit, Passage, first_hit_rank  # noqa: E402
from assistant.services import get_services  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--fails", action="store_true", help="List the items that miss")
    args = ap.parse_args()
    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    services = get_services(settings)
    services.warm_up()
    texts = corpus_texts(settings)
    items = [it for it in load_gold(settings.gold_dir, texts) if it.kind != "rule"]

    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    fails: list[str] = []
    for it in items:
        sid = None
        for turn in it.turns:
            sid = services.ask.ask(AskRequest(question=turn, session_id=sid)).session_id
        authority = None if it.turns else it.authority
        t0 = time.perf_counter()
        resp = services.ask.ask(AskRequest(question=it.question, authority=authority, session_id=sid))
        ms = (time.perf_counter() - t0) * 1000
        s = stats[it.kind]
        s["latency"].append(ms)
        if it.must_refuse:
            s["refused_ok"].append(float(resp.refused))
            if not resp.refused:
                fails.append(f"NOT REFUSED {it.id}: {it.question!r} -> {resp.answer[:100]!r}")
            continue
        s["false_refusal"].append(float(resp.refused))
        if resp.refused:
            fails.append(f"FALSE REFUSAL {it.id}: {it.question!r} ({resp.refusal_reason})")
        facts = [bool(re.search(p, resp.answer, re.IGNORECASE)) for p in it.key_facts]
        s["key_facts"].append(sum(facts) / len(facts) if facts else 1.0)
        passages = []
        for gp in it.gold_passages:
            span = locate(texts[gp.document_id], gp.text)
            passages.append(Passage(gp.document_id, gp.text, *(span or (None, None))))
        full = services.corpus.resolve_authority(it.authority) if it.authority else None
        r = services.retriever.retrieve(resp.interpreted_question, authority=full, k=10)
        hits = [Hit(document_id=h.chunk.document_id, text=h.chunk.text, start=h.chunk.start, end=h.chunk.end,
                    score=h.score) for h in r.chunks]
        rank = first_hit_rank(hits, passages)
        s["hit5"].append(1.0 if rank and rank <= 5 else 0.0)
        s["mrr"].append(1.0 / rank if rank else 0.0)
        cited = any(
            c.document_id == p.document_id and p.start is not None and c.start <= p.start and c.end >= p.end
            for c in resp.citations for p in passages
        )
        s["cited_gold"].append(float(cited))
        if not rank or rank > 5 or (facts and not all(facts)):
            fails.append(
                f"MISS {it.id} rank={rank} facts={sum(facts)}/{len(facts)}: {it.question!r}"
            )

    def mean(xs):
        return sum(xs) / len(xs) if xs else float("nan")

    cols = ["hit5", "mrr", "key_facts", "cited_gold", "false_refusal", "refused_ok"]
    print(f"{'kind':<14}{'n':>4}" + "".join(f"{c:>14}" for c in cols) + f"{'p50 ms':>10}")
    allv: dict[str, list[float]] = defaultdict(list)
    for kind in sorted(stats):
        s = stats[kind]
        n = len(s["latency"])
        print(f"{kind:<14}{n:>4}" + "".join(f"{mean(s[c]):>14.3f}" if s[c] else f"{'-':>14}" for c in cols)
              + f"{sorted(s['latency'])[n // 2]:>10.0f}")
        for c in cols + ["latency"]:
            allv[c].extend(s[c])
    n = len(allv["latency"])
    print(f"{'ALL':<14}{n:>4}" + "".join(f"{mean(allv[c]):>14.3f}" for c in cols)
          + f"{sorted(allv['latency'])[n // 2]:>10.0f}")
    if args.fails:
        print("\n".join(fails))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
