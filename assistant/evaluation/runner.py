"""Run the gold set through the assistant and the baselines; write the run folder.

``run_eval`` is what ``permanence eval`` calls:

1. load the gold set (schema-validated) and the current corpus; every gold passage is looked
   up in the current version of its policy (``gold_lineage``); items whose passages changed are
   STALE GOLD: listed apart with a suggested edit and scored separately (scoring them with the
   rest would blame the assistant for a policy edit);
2. build the engines (assistant, or retrieval only when the answering service is absent; the
   llama-index and BM25 baselines in memory), run every item through each, with a progress bar;
3. score every item (``metrics.score_item``) and aggregate per engine, document, authority, kind;
4. check thresholds (``eval/thresholds.yaml``, ``--fail-under`` overrides) on the primary engine;
5. with ``--baseline RUN``: the regression view (``regression.compare_runs``) and the policies
   changed since that run (``document_changes``);
6. write ``run.json`` (every item's answer and scores), ``documents.json.gz`` (the texts scored
   against, for the next run's "changed since" list), ``summary.md`` and ``report.html``.

Exit status (``EvalRun.exit_code``): 0 every threshold met, no regression, gold current;
1 a metric is below its threshold, or (with a baseline) an item whose gold is unchanged went
from pass to fail on the primary engine; 3 only stale gold.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import yaml

from assistant.components.embedding.embedding_component import set_torch_threads
from assistant.evaluation.engines import (
    AssistantEngine,
    BaselineEngine,
    EngineOutput,
    RetrievalEngine,
)
from assistant.evaluation.document_changes import changed_documents, document_records, read_snapshot, write_snapshot
from assistant.evaluation.gold import GoldItem, load_gold
from assistant.evaluation.gold_lineage import load_corpus_documents, resolve_passages
from assistant.evaluation.metrics import (
    LOWER_IS_BETTER,
    ItemScores,
    Passage,
    aggregate,
    breakdown,
    score_item,
)
from assistant.evaluation.regression import Regression, compare_runs, stale_items

DEFAULT_ENGINES = ("assistant", "llamaindex", "bm25")
EXIT_OK, EXIT_THRESHOLD, EXIT_STALE = 0, 1, 3


@dataclass
class ThresholdResult:
    metric: str
    engine: str
    threshold: float
    value: float | None
    ok: bool
    direction: str  # "min" or "max"
    applicable: bool = True  # False: no selected gold item can produce this metric (not checked)
    split: str = "all"  # the gold split the value was measured on


@dataclass
class EvalRun:
    path: Path
    data: dict[str, Any]
    thresholds: list[ThresholdResult] = field(default_factory=list)
    regression: Regression | None = None

    @property
    def threshold_failures(self) -> list[ThresholdResult]:
        return [t for t in self.thresholds if not t.ok]

    @property
    def stale(self) -> list[dict[str, Any]]:
        return self.data.get("stale", [])

    @property
    def regressions(self) -> list[str]:
        """Genuine regressions of the primary engine against the baseline (none without one)."""
        if self.regression is None:
            return []
        return self.regression.regressions_of(self.data.get("primary_engine", "assistant"))

    @property
    def exit_code(self) -> int:
        if self.threshold_failures or self.regressions:
            return EXIT_THRESHOLD
        if self.stale:
            return EXIT_STALE
        return EXIT_OK

    @property
    def verdict(self) -> str:
        """One line that answers "can we still trust it?"; the summary's first line."""
        return verdict_line(self)


