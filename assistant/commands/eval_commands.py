"""CLI: ``permanence eval`` (gold set through the assistant and the baselines) and
``permanence diff-versions`` (section-by-section diff of two policy versions).

Exit codes of ``eval``: 0 every threshold met, no regression and the gold is current; 1 a
metric is below its threshold (``eval/thresholds.yaml``, ``--fail-under`` overrides) or, with
``--baseline``, an item whose gold is unchanged went from pass to fail (a genuine regression);
2 bad usage (unknown engine or kind, malformed gold set, missing baseline run, no index); 3 only
stale gold: gold passages no longer verbatim in the current version of their policy (listed
apart with a suggested edit, never counted as regressions). The first line printed (and the
first line of summary.md and report.html) is the verdict that says which.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from assistant.settings import REPO_ROOT, get_settings

_out = Console()
if not _out.is_terminal:  # CI logs and pipes: keep the metrics table unabbreviated
    _out = Console(width=160)
_err = Console(stderr=True)

DEFAULT_THRESHOLDS = REPO_ROOT / "eval" / "thresholds.yaml"


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the ``permanence`` app."""
    app.command("eval")(eval_command)
    app.command("diff-versions")(diff_versions_command)


def _split_csv(values: Optional[list[str]]) -> list[str] | None:
    if not values:
        return None
    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    return out or None


