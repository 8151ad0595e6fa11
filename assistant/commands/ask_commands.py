"""CLI: ``permanence ask``, ``permanence serve`` and ``permanence gaps``.

They call the same services as the API and the chat UI (``assistant.services``).
"""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table

from assistant.answering.unit_vectors import warm_answer_units

console = Console()


def _services():
    from assistant.services import get_services
    from assistant.settings import get_settings

    return get_services(get_settings())


def ask(
    question: str = typer.Argument(..., help="The question, in quotes"),
    authority: str | None = typer.Option(None, "--authority", "-a", help="Short or full authority name"),
    session: str | None = typer.Option(None, "--session", "-s", help="Continue a conversation (id from a previous answer)"),
    engine: str | None = typer.Option(None, "--engine", help="extractive (default) or generative"),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON response"),
    today: str | None = typer.Option(
        None, "--today", help="The date the question is asked on, YYYY-MM-DD (default: today): dates 'overdue' or "
        "'due soon' and 'since last August' are read against it"
    ),
) -> None:
    """Ask a question; the answer quotes the policies with numbered citations."""
    from pydantic import ValidationError

    from assistant.answering.schemas import AskRequest
    from assistant.corpus import UnknownAuthority

    try:
        req = AskRequest(question=question, authority=authority, session_id=session, engine=engine, today=today)
    except ValidationError as exc:
        first = exc.errors()[0]
        console.print(f"[red]invalid {first['loc'][-1]}: {first['msg']}[/red]")
        raise typer.Exit(2) from exc
    services = _services()
    try:
        resp = services.ask.ask(req)
    except UnknownAuthority as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except Exception as exc:
        if type(exc).__name__ in ("IndexNotReady", "IndexUnavailable", "IndexLocked"):
            console.print(f"[red]{exc}[/red]", highlight=False)
            raise typer.Exit(1) from exc
        raise
    if as_json:
        sys.stdout.write(resp.model_dump_json(indent=2) + "\n")
        return
    style = "yellow" if resp.refused else "green"
    console.print(Panel(Markdown(resp.answer), title="Answer" + (" (declined)" if resp.refused else ""), border_style=style))
    if resp.citations:
        table = Table(title="Citations", show_lines=True)
        for col in ("n", "authority / document", "section", "quote"):
            table.add_column(col, overflow="fold")
        for c in resp.citations:
            quote = c.quote if len(c.quote) < 400 else c.quote[:400] + " ..."
            table.add_row(
                str(c.n),
                f"{c.authority}\n{c.title} ({c.version}, {c.status})",
                f"{c.section or '-'}" + (f"\np. {c.page}" if c.page else ""),
                quote,
            )
        console.print(table)
    for n in resp.notices:
        console.print(f"[dim]note: {n}[/dim]")
    console.print(f"[dim]read as: {resp.interpreted_question}[/dim]")
    console.print(f"[dim]session: {resp.session_id}  answer id: {resp.answer_id}  {resp.timings_ms.get('total', 0):.0f} ms[/dim]")


def _setting_default(name: str):
    from assistant.settings import Settings

    return Settings.model_fields[name].default