def verdict_line(run: "EvalRun") -> str:
    code = run.exit_code
    fails = run.threshold_failures
    regs = run.regressions
    stale = run.stale
    stale_txt = f"{len(stale)} stale gold item{'s' if len(stale) != 1 else ''}"
    if code == EXIT_THRESHOLD and not regs:
        return ("VERDICT: BELOW THRESHOLD (exit 1): " + ", ".join(
            f"{t.metric} {t.value if t.value is None else round(t.value, 3)} ({'min' if t.direction == 'min' else 'max'} "
            f"{t.threshold})" for t in fails) + (f"; {stale_txt} listed apart" if stale else ""))
    if code == EXIT_THRESHOLD:
        parts = []
        if regs:
            parts.append(f"{len(regs)} genuine regression{'s' if len(regs) != 1 else ''} "
                         f"(gold unchanged, now failing): {', '.join(regs[:8])}{' ...' if len(regs) > 8 else ''}")
        if fails:
            parts.append("below threshold: " + ", ".join(f"{t.metric} {t.value if t.value is None else round(t.value, 3)}"
                                                          f" ({'min' if t.direction == 'min' else 'max'} {t.threshold})"
                                                          for t in fails))
        if stale:
            parts.append(stale_txt + " listed apart")
        return "VERDICT: REGRESSION (exit 1): " + "; ".join(parts)
    if code == EXIT_STALE:
        return (f"VERDICT: STALE GOLD ONLY (exit 3): {stale_txt} follow{'s' if len(stale) == 1 else ''} policy text "
                f"that changed; no genuine regression, every threshold met. Fix the gold: permanence gold fix-stale {run.path}")
    return "VERDICT: OK (exit 0): every threshold met, no regression, the gold is current"


# ------------------------------------------------------------------------------------------
# thresholds
# ------------------------------------------------------------------------------------------
def load_thresholds(path: Path | None) -> dict[str, Any]:
    """``{engine: NAME, min: {metric: v}, max: {metric: v}}``; missing file = no thresholds."""
    if path is None or not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with 'min'/'max'")
    return data


def parse_fail_under(values: list[str]) -> dict[str, float]:
    """``["hit_at_5=0.9", "mrr=0.7"]`` -> dict; a bad entry raises ValueError naming it."""
    out: dict[str, float] = {}
    for v in values:
        name, sep, num = v.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--fail-under {v!r}: expected METRIC=VALUE")
        try:
            out[name.strip()] = float(num)
        except ValueError:
            raise ValueError(f"--fail-under {v!r}: {num!r} is not a number") from None
    return out


_RETRIEVAL = ("hit_at_1", "hit_at_5", "hit_at_10", "mrr", "ndcg_at_10")
_ANSWERABLE = ("citation_precision", "citation_recall", "key_fact_recall", "unsupported_rate", "false_refusal_rate")


def applicable_metrics(items: list[GoldItem]) -> set[str]:
    """Metrics the selected gold items can produce (a ``--kinds`` subset may have no rule items:
    a rule threshold is then not applicable rather than failed). Decided from the GOLD, not the
    outputs, so an engine that produced nothing still fails its thresholds."""
    out = {"latency_p50_ms", "latency_p95_ms", "pass_rate"}
    if any(not it.must_refuse and it.gold_passages for it in items):
        out.update(_RETRIEVAL)
    if any(not it.must_refuse for it in items):
        out.update(_ANSWERABLE)
    if any(it.must_refuse for it in items):
        out.add("refusal_accuracy")
    if any(it.kind == "rule" for it in items):
        out.update({"rule_exact", "rule_chat_exact"})
    return out


def check_thresholds(
    summaries: dict[str, dict[str, Any]],
    config: dict[str, Any],
    overrides: dict[str, float],
    primary: str,
    applicable: set[str] | None = None,
    split: str = "all",
) -> list[ThresholdResult]:
    engine = config.get("engine") or primary
    if engine not in summaries:
        engine = primary
    summary = summaries.get(engine, {})
    mins: dict[str, float] = dict(config.get("min") or {})
    maxs: dict[str, float] = dict(config.get("max") or {})
    for metric, value in overrides.items():  # --fail-under: direction from the metric
        (maxs if metric in LOWER_IS_BETTER else mins)[metric] = value
        (mins if metric in LOWER_IS_BETTER else maxs).pop(metric, None)
    out: list[ThresholdResult] = []
    for direction, table in (("min", mins), ("max", maxs)):
        for metric, thr in table.items():
            val = summary.get(metric)
            if applicable is not None and metric not in applicable:
                out.append(ThresholdResult(metric, engine, float(thr), None, True, direction, applicable=False, split=split))
                continue
            ok = val is not None and (val >= thr if direction == "min" else val <= thr)
            out.append(ThresholdResult(metric, engine, float(thr), val, ok, direction, split=split))
    return out


