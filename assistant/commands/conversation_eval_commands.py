"""CLI: ``permanence eval-conversations``: the multi-turn gold, dev and test reported apart.

Exit code 0 when every split asked for was run (the figures are the output; there is no
threshold yet), 2 when a gold file is malformed or the index is missing.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from assistant.evaluation.conversations import CONVERSATIONS_DIR, load_conversations, run_conversation, summarise


def register(app: typer.Typer) -> None:
    app.command("eval-conversations")(eval_conversations_command)


def eval_conversations_command(
    split: Optional[list[str]] = typer.Option(None, "--split", "-s", help="dev and/or test (default: both)."),
    show_failures: bool = typer.Option(True, "--failures/--no-failures", help="List each wrong turn and why."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Ask every gold conversation turn by turn in one session; a conversation counts only if every turn is right."""
    from assistant.services import get_services
    from assistant.settings import get_settings

    splits = split or ["dev", "test"]
    try:
        gold = {s: load_conversations(CONVERSATIONS_DIR / f"{s}.yaml") for s in splits}
    except (OSError, ValueError) as exc:
        typer.echo(f"conversation gold: {exc}", err=True)
        raise typer.Exit(2)
    ask = get_services(get_settings()).ask
    summary = {}
    for name, convs in gold.items():
        results = [run_conversation(ask, c) for c in convs]
        summary[name] = summarise(results)
        if show_failures and not as_json:
            for r in results:
                for i, t in enumerate(r.turns, 1):
                    if not t.correct:
                        typer.echo(f"  [{name}] {r.id} turn {i} ({t.followup or 'first'}): {t.question!r}: "
                                   + "; ".join(t.problems))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for name, s in summary.items():
        typer.echo(f"{name}: {s['correct']}/{s['conversations']} conversations fully correct ({s['share']}); "
                   f"turns {s['turns_correct']}/{s['turns']}; by follow-up kind {s['by_followup']}")
