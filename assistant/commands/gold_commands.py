"""CLI: ``permanence gold ...``: the QA lead's edits to the gold set.

- ``gold fix-stale RUN``: write the suggested edits of a run's stale gold into the gold files,
  for review as a diff (``git diff eval/gold``); exit 0 every stale item edited, 1 some left for
  a hand edit (named), 2 the run cannot be read.
- ``gold from-feedback ID``: a draft gold item from a rated answer (usually a thumbs-down), to
  be completed by hand: the question and the comment are not copied (either may identify a
  child); the cited passages come in as candidate gold passages.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from assistant.settings import get_settings

_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)

gold_app = typer.Typer(help="Edit the gold set: apply a run's suggested stale-gold edits, draft items from feedback.",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(gold_app, name="gold")


@gold_app.command("fix-stale")
def fix_stale_command(
    run: Path = typer.Argument(..., help="An evaluation run folder (or its run.json) that lists stale gold."),
    gold_dir: Optional[Path] = typer.Option(None, "--gold-dir", help="Gold folder to edit (default: PERMANENCE_GOLD_DIR)."),
) -> None:
    """Write the run's suggested edits (new passage text, document version, key facts) into the gold files."""
    from assistant.evaluation.gold_fixes import FixStaleError, fix_stale

    settings = get_settings()
    target = gold_dir or settings.resolve(settings.gold_dir)
    try:
        report = fix_stale(run, target)
    except FixStaleError as exc:
        _err.print(f"[red]error:[/red] {exc}", markup=True)
        raise typer.Exit(2)
    total = sum(len(v) for v in report.edited.values())
    _out.print(f"edited {total} stale gold item{'s' if total != 1 else ''}"
               + (f" in {', '.join(sorted(report.edited))}" if report.edited else ""))
    for name, ids in sorted(report.edited.items()):
        for iid in ids:
            _out.print(f"  {name}: {iid}")
    for iid, why in report.by_hand:
        _out.print(f"  edit by hand: {iid}: {why}")
    if total:
        _out.print(f"review the edits: git diff {target}")
    raise typer.Exit(0 if report.ok else 1)


@gold_app.command("from-feedback")
def from_feedback_command(
    answer_id: str = typer.Argument(..., help="The rated answer's id (see `permanence feedback`)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the draft here (default: print it)."),
) -> None:
    """Draft a gold item from a rated answer, for a QA lead to complete and add to eval/gold/."""
    import yaml

    from assistant.evaluation.gold_drafts import draft_from_feedback
    from assistant.services import get_services

    settings = get_settings()
    services = get_services(settings)
    reviewed = services.feedback.answer(answer_id)
    if reviewed is None:
        _err.print(f"error: no rated answer with id {answer_id!r} (list them with `permanence feedback`)")
        raise typer.Exit(2)
    draft = draft_from_feedback(reviewed, services.corpus)
    text = ("# Draft gold item from feedback: complete every TODO, then move it into a file under eval/gold/.\n"
            + yaml.safe_dump([draft], sort_keys=False, allow_unicode=True, width=100))
    if output is None:
        sys.stdout.write(text)
        return
    if output.exists():
        _err.print(f"error: {output} exists; not overwritten")
        raise typer.Exit(2)
    output.write_text(text, encoding="utf-8")
    _out.print(f"draft written to {output}")
