"""CLI for the QA lead's review: ``permanence gaps --summary`` (rendered here) and
``permanence feedback`` (rated answers with what they cited)."""

from __future__ import annotations

import json
import sys
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, markup=False)  # policy text and ids print as they are ("[1]" is no tag)


def _iso_date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        console.print(f"error: {option} {value!r}: expected a date as YYYY-MM-DD")
        raise typer.Exit(2) from None


def print_gap_summary(services, since: str | None, authority: str | None, as_json: bool) -> None:
    """Refusals by reason code, and the sections they came closest to (what the policies miss)."""
    summary = services.gaps.summary(since=_iso_date(since, "--since"), authority=authority)
    if as_json:
        sys.stdout.write(summary.model_dump_json(indent=2) + "\n")
        return
    scope = (f" since {summary.since}" if summary.since else "") + (f" for {authority}" if authority else "")
    console.print(f"{summary.total} refused question{'s' if summary.total != 1 else ''}{scope}")
    if not summary.total:
        return
    table = Table(title="Refusals by reason")
    for col in ("reason", "count", "nearest sections (refusals naming it)"):
        table.add_column(col, overflow="fold")
    for r in summary.by_reason:
        table.add_row(r.reason, str(r.count),
                      "\n".join(f"{s.authority}: {s.section} ({s.count})" for s in r.sections[:5]) or "-")
    console.print(table)
    table = Table(title="Sections refused questions came closest to: topics asked about that the policies may not cover")
    for col in ("count", "authority", "document", "section", "reasons"):
        table.add_column(col, overflow="fold")
    for s in summary.by_section:
        table.add_row(str(s.count), s.authority, s.document_id, s.section,
                      ", ".join(f"{k} {v}" for k, v in sorted(s.reasons.items())))
    console.print(table)


def feedback_command(
    since: str | None = typer.Option(None, "--since", help="Only ratings on or after YYYY-MM-DD"),
    rating: str | None = typer.Option(None, "--rating", help="up or down"),
    limit: int = typer.Option(200, "--limit", min=1, max=10000, help="How many, newest first"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Rated answers for review, newest first: what each answer cited, and counts per document and section."""
    from assistant.services import get_services
    from assistant.settings import get_settings

    if rating is not None and rating not in ("up", "down"):
        console.print(f"error: --rating {rating!r}: expected up or down")
        raise typer.Exit(2)
    review = get_services(get_settings()).feedback.list_feedback(
        since=_iso_date(since, "--since"), rating=rating, limit=limit)  # type: ignore[arg-type]
    if as_json:
        sys.stdout.write(review.model_dump_json(indent=2) + "\n")
        return
    console.print(f"{review.total} rated answer{'s' if review.total != 1 else ''}: "
                  f"{review.counts['up']} up, {review.counts['down']} down (newest first)")
    for it in review.items:
        head = (f"{it.time}  {it.rating:<4}  {it.answer_id}  {it.kind or '?'}"
                + (f" ({it.refusal_reason})" if it.refusal_reason else "")
                + f"  {it.authority or 'all authorities'}  engine {it.engine or '?'}")
        console.print(head)
        if it.comment:
            console.print(f"    comment: {it.comment}")
        for c in it.citations:
            console.print(f"    [{c.n}] {c.document_id} ({c.version or '?'}) > {c.section or '-'}  chars {c.start}-{c.end}")
        if it.kind == "rule" and it.frame.get("rules"):
            console.print(f"    rules: {', '.join(it.frame['rules'])}")
    if review.by_section:
        table = Table(title="Ratings per section cited (most thumbs-down first)")
        for col in ("document", "section", "down", "up"):
            table.add_column(col, overflow="fold")
        for pc in review.by_section:
            table.add_row(pc.document_id, pc.section or "-", str(pc.down), str(pc.up))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("feedback")(feedback_command)
