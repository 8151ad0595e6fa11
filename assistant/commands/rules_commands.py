"""CLI commands for rules (placeholder until its issue lands)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the ``permanence`` app."""