def eval_command(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Run folder to write (default: data/eval-runs/<time>)."),
    engine: Optional[list[str]] = typer.Option(
        None, "--engine", "-e",
        help="Engines to run, repeatable or comma-separated: assistant, retrieval, llamaindex, bm25 "
        "(default: assistant,llamaindex,bm25; the first is the one thresholds gate).",
    ),
    baseline: Optional[Path] = typer.Option(None, "--baseline", "-b", help="An earlier run folder (or its run.json): regression view."),
    fail_under: Optional[list[str]] = typer.Option(
        None, "--fail-under", help="METRIC=VALUE, repeatable; overrides eval/thresholds.yaml (e.g. hit_at_5=0.9)."
    ),
    kinds: Optional[list[str]] = typer.Option(None, "--kinds", "-k", help="Only these question kinds (comma-separated or repeated)."),
    thresholds: Path = typer.Option(DEFAULT_THRESHOLDS, "--thresholds", help="Thresholds file."),
    judge: bool = typer.Option(
        False, "--judge", help="Also ask the OpenAI-compatible model (PERMANENCE_LLM_*) to grade answers: reported "
        "separately, never a gate."
    ),
    torch_threads: int = typer.Option(
        1, "--torch-threads", min=0,
        help="Torch threads for embedding (default 1: one query at a time; 0 = torch's default). "
        "The run records it beside the latencies.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Score the gold set: retrieval, citations, key facts, refusals, rules, latency; write a report."""
    from assistant.evaluation.gold import GoldError
    from assistant.evaluation.runner import parse_fail_under, run_eval

    settings = get_settings()
    try:
        overrides = parse_fail_under(fail_under or [])
    except ValueError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    if baseline is not None and not (baseline / "run.json" if baseline.is_dir() else baseline).exists():
        _err.print(f"[red]error:[/red] baseline run not found: {baseline} (expected a run folder with run.json)")
        raise typer.Exit(2)
    llm_judge = None
    if judge:
        from assistant.evaluation.judge import JudgeNotConfigured, LLMJudge

        try:
            llm_judge = LLMJudge(settings)
        except JudgeNotConfigured as exc:
            _err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
    try:
        run = run_eval(
            settings,
            engines=_split_csv(engine),
            kinds=_split_csv(kinds),
            output=output,
            baseline=baseline,
            fail_under=overrides,
            thresholds_path=thresholds,
            judge=llm_judge,
            torch_threads=torch_threads or None,
            progress=not quiet,
        )
    except GoldError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    except ValueError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    except Exception as exc:  # the index missing or locked: say what to do
        name = type(exc).__name__
        if name in ("IndexNotReady", "IndexLocked"):
            _err.print(f"[red]error:[/red] {exc} (run `permanence ingest` first)")
            raise typer.Exit(2)
        raise
    print_summary(run)
    raise typer.Exit(run.exit_code)


def print_summary(run) -> None:
    from assistant.evaluation.report import HEADLINE, fmt

    d = run.data
    _out.print(run.verdict, markup=False, highlight=False, soft_wrap=True)  # one line, for scripts
    cols = [("hit_at_5", "hit@5"), ("mrr", "MRR"), ("citation_precision", "cite P"), ("citation_recall", "cite R"), ("key_fact_recall", "facts"),
            ("unsupported_rate", "unsupp"), ("refusal_accuracy", "refuse"), ("false_refusal_rate", "false ref"),
            ("rule_exact", "rules"), ("pass_rate", "pass"), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms")]
    assert all(m in dict(HEADLINE) for m, _ in cols)
    table = Table(title=f"{d['gold_items']} gold items · {d['timings_s']['total']:.1f} s")
    table.add_column("engine")
    table.add_column("split")
    for _, label in cols:
        table.add_column(label, justify="right")
    for name, eng in d["engines"].items():
        # dev (tuned on) beside test (held out, never tuned on): a figure only dev shows is no result
        for split, s in (eng.get("by_split") or {"all": eng["summary"]}).items():
            table.add_row(name, f"{split} ({s.get('items')})", *[fmt(s.get(m), m) for m, _ in cols])
    _out.print(table)
    for note in d.get("notes", []):
        _out.print(f"[yellow]note:[/yellow] {note}")
    for t in run.threshold_failures:
        _out.print(f"[red]below threshold:[/red] {t.engine} {t.split} {t.metric} = {fmt(t.value, t.metric)} "
                   f"({'min' if t.direction == 'min' else 'max'} {t.threshold})")
    for name, j in (d.get("judge") or {}).items():
        _out.print(f"LLM judge ({j['model']}, not a gate): {name} mean {fmt(j['mean'])} over {j['judged']} answers"
                   + (f", {j['errors']} errors" if j["errors"] else ""))
    if run.stale:
        _out.print(f"[yellow]stale gold ({len(run.stale)} items):[/yellow] " + ", ".join(s["id"] for s in run.stale)
                   + f"  (suggested edits: permanence gold fix-stale {run.path})", highlight=False)
    if run.regression is not None:
        for e in d["regression"]["engines"]:
            if e["pass_to_fail"] or e["fail_to_pass"] or e["stale_pass_to_fail"]:
                _out.print(f"{e['engine']}: [red]{len(e['pass_to_fail'])} pass→fail[/red] {', '.join(e['pass_to_fail'])} · "
                           f"[green]{len(e['fail_to_pass'])} fail→pass[/green] · "
                           f"{len(e['stale_pass_to_fail'])} failing on stale gold")
    _out.print(f"report: {run.path / 'report.html'}  ·  summary: {run.path / 'summary.md'}")


def diff_versions_command(
    doc_a: str = typer.Argument(..., help="Older version: a document id (e.g. wigan-2021-2025) or a policy file."),
    doc_b: str = typer.Argument(..., help="Newer version: a document id (e.g. wigan-2026-2028) or a policy file."),
    as_json: bool = typer.Option(False, "--json", help="Print the diff as JSON."),
    show_diff: bool = typer.Option(True, "--diff/--no-diff", help="Print the unified diff of each changed section."),
) -> None:
    """What changed between two versions of a policy, section by section."""
    from assistant.evaluation.version_diff import diff_versions

    settings = get_settings()
    try:
        d = diff_versions(settings, doc_a, doc_b)
    except KeyError as exc:  # UnknownDocument names the known ones
        _err.print(f"[red]error:[/red] {exc.args[0] if exc.args else exc}")
        raise typer.Exit(2)
    except OSError as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    if as_json:
        _out.print_json(json.dumps(d.to_dict()))
        return
    _out.print(f"[bold]{d.doc_a} → {d.doc_b}[/bold]: {len(d.changed)} changed, {len(d.added)} added, "
               f"{len(d.removed)} removed, {len(d.unchanged)} unchanged sections")
    for s in d.added:
        _out.print(f"[green]+ added[/green]   {' > '.join(s.path) or '(untitled)'}", highlight=False)
    for s in d.removed:
        _out.print(f"[red]- removed[/red] {' > '.join(s.path) or '(untitled)'}", highlight=False)
    for c in d.changed:
        rename = f"  (was: {c.title_a})" if c.title_a != c.title_b else ""
        _out.print(f"[yellow]~ changed[/yellow] {c.path_b or '(untitled)'}{rename}  similarity {c.similarity:.2f}", highlight=False)
        if show_diff and c.diff:
            _out.print(c.diff, markup=False, highlight=False)
