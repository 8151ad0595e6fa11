"""CLI: ``permanence users ...`` (who may log in, in what role, API tokens) and
``permanence purge`` (apply the retention settings now, or answer an erasure request)."""

from __future__ import annotations

import getpass
import json
import sys

import typer
from rich.console import Console
from rich.table import Table

console = Console()
users_app = typer.Typer(help="Users of the chat and the API: add, list, change role, tokens.", no_args_is_help=True)


def _store():
    from assistant.access.identity import access_for
    from assistant.settings import get_settings

    return access_for(get_settings()).users


def _fail(exc: Exception) -> None:
    console.print(f"[red]{exc}[/red]")
    raise typer.Exit(2) from exc


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Again: ") != first:
        console.print("[red]the two passwords differ[/red]")
        raise typer.Exit(2)
    return first


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="Log-in name (an e-mail address for single sign-on users)"),
    role: str = typer.Option(..., "--role", "-r", help="practitioner, trainer, qa_lead or admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
    no_password: bool = typer.Option(False, "--no-password", help="Single sign-on or API token only"),
) -> None:
    """Add a user. The first user turns log-in on for the chat and the API."""
    from assistant.access.roles import normalise_role
    from assistant.access.users import UserError

    try:
        role = normalise_role(role)
    except ValueError as exc:
        _fail(exc)
    password = None if no_password else _read_password(password_stdin)
    try:
        user = _store().add(name, role, password)
    except (UserError, ValueError) as exc:
        _fail(exc)
    console.print(f"added {user.name} ({user.role}); log-in is on for the chat and the API")


@users_app.command("list")
def list_users(as_json: bool = typer.Option(False, "--json")) -> None:
    """Users and their roles."""
    users = _store().list()
    if as_json:
        sys.stdout.write(json.dumps([{"name": u.name, "role": u.role, "password": u.has_password} for u in users]) + "\n")
        return
    table = Table(title="Users")
    for col in ("name", "role", "password"):
        table.add_column(col)
    for u in users:
        table.add_row(u.name, u.role, "set" if u.has_password else "-")
    console.print(table if users else "No users: log-in is off unless PERMANENCE_API_KEY or single sign-on is set.")


@users_app.command("role")
def set_role(name: str, role: str) -> None:
    """Change a user's role (applies to their next request, in the chat too)."""
    from assistant.access.users import UserError

    try:
        user = _store().set_role(name, role)
    except (UserError, ValueError) as exc:
        _fail(exc)
    console.print(f"{user.name} is now {user.role}")


@users_app.command("password")
def set_password(name: str, password_stdin: bool = typer.Option(False, "--password-stdin")) -> None:
    """Set a user's password."""
    from assistant.access.users import UserError

    try:
        _store().set_password(name, _read_password(password_stdin))
    except UserError as exc:
        _fail(exc)
    console.print(f"password of {name} changed")


@users_app.command("remove")
def remove(name: str) -> None:
    """Remove a user and their API tokens (their chat log-in stops working at once)."""
    if not _store().remove(name):
        _fail(ValueError(f"no user {name!r}"))
    console.print(f"removed {name}")


@users_app.command("token")
def token(name: str, label: str | None = typer.Option(None, help="What the token is for")) -> None:
    """Issue an API token for a user (send it as Authorization: Bearer <token>); shown once."""
    from assistant.access.users import UserError

    try:
        sys.stdout.write(_store().issue_token(name, label) + "\n")
    except UserError as exc:
        _fail(exc)


@users_app.command("revoke")
def revoke(name: str) -> None:
    """Withdraw all of a user's API tokens."""
    console.print(f"{_store().revoke_tokens(name)} token(s) of {name} revoked")


def purge(
    erase_answer: list[str] = typer.Option([], "--erase-answer", help="Also delete the feedback on this answer id (erasure request)"),
    everything: bool = typer.Option(False, "--all", help="Delete all feedback, the gap log and chat files"),
) -> None:
    """Delete what is past its retention period now (the server also does it hourly)."""
    from assistant.privacy import retention
    from assistant.settings import get_settings

    settings = get_settings()
    if everything:
        retention.erase_all(settings)
        console.print("deleted all feedback, the policy-gap log and chat files")
        return
    report = retention.purge(settings)
    erased = sum(retention.erase_answer(settings, a) for a in erase_answer)
    console.print(
        f"feedback comments cleared: {report.feedback_comments_cleared}; gap entries deleted: "
        f"{report.gap_entries_deleted}; chat files deleted: {report.chat_files_deleted}"
        + (f"; feedback erased on request: {erased}" if erase_answer else "")
    )


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("purge")(purge)
