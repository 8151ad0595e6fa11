"""Compare a run with an earlier one: pass->fail, fail->pass, metric deltas, and stale gold.

"Stale gold" is kept apart from genuine regressions: an item whose gold passage changed or
disappeared from the corpus (a policy update) failing is the gold's problem, not the
assistant's, and a QA lead must see the two lists separately.

A gold passage is recorded in every run with its span and a fingerprint of the paragraph
around it, so a later run can tell:
- ``disappeared``: the passage is no longer found in its document;
- ``context changed``: the passage is still there but the paragraph around it changed
  (e.g. a timescale in the next sentence was edited);
- ``gold edited``: the gold item's passage text itself changed between the runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.gold import GoldItem, locate, normalise_ws
from assistant.evaluation.metrics import LOWER_IS_BETTER


def paragraph_around(text: str, start: int, end: int) -> str:
    """The paragraph (between blank lines) that holds ``text[start:end]``."""
    a = text.rfind("\n\n", 0, start)
    b = text.find("\n\n", end)
    return text[(a + 2 if a >= 0 else 0) : (b if b >= 0 else len(text))]


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise_ws(text).encode("utf-8")).hexdigest()[:16]


def passage_records(items: list[GoldItem], texts: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Per item, each gold passage with whether/where it is found and its context fingerprint."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        recs = []
        for gp in item.gold_passages:
            text = texts.get(gp.document_id)
            span = locate(text, gp.text) if text is not None else None
            recs.append(
                {
                    "document_id": gp.document_id,
                    "text": gp.text,
                    "found": span is not None,
                    "start": span[0] if span else None,
                    "end": span[1] if span else None,
                    "context": fingerprint(paragraph_around(text, *span)) if span and text else None,
                }
            )
        out[item.id] = recs
    return out


@dataclass
class StaleItem:
    item_id: str
    reasons: list[str]


def stale_items(
    current: dict[str, list[dict[str, Any]]], previous: dict[str, list[dict[str, Any]]] | None = None
) -> list[StaleItem]:
    """Items whose gold passages disappeared now, or (given a previous run) changed since."""
    out: list[StaleItem] = []
    for item_id, recs in current.items():
        reasons: list[str] = []
        for r in recs:
            if not r["found"]:
                reasons.append(f"disappeared: {r['document_id']}: {r['text'][:80]!r}")
        prev = (previous or {}).get(item_id)
        if prev is not None:
            prev_texts = {(p["document_id"], normalise_ws(p["text"])) for p in prev}
            cur_texts = {(r["document_id"], normalise_ws(r["text"])) for r in recs}
            if prev_texts != cur_texts:
                reasons.append("gold edited: the item's passages differ from the baseline run's")
            prev_by = {(p["document_id"], normalise_ws(p["text"])): p for p in prev}
            for r in recs:
                p = prev_by.get((r["document_id"], normalise_ws(r["text"])))
                if p and r["found"] and p.get("found") and p.get("context") and r["context"] != p["context"]:
                    reasons.append(f"context changed: the paragraph around {r['text'][:60]!r} in {r['document_id']} was edited")
        if reasons:
            out.append(StaleItem(item_id, reasons))
    return out


@dataclass
class EngineDiff:
    engine: str
    pass_to_fail: list[str] = field(default_factory=list)  # genuine regressions
    fail_to_pass: list[str] = field(default_factory=list)
    stale_pass_to_fail: list[str] = field(default_factory=list)  # failing because the gold went stale
    new_items: list[str] = field(default_factory=list)
    removed_items: list[str] = field(default_factory=list)
    deltas: dict[str, dict[str, float | None]] = field(default_factory=dict)  # metric -> before/after/delta/worse


@dataclass
class Regression:
    baseline_run: str
    engines: list[EngineDiff]
    stale: list[StaleItem]

    @property
    def regressions(self) -> int:
        return sum(len(e.pass_to_fail) for e in self.engines)


def compare_runs(current: dict[str, Any], previous: dict[str, Any], baseline_name: str) -> Regression:
    """Regression view of ``current`` (a run.json dict) against ``previous`` (another)."""
    stale = stale_items(current.get("gold_passages", {}), previous.get("gold_passages", {}))
    stale_ids = {s.item_id for s in stale}
    diffs: list[EngineDiff] = []
    for name, eng in current.get("engines", {}).items():
        before = previous.get("engines", {}).get(name)
        d = EngineDiff(engine=name)
        if before is None:
            diffs.append(d)
            continue
        now_pass = {r["id"]: r["scores"]["passed"] for r in eng["items"]}
        was_pass = {r["id"]: r["scores"]["passed"] for r in before["items"]}
        for iid, ok in now_pass.items():
            if iid not in was_pass:
                d.new_items.append(iid)
            elif ok is None or was_pass[iid] is None:
                continue  # not applicable to this engine in one of the runs
            elif was_pass[iid] and not ok:
                (d.stale_pass_to_fail if iid in stale_ids else d.pass_to_fail).append(iid)
            elif not was_pass[iid] and ok:
                d.fail_to_pass.append(iid)
        d.removed_items = sorted(set(was_pass) - set(now_pass))
        for metric, after in eng.get("summary", {}).items():
            b = before.get("summary", {}).get(metric)
            if metric in ("items", "judged") or not isinstance(after, (int, float)) or not isinstance(b, (int, float)):
                continue
            delta = after - b
            worse = delta > 1e-9 if metric in LOWER_IS_BETTER else delta < -1e-9
            d.deltas[metric] = {"before": b, "after": after, "delta": delta, "worse": worse}
        diffs.append(d)
    return Regression(baseline_run=baseline_name, engines=diffs, stale=stale)
