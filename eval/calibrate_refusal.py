"""Calibrate the weak-evidence refusal on the gold set; prints the chosen thresholds.

Every gold item (rule items aside) is asked with the refusal switched off, recording the
two evidence signals of its answer (best dense similarity, best share of the question's
concepts in one passage). The thresholds chosen refuse as many must-refuse items as
possible with NO false refusal of an answerable item; among equally good pairs, the one
with the widest margin to the answerable items is taken. Items declined before retrieval
(injection, off-topic) are refused whatever the thresholds and are reported apart.

    .venv/bin/python eval/calibrate_refusal.py [--data-dir DIR]

Put the printed values in ``assistant/settings.py`` (refusal_threshold, refusal_min_overlap).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answering.schemas import AskRequest  # noqa: E402
from assistant.evaluation.gold import corpus_texts, load_gold  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def collect(settings: Settings) -> list[tuple[str, bool, dict | None, bool]]:
    """(item id, must_refuse, evidence or None, refused anyway) for every non-rule gold item."""
    services = Services(settings)
    items = [it for it in load_gold(settings.gold_dir, corpus_texts(settings)) if it.kind != "rule"]
    rows = []
    for it in items:
        sid = None
        for turn in it.turns:
            sid = services.ask.ask(AskRequest(question=turn, session_id=sid)).session_id
        resp = services.ask.ask(
            AskRequest(question=it.question, authority=None if it.turns else it.authority, session_id=sid)
        )
        rows.append((it.id, it.must_refuse, resp.evidence, resp.refused))
    return rows


def choose(rows) -> tuple[float, float, dict]:
    """The (dense, overlap) pair: most correct refusals, zero false ones, widest margin."""
    answerable = [e for _, must, e, refused in rows if not must and e is not None and not refused]
    targets = [e for _, must, e, refused in rows if must and e is not None and not refused]
    if not answerable:
        raise SystemExit("no answerable items with evidence: is the index built?")
    # A threshold above an answerable item's value would refuse it: the highest allowed
    # threshold on each signal is the lowest answerable value.
    dense_vals = sorted({round(e["top_dense"], 4) for e in answerable + targets} | {0.0})
    lex_vals = sorted({round(e["top_overlap"], 4) for e in answerable + targets} | {0.0})
    best = None
    for dt in dense_vals:
        for lt in lex_vals:
            false = sum(1 for e in answerable if e["top_dense"] < dt or e["top_overlap"] < lt)
            if false:
                continue
            caught = sum(1 for e in targets if e["top_dense"] < dt or e["top_overlap"] < lt)
            key = (caught, dt + lt)
            if best is None or key > best[0]:
                best = (key, dt, lt)
    assert best is not None
    (_, dt, lt) = best
    # Place each threshold half-way between the highest value it must refuse and the
    # lowest answerable value, so small drifts do not flip decisions.
    min_dense = min(e["top_dense"] for e in answerable)
    min_lex = min(e["top_overlap"] for e in answerable)
    caught_d = [e["top_dense"] for e in targets if e["top_dense"] < dt]
    caught_l = [e["top_overlap"] for e in targets if e["top_overlap"] < lt and e["top_dense"] >= dt]
    dense_t = (max(caught_d) + min_dense) / 2 if caught_d else min(dt, min_dense)
    lex_t = (max(caught_l) + min_lex) / 2 if caught_l else min(lt, min_lex)
    report = {
        "answerable": len(answerable),
        "must_refuse_reaching_retrieval": len(targets),
        "caught": sum(1 for e in targets if e["top_dense"] < dense_t or e["top_overlap"] < lex_t),
        "false_refusals": sum(1 for e in answerable if e["top_dense"] < dense_t or e["top_overlap"] < lex_t),
        "min_answerable_dense": round(min_dense, 4),
        "min_answerable_overlap": round(min_lex, 4),
    }
    return round(dense_t, 4), round(lex_t, 4), report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--verbose", action="store_true", help="print every item's signals")
    args = ap.parse_args()
    base = {"data_dir": args.data_dir} if args.data_dir else {}
    # Refusal off: every item reaches an answer, so its signals can be read.
    settings = Settings(**base, refusal_threshold=0.0, refusal_min_overlap=0.0)
    rows = collect(settings)
    if args.verbose:
        for ident, must, e, refused in sorted(rows, key=lambda r: (r[1], (r[2] or {}).get("top_overlap", -1))):
            print(f"{'REFUSE' if must else 'answer'} {ident:<28} {e} {'(declined before retrieval)' if refused else ''}")
    declined = sum(1 for _, must, e, refused in rows if must and (e is None or refused))
    dense_t, lex_t, report = choose(rows)
    must_total = sum(1 for _, must, _, _ in rows if must)
    print(f"gold items: {len(rows)} ({must_total} must be refused; {declined} declined before retrieval)")
    for k, v in report.items():
        print(f"  {k}: {v}")
    print(f"refusal accuracy on must-refuse items: {(declined + report['caught']) / max(must_total, 1):.3f}")
    print(f"false-refusal rate on answerable items: {report['false_refusals'] / max(report['answerable'], 1):.3f}")
    print(f"refusal_threshold = {dense_t}")
    print(f"refusal_min_overlap = {lex_t}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