def check_split_thresholds(
    engines_json: dict[str, Any],
    config: dict[str, Any],
    overrides: dict[str, float],
    primary: str,
    items: list[GoldItem],
) -> list[ThresholdResult]:
    """Each split against its own block of the thresholds file (``dev:``, ``test:``); the
    file's top-level ``min``/``max`` gate the dev split. ``--fail-under`` applies to both."""
    out: list[ThresholdResult] = []
    for split in ("dev", "test"):
        block = config.get(split) or ({"min": config.get("min"), "max": config.get("max")} if split == "dev" else None)
        chosen = [it for it in items if it.split == split]
        if not chosen or not (block or overrides):
            continue
        block = {"engine": config.get("engine"), **(block or {})}
        summaries = {k: v["by_split"].get(split, {}) for k, v in engines_json.items()}
        out += check_thresholds(summaries, block, overrides, primary, applicable_metrics(chosen), split)
    return out


# ------------------------------------------------------------------------------------------
# the run
# ------------------------------------------------------------------------------------------
def build_engines(settings, names: list[str], texts: dict[str, str], services=None) -> tuple[list[Any], list[str]]:
    """Engines by name; an unavailable assistant falls back to retrieval (noted)."""
    notes: list[str] = []
    engines: list[Any] = []
    retrieval: RetrievalEngine | None = None
    for name in names:
        if name == "assistant":
            try:
                eng = AssistantEngine(settings, services=services)
            except ImportError as exc:
                notes.append(f"assistant unavailable ({exc}); scored its retrieval only")
                eng = retrieval = retrieval or RetrievalEngine(settings)
            engines.append(eng)
        elif name == "retrieval":
            retrieval = retrieval or RetrievalEngine(settings)
            engines.append(retrieval)
        elif name == "llamaindex":
            from assistant.evaluation.baselines import LlamaIndexBaseline

            engines.append(BaselineEngine(LlamaIndexBaseline(settings, texts), settings))
        elif name == "bm25":
            from assistant.components.vector_store.vector_store_component import VectorStore
            from assistant.evaluation.baselines import BM25Baseline

            engines.append(BaselineEngine(BM25Baseline.from_store(VectorStore(settings)), settings))
        else:
            raise ValueError(f"unknown engine {name!r}; known: assistant, retrieval, llamaindex, bm25")
    return engines, notes


def _passages(records: list[dict[str, Any]]) -> list[Passage]:
    """The gold passages as found in the current version of their policy; a changed passage
    is replaced by its suggested edit, so a stale item is scored (apart) against today's text."""
    out = []
    for r in records:
        if r["found"]:
            out.append(Passage(r["document_id"], r["text"], r["start"], r["end"]))
        elif (sug := r.get("suggestion")) and sug.get("action") == "replace" and sug.get("text"):
            out.append(Passage(sug["document_id"], sug["text"], sug.get("start"), sug.get("end")))
    return out


