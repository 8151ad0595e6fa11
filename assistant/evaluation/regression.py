"""Compare a run with an earlier one: pass->fail, fail->pass, metric deltas, and stale gold.

"Stale gold" is kept apart from genuine regressions: an item whose gold passage changed or
disappeared from the current version of its policy (``gold_lineage``) failing is the gold's
problem, not the assistant's, and a QA lead must see the two lists separately.

A gold passage is recorded in every run with where it was looked up, its span and a
fingerprint of the paragraph around it, so a later run can tell:
- stale: the passage is no longer verbatim in the current version of its policy;
- gold edited: the gold item's passage text itself changed between the runs (not blamed on
  the assistant either, listed apart);
- context changed: the passage is still there but its paragraph changed; only a note beside
  a regression, because an answer can rest on a sentence no gold passage names.
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


def _named(rec: dict[str, Any]) -> str:
    """The document a gold passage names (runs before lineage recorded only ``document_id``)."""
    return rec.get("named_document") or rec["document_id"]


def stale_items(
    current: dict[str, list[dict[str, Any]]], previous: dict[str, list[dict[str, Any]]] | None = None
) -> list[StaleItem]:
    """Items with a gold passage that is not verbatim where it is looked up now (see
    ``gold_lineage``: the current version of its policy). ``previous`` is accepted for the
    callers of the pre-lineage signature; what changed around a passage that is still verbatim
    does not make an item stale (``context_changes``) and neither does an edited gold item
    (``edited_items``)."""
    out: list[StaleItem] = []
    for item_id, recs in current.items():
        reasons = []
        for r in recs:
            if not r["found"]:
                where = r["document_id"]
                if r.get("named_document") and r["named_document"] != where:
                    where = f"{r['named_document']} -> {where}"
                reasons.append(f"{r.get('status') or 'disappeared'}: {where}: {r['text'][:80]!r}")
        if reasons:
            out.append(StaleItem(item_id, reasons))
    return out


def edited_items(current: dict[str, list[dict[str, Any]]], previous: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Items whose gold passages themselves differ from the baseline run's (e.g. after
    ``permanence gold fix-stale``): their pass/fail change is the gold's, not the assistant's."""
    out = []
    for item_id, recs in current.items():
        prev = previous.get(item_id)
        if prev is None:
            continue
        if {normalise_ws(p["text"]) for p in prev} != {normalise_ws(r["text"]) for r in recs}:
            out.append(item_id)
    return out


def context_changes(current: dict[str, list[dict[str, Any]]], previous: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Items whose passage is still verbatim but whose paragraph changed: a note beside a
    regression (the edit may be why it fails), never a reason to excuse it."""
    out: dict[str, str] = {}
    for item_id, recs in current.items():
        prev_by = {normalise_ws(p["text"]): p for p in previous.get(item_id, [])}
        for r in recs:
            p = prev_by.get(normalise_ws(r["text"]))
            if p and r["found"] and p.get("found") and p.get("context") and r.get("context") and r["context"] != p["context"]:
                out[item_id] = f"the paragraph around its gold passage in {r['document_id']} changed"
    return out


@dataclass
class EngineDiff:
    engine: str
    pass_to_fail: list[str] = field(default_factory=list)  # genuine regressions
    fail_to_pass: list[str] = field(default_factory=list)
    stale_pass_to_fail: list[str] = field(default_factory=list)  # failing because the gold went stale
    edited_pass_to_fail: list[str] = field(default_factory=list)  # failing since its gold was edited
    new_items: list[str] = field(default_factory=list)
    removed_items: list[str] = field(default_factory=list)
    deltas: dict[str, dict[str, float | None]] = field(default_factory=dict)  # metric -> before/after/delta/worse
    # per genuine regression: the answer before and after, side by side in the report
    details: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Regression:
    baseline_run: str
    engines: list[EngineDiff]
    stale: list[StaleItem]
    edited: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> int:
        return sum(len(e.pass_to_fail) for e in self.engines)

    def regressions_of(self, engine: str) -> list[str]:
        return next((e.pass_to_fail for e in self.engines if e.engine == engine), [])


def _answer_view(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "answer": r.get("answer"),
        "refused": r.get("refused"),
        "citations": [
            {k: c.get(k) for k in ("n", "document_id", "start", "end", "quote")} for c in (r.get("citations") or [])
        ],
        "reasons": (r.get("scores") or {}).get("reasons", []),
    }


def compare_runs(current: dict[str, Any], previous: dict[str, Any], baseline_name: str) -> Regression:
    """Regression view of ``current`` (a run.json dict) against ``previous`` (another).

    An item that went from pass to fail is a genuine regression only when its gold is
    current (every passage verbatim where it is looked up) and unedited since the baseline;
    otherwise it is listed as failing on stale or edited gold."""
    cur_recs = current.get("gold_passages", {})
    prev_recs = previous.get("gold_passages", {})
    stale = stale_items(cur_recs)
    stale_ids = {s.item_id for s in stale}
    edited = set(edited_items(cur_recs, prev_recs)) - stale_ids
    notes = context_changes(cur_recs, prev_recs)
    diffs: list[EngineDiff] = []
    for name, eng in current.get("engines", {}).items():
        before = previous.get("engines", {}).get(name)
        d = EngineDiff(engine=name)
        if before is None:
            diffs.append(d)
            continue
        now_rows = {r["id"]: r for r in eng["items"]}
        was_rows = {r["id"]: r for r in before["items"]}
        for iid, row in now_rows.items():
            ok = row["scores"]["passed"]
            if iid not in was_rows:
                d.new_items.append(iid)
                continue
            was = was_rows[iid]["scores"]["passed"]
            if ok is None or was is None:
                continue  # not applicable to this engine in one of the runs
            if was and not ok:
                if iid in stale_ids:
                    d.stale_pass_to_fail.append(iid)
                elif iid in edited:
                    d.edited_pass_to_fail.append(iid)
                else:
                    d.pass_to_fail.append(iid)
                    d.details[iid] = {
                        "before": _answer_view(was_rows[iid]),
                        "after": _answer_view(row),
                        "question": row.get("question"),
                        "note": notes.get(iid),
                    }
            elif not was and ok:
                d.fail_to_pass.append(iid)
        d.removed_items = sorted(set(was_rows) - set(now_rows))
        for metric, after in eng.get("summary", {}).items():
            b = before.get("summary", {}).get(metric)
            if metric in ("items", "judged") or not isinstance(after, (int, float)) or not isinstance(b, (int, float)):
                continue
            delta = after - b
            worse = delta > 1e-9 if metric in LOWER_IS_BETTER else delta < -1e-9
            d.deltas[metric] = {"before": b, "after": after, "delta": delta, "worse": worse}
        diffs.append(d)
    return Regression(baseline_run=baseline_name, engines=diffs, stale=stale, edited=sorted(edited))