def serve(
    # The real defaults are the settings' own; the env vars are the ones Settings reads too.
    host: str | None = typer.Option(None, envvar="PERMANENCE_HOST", show_envvar=True,
                                    help=f"Interface to bind (default: {_setting_default('host')})"),
    port: int | None = typer.Option(None, envvar="PERMANENCE_PORT", show_envvar=True,
                                    help=f"Port (default: {_setting_default('port')})"),
) -> None:
    """Build the index on first start (with a progress bar), then serve the API and the chat."""
    import os

    import uvicorn

    from assistant.access.identity import access_for
    from assistant.server.app import create_app
    from assistant.settings import get_settings

    settings = get_settings()
    h, p = host or settings.host, port or settings.port
    access = access_for(settings)
    if not access.enabled and not is_loopback(h):
        console.print(
            f"[red]Refusing to serve on {h} with log-in off: anyone who can reach it could read what staff type "
            "about children. Add a user (permanence users add NAME --role admin), set PERMANENCE_API_KEY, or "
            "configure single sign-on; or serve on 127.0.0.1.[/red]"
        )
        raise typer.Exit(2)
    os.umask(0o077)  # whatever the server writes under data_dir is the service user's alone
    _ensure_index(settings)
    app = create_app(settings)
    chat = _mount_chat(app, settings)
    services = _services()
    with console.status("Loading the embedder and the index ..."):
        services.warm_up()
    console.print(f"API: http://{h}:{p}/docs" + (f"   chat: http://{h}:{p}{chat}" if chat else ""))
    if access.enabled:
        console.print(f"Log-in is on ({access.describe()}).")
    else:
        console.print("[yellow]Log-in is off: no users, API key or single sign-on configured, so this serves "
                      "127.0.0.1 only. Add a user with: permanence users add NAME --role admin[/yellow]")
    uvicorn.run(app, host=h, port=p, log_level="info", log_config=_log_config())


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _log_config() -> dict:
    """uvicorn's logging, with session ids taken out of access-log lines (chat file links carry one)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_session_ids"] = {"()": "assistant.commands.ask_commands.SessionIdFilter"}
    config["handlers"]["access"]["filters"] = ["no_session_ids"]
    return config


class SessionIdFilter:
    """Logging filter: ``session_id=...`` in a logged URL becomes ``session_id=[removed]``."""

    def filter(self, record) -> bool:
        import re

        if isinstance(record.args, tuple):
            record.args = tuple(
                re.sub(r"(session_?[iI]d=)[^&\s\"]+", r"\1[removed]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def _ensure_index(settings) -> None:
    """Ingest on first start (the pipeline draws its own progress bar), then nothing to do."""
    try:
        from ingest.pipeline import ensure_index
    except ImportError:
        console.print("[yellow]ingest pipeline not installed; serving whatever index exists[/yellow]")
        return
    report = ensure_index(settings, progress=True)
    if getattr(report, "built", False):
        console.print(f"Index built in {report.seconds:.0f} s.")
    warm_answer_units(settings)


def _mount_chat(app, settings) -> str | None:
    try:
        from assistant.ui.mount import CHAT_PATH, mount_chat
    except ImportError:
        return None
    try:
        mount_chat(app, settings)
    except Exception as exc:  # the API must come up even if the chat cannot
        console.print(f"[yellow]chat UI not mounted: {exc}[/yellow]")
        return None
    return CHAT_PATH


def gaps(
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    limit: int = typer.Option(100, help="How many, most recent first"),
    authority: str | None = typer.Option(None, "--authority", "-a"),
    summary: bool = typer.Option(False, "--summary", help="Group refusals by reason code and nearest section"),
    since: str | None = typer.Option(None, "--since", help="With --summary: only refusals on or after YYYY-MM-DD"),
) -> None:
    """Questions the assistant refused: possible gaps in the policies, for QA leads."""
    from assistant.corpus import UnknownAuthority

    services = _services()
    try:
        full = services.corpus.resolve_authority(authority)
    except UnknownAuthority as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if summary or since:
        from assistant.commands.qa_review_commands import print_gap_summary

        print_gap_summary(services, since=since, authority=full, as_json=as_json)
        return
    records = services.gaps.list(limit=limit, authority=full)
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump() for r in records], indent=2) + "\n")
        return
    if not records:
        console.print("No refused questions recorded.")
        return
    table = Table(title="Possible policy gaps (refused questions)")
    for col in ("time", "authority", "reason", "question", "nearest sections"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            r.time,
            r.authority or "all",
            r.reason,
            r.question if r.question is not None else "[dim](not stored)[/dim]",
            "\n".join(f"{s.authority}: {s.section}" for s in r.nearest_sections) or "-",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``ask``, ``serve`` and ``gaps`` to the ``permanence`` app."""
    app.command("ask")(ask)
    app.command("serve")(serve)
    app.command("gaps")(gaps)
