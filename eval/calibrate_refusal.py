"""Calibrate the weak-evidence refusal on the gold set; prints the chosen thresholds.

Every gold item (rule items aside) is asked with the refusal switched off, recording the
evidence signals of its answer (best dense similarity, best share of the question's
concepts in one passage, share of its weight in words unknown to the corpus). The weights
and threshold chosen refuse as many must-refuse items as possible with NO false refusal
of an answerable item; among equally good choices, the one with the widest margin. Items declined before retrieval
(injection, off-topic) are refused whatever the thresholds and are reported apart.

    .venv/bin/python eval/calibrate_refusal.py [--data-dir DIR]

Put the printed values in ``assistant/settings.py`` (refusal_threshold, refusal_overlap_weight,
refusal_unknown_weight).
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


OVERLAP_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
UNKNOWN_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


def choose(rows, min_gap: float = 0.01) -> tuple[float, float, float, dict]:
    """Weights and threshold: most correct refusals, zero false ones, then the widest gap.

    For each pair of weights the threshold can go up to the lowest answerable score;
    it is placed half-way between that and the highest score it must refuse. A choice
    whose gap (per unit of weight) is under ``min_gap`` is not taken: a razor-thin gap
    would turn into false refusals as soon as the index or a paraphrase moves a little.
    """
    answerable = [e for _, must, e, refused in rows if not must and e is not None and not refused]
    targets = [e for _, must, e, refused in rows if must and e is not None and not refused]
    if not answerable:
        raise SystemExit("no answerable items with evidence: is the index built?")

    def score(e, a, b):
        return e["top_dense"] + a * e["top_overlap"] - b * e.get("unknown_share", 0.0)

    best = None
    for a in OVERLAP_WEIGHTS:
        for b in UNKNOWN_WEIGHTS:
            floor = min(score(e, a, b) for e in answerable)
            caught = [score(e, a, b) for e in targets if score(e, a, b) < floor]
            gap = (floor - max(caught)) / (1 + a + b) if caught else 0.0
            if caught and gap < min_gap:
                continue
            threshold = (floor + max(caught)) / 2 if caught else floor - 0.05 * (1 + a + b)
            key = (len(caught), round(gap, 4), -(a + b))
            if best is None or key > best[0]:
                best = (key, a, b, threshold, floor)
    (key, a, b, threshold, floor) = best
    report = {
        "answerable": len(answerable),
        "must_refuse_reaching_retrieval": len(targets),
        "caught": key[0],
        "false_refusals": sum(1 for e in answerable if score(e, a, b) < threshold),
        "lowest_answerable_score": round(floor, 4),
        "gap_per_unit_weight": key[1],
    }
    return round(threshold, 4), a, b, report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--verbose", action="store_true", help="print every item's signals")
    ap.add_argument("--min-gap", type=float, default=0.01, help="least margin per unit weight (default 0.01)")
    args = ap.parse_args()
    base = {"data_dir": args.data_dir} if args.data_dir else {}
    # Refusal off: every item reaches an answer, so its signals can be read.
    settings = Settings(**base, refusal_threshold=-100.0)
    rows = collect(settings)
    if args.verbose:
        for ident, must, e, refused in sorted(rows, key=lambda r: (r[1], (r[2] or {}).get("score", -1))):
            print(f"{'REFUSE' if must else 'answer'} {ident:<28} {e} {'(declined before retrieval)' if refused else ''}")
    declined = sum(1 for _, must, e, refused in rows if must and (e is None or refused))
    threshold, a, b, report = choose(rows, args.min_gap)
    must_total = sum(1 for _, must, _, _ in rows if must)
    print(f"gold items: {len(rows)} ({must_total} must be refused; {declined} declined before retrieval)")
    for k, v in report.items():
        print(f"  {k}: {v}")
    print(f"refusal accuracy on must-refuse items: {(declined + report['caught']) / max(must_total, 1):.3f}")
    print(f"false-refusal rate on answerable items: {report['false_refusals'] / max(report['answerable'], 1):.3f}")
    print(f"refusal_threshold = {threshold}")
    print(f"refusal_overlap_weight = {a}")
    print(f"refusal_unknown_weight = {b}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
