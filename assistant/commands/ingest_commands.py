"""CLI: ``permanence ingest``, ``permanence documents``, ``permanence search``.

Exit codes: 0 success; 1 some files failed (the rest were ingested) or the index is
unavailable; 2 bad usage (unknown authority, missing path, bad option value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from assistant.settings import get_settings

_out = Console()
_err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the ``permanence`` app."""
    app.command("ingest")(ingest)
    app.command("documents")(documents)
    app.command("search")(search)


def ingest(
    paths: Optional[list[Path]] = typer.Argument(
        None, help="Files or folders to add or update; default: the whole policies_corpus/ per its manifest."
    ),
    rebuild: bool = typer.Option(False, "--rebuild", help="Re-embed every document instead of reusing unchanged ones."),
    authority: Optional[str] = typer.Option(
        None, "--authority", help="Council of files given from outside policies_corpus/ (their manifest entry is generated)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON instead of a table."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Parse, chunk and embed policy documents into the index (incremental and atomic)."""
    from assistant.components.vector_store.vector_store_component import IndexUnavailable
    from assistant.answering.unit_vectors import warm_answer_units
    from ingest.pipeline import IngestError, IngestPipeline

    settings = get_settings()
    if paths:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            _err.print(f"[red]error:[/red] no such file or folder: {', '.join(missing)}")
            raise typer.Exit(2)
    try:
        report = IngestPipeline(settings).run(
            paths=list(paths) if paths else None, rebuild=rebuild, progress=not (quiet or as_json), authority=authority
        )
    except (IngestError, IndexUnavailable) as exc:  # IndexLocked is one
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1)
    warm_answer_units(settings)  # sentence vectors for answering, so a first answer pays none

    if as_json:
        _out.print_json(json.dumps(report.to_dict()))
    else:
        for line in report.failed:
            _err.print(f"[red]FAILED[/red] {line}", highlight=False)
        table = Table(title="Ingest summary", show_header=True)
        for col in ("documents", "chunks", "ingested", "unchanged", "removed", "failed", "seconds"):
            table.add_column(col, justify="right")
        table.add_row(
            str(report.documents), str(report.chunks), str(report.ingested), str(report.unchanged),
            str(report.removed), str(len(report.failed)), f"{report.seconds:.1f}",
        )
        _out.print(table)
    raise typer.Exit(0 if report.ok else 1)


def documents(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List what is indexed: authority, title, version, status, chunk count."""
    from assistant.components.vector_store.vector_store_component import IndexLocked, VectorStore

    settings = get_settings()
    try:
        docs = VectorStore(settings).list_documents()
    except IndexLocked as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1)
    if as_json:
        _out.print_json(json.dumps(docs))
        return
    if not docs:
        _err.print("No documents indexed yet: run `permanence ingest`.")
        raise typer.Exit(1)
    table = Table(title="Indexed documents")
    for col in ("id", "authority", "title", "version", "status", "chunks"):
        table.add_column(col)
    for d in docs:
        table.add_row(d["document_id"], d["authority"], d["title"], d["version"], d["status"], str(d["chunks"]))
    _out.print(table)


def search(
    query: str = typer.Argument(..., help="What to look for, in plain words."),
    authority: Optional[str] = typer.Option(None, "--authority", "-a", help="Only this council (short or full name)."),
    k: int = typer.Option(5, "--k", "-k", min=1, max=100, help="How many chunks to show."),
    include_superseded: bool = typer.Option(False, "--include-superseded", help="Also search superseded versions."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | dense | sparse"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Ranked chunks for QUERY with section path, score and text (the retrieval debugging tool)."""
    from assistant.components.vector_store.vector_store_component import IndexLocked, IndexNotReady, VectorStore
    from assistant.corpus import UnknownAuthority

    if mode not in ("hybrid", "dense", "sparse"):
        _err.print(f"[red]error:[/red] --mode must be hybrid, dense or sparse, not {mode!r}")
        raise typer.Exit(2)
    settings = get_settings()
    status = None if include_superseded else ("current",)
    try:
        store = VectorStore(settings)
        fn = {"hybrid": store.search, "dense": store.dense_search, "sparse": store.sparse_search}[mode]
        results = fn(query, k=k, authority=authority, status=status)
    except UnknownAuthority as exc:
        _err.print(f"[red]error:[/red] unknown authority {exc.name!r}; known authorities: {', '.join(exc.known) or '(none indexed)'}")
        raise typer.Exit(2)
    except (IndexNotReady, IndexLocked) as exc:
        _err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1)
    if as_json:
        _out.print_json(json.dumps([r.model_dump(mode="json") for r in results]))
        return
    if not results:
        _out.print("No matching passages.")
        return
    for i, r in enumerate(results, 1):
        c = r.chunk
        scores = f"score {r.score:.3f}"
        if r.dense_score is not None:
            scores += f" · dense {r.dense_score:.3f}"
        if r.sparse_score is not None:
            scores += f" · sparse {r.sparse_score:.2f}"
        page = f" · p.{c.page}" if c.page else ""
        _out.print(f"[bold]{i}. {c.authority} — {c.title} ({c.version}, {c.status})[/bold]", highlight=False)
        _out.print(f"   [cyan]{c.section or '(no section)'}[/cyan]{page} · {c.kind} · {scores} · chars {c.start}-{c.end}",
                   highlight=False)
        _out.print("   " + c.text.replace("\n", "\n   "), highlight=False, markup=False)
        _out.print()
