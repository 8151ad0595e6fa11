"""CLI: ``permanence gold ...``: the QA lead's edits to the gold set.

- ``gold fix-stale RUN``: write the suggested edits of a run's stale gold into the gold files,
  for review as a diff (``git diff eval/gold``); exit 0 every stale item edited, 1 some left for
  a hand edit (named), 2 the run cannot be read.
"""

from __future__ import annotations

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