def _attach_section_diffs(records: dict[str, list[dict[str, Any]]], docs) -> None:
    """Give each changed passage the diff of its section between the version the gold names
    and the current one, when both are in the corpus (a new version beside the old)."""
    from assistant.evaluation.document_changes import section_diff

    cache: dict[tuple[str, str], dict[str, Any]] = {}
    for recs in records.values():
        for r in recs:
            sug = r.get("suggestion")
            if r["found"] or not sug or r["named_document"] == r["document_id"]:
                continue
            old, new = docs.get(r["named_document"]), docs.get(r["document_id"])
            if old is None or new is None:
                continue
            key = (old.id, new.id)
            if key not in cache:
                cache[key] = section_diff(old, new)
            for c in cache[key]["changed"]:
                if c["path_b"] == sug.get("section") or c["path_b"] == r.get("old_section"):
                    sug["section_diff"] = c["diff"]
                    break


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, list):
        return [_jsonable(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def _item_record(item: GoldItem, out: EngineOutput, s: ItemScores, stale: bool) -> dict[str, Any]:
    return {
        "id": item.id,
        "split": item.split,
        "kind": item.kind,
        "authority": item.authority,
        "documents": item.document_ids,
        "question": item.question,
        "turns": item.turns,
        "stale": stale,
        "answer": out.answer,
        "refused": out.refused,
        "interpreted_question": out.interpreted_question,
        "citations": [asdict(c) for c in out.citations],
        "retrieved": [
            {"document_id": h.document_id, "start": h.start, "end": h.end, "score": round(h.score, 4), "text": h.text[:160]}
            for h in (out.hits or [])
        ],
        "rules": _jsonable(out.rules),
        "chat_rules": _jsonable(out.chat_rules),
        "latency_ms": out.latency_ms,
        "error": out.error,
        "scores": asdict(s),
    }


def _run_all(progress: bool, total: int, work: Callable[[Callable[[], None]], None]) -> None:
    if not progress:
        work(lambda: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]eval[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task("items", total=total)
        work(lambda: bar.advance(task))


def run_eval(
    settings,
    *,
    engines: list[str] | None = None,
    kinds: list[str] | None = None,
    output: Path | None = None,
    baseline: Path | None = None,
    fail_under: dict[str, float] | None = None,
    thresholds_path: Path | None = None,
    services=None,
    judge: Any = None,
    torch_threads: int | None = None,
    progress: bool = True,
    on_engine_ready: Callable[[str, float], None] | None = None,
) -> EvalRun:
    """Run the evaluation and write the run folder (see the module docstring)."""
    t_start = time.perf_counter()
    names = list(engines or DEFAULT_ENGINES)
    threads_used = set_torch_threads(torch_threads)
    docs = load_corpus_documents(settings)
    texts = {i: d.text for i, d in docs.items()}
    items = load_gold(settings.resolve(settings.gold_dir), None, kinds=kinds)
    records = resolve_passages(items, docs)
    _attach_section_diffs(records, docs)
    stale_now = {s.item_id: s.reasons for s in stale_items(records)}
    resolved_docs = {iid: list(dict.fromkeys(r["document_id"] for r in recs)) for iid, recs in records.items()}

    by_id_item = {it.id: it for it in items}
    t0 = time.perf_counter()
    built, notes = build_engines(settings, names, texts, services=services)
    build_s = time.perf_counter() - t0
    for e in built:
        if on_engine_ready:
            on_engine_ready(e.name, getattr(e, "build_s", 0.0))

    passages = {it.id: _passages(records[it.id]) for it in items}
    per_engine: dict[str, list[tuple[GoldItem, EngineOutput, ItemScores]]] = {e.name: [] for e in built}
    engine_s: dict[str, float] = {e.name: 0.0 for e in built}

    def _work(advance: Callable[[], None]) -> None:
        for e in built:
            for it in items:
                t = time.perf_counter()
                out = e.run(it)
                engine_s[e.name] += time.perf_counter() - t
                s = score_item(
                    it,
                    passages[it.id],
                    hits=out.hits,
                    answer=out.answer if e.answers else None,
                    citations=out.citations,
                    refused=out.refused,
                    rule_result=out.rules,
                    chat_rule_result=out.chat_rules,
                    latency_ms=out.latency_ms,
                )
                if out.error:
                    s.reasons.append(f"error: {out.error}")
                if it.id in stale_now:  # scored against the suggested edit, reported apart
                    s.reasons.append("stale gold: " + "; ".join(stale_now[it.id]))
                per_engine[e.name].append((it, out, s))
                advance()

    total = len(items) * len(built)
    try:
        _run_all(progress, total, _work)
    finally:
        for e in built:
            if hasattr(e, "close"):
                e.close()

    engines_json: dict[str, Any] = {}
    for e in built:
        rows = per_engine[e.name]
        scored = [(it, s) for it, _, s in rows if it.id not in stale_now]
        stale_scored = [(it, s) for it, _, s in rows if it.id in stale_now]
        engines_json[e.name] = {
            "answers": bool(e.answers),
            "build_s": round(getattr(e, "build_s", 0.0), 3),
            "run_s": round(engine_s[e.name], 3),
            "chunks": getattr(getattr(e, "baseline", None), "n_chunks", None),
            "summary": aggregate(scored),
            "by_split": {sp: aggregate([(it, s) for it, s in scored if it.split == sp]) for sp in ("dev", "test")
                         if any(it.split == sp for it, _ in scored)},
            # stale items against their suggested edits: informative, never a threshold or regression
            "stale_summary": aggregate(stale_scored) if stale_scored else None,
            "by_document": breakdown(scored, "document", resolved_docs),
            "by_authority": breakdown(scored, "authority"),
            "by_kind": breakdown(scored, "kind"),
            "items": [_item_record(it, out, s, it.id in stale_now) for it, out, s in rows],
        }
    primary = built[0].name if built else "assistant"
    data: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "engines_requested": names,
        "primary_engine": primary,
        "notes": notes,
        "kinds": kinds,
        "torch_threads": threads_used,
        "gold_items": len(items),
        "corpus": {doc_id: {"chars": len(t)} for doc_id, t in texts.items()},
        "documents": document_records(docs),
        "gold_passages": records,
        "stale": [
            {"id": k, "reasons": v, "source": by_id_item[k].source,
             "passages": [r for r in records[k] if not r["found"]]}
            for k, v in stale_now.items()
        ],
        "timings_s": {
            "build_engines": round(build_s, 3),
            **{f"run_{k}": round(v, 3) for k, v in engine_s.items()},
        },
        "engines": engines_json,
    }

    if judge is not None:  # optional, separate, never a gate (see judge.py)
        from assistant.evaluation.judge import judge_run

        by_id = {it.id: it for it in items}
        data["judge"] = {name: judge_run(judge, by_id, eng["items"])
                         for name, eng in engines_json.items() if eng["answers"]}

    cfg = load_thresholds(thresholds_path)
    summaries = {k: v["summary"] for k, v in engines_json.items()}
    thr = check_split_thresholds(engines_json, cfg, fail_under or {}, primary, items)
    data["thresholds"] = [asdict(t) for t in thr]

    regression = None
    if baseline is not None:
        prev_path = baseline / "run.json" if baseline.is_dir() else baseline
        previous = json.loads(prev_path.read_text(encoding="utf-8"))
        regression = compare_runs(data, previous, str(baseline))
        data["regression"] = {
            "baseline_run": regression.baseline_run,
            "stale": [asdict(s) for s in regression.stale],
            "gold_edited": regression.edited,
            "engines": [asdict(d) for d in regression.engines],
        }
        if previous.get("documents"):
            data["changed_documents"] = changed_documents(previous["documents"], read_snapshot(prev_path.parent), docs)
        else:  # a run written before runs recorded their documents: say so rather than list every policy as new
            data["changed_documents"] = []
            data["changed_documents_note"] = ("the baseline run did not record its documents (written before lineage): "
                                              "see `permanence diff-versions OLD NEW`")

    data["timings_s"]["total"] = round(time.perf_counter() - t_start, 3)
    out_dir = output or settings.resolve(settings.data_dir) / "eval-runs" / datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    run = EvalRun(path=out_dir, data=data, thresholds=thr, regression=regression)
    data["verdict"] = run.verdict
    data["exit_code"] = run.exit_code
    write_snapshot(out_dir, docs)
    from assistant.evaluation.report import write_reports

    write_reports(run)
    return run
