"""The ``permanence`` console script: one Typer app, one module of sub-commands per feature.

Each feature module under ``assistant/commands/`` exposes ``register(app)``; the
commands call the same services as the API and the chat UI.
Exit codes: 0 success, 1 partial failure (e.g. some files failed), 2 bad usage.
"""

from __future__ import annotations

import importlib
import os

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

app = typer.Typer(
    name="permanence",
    help="Permanence policy assistant: ingest policies, search, ask, compute rules, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Order here is the order in --help.
_COMMAND_MODULES = (
    "assistant.commands.ingest_commands",
    "assistant.commands.ask_commands",
    "assistant.commands.rules_commands",
    "assistant.commands.eval_commands",
    "assistant.commands.conversation_eval_commands",
    "assistant.commands.gold_commands",
    "assistant.commands.qa_review_commands",
    "assistant.commands.access_commands",
)

for _name in _COMMAND_MODULES:
    _module = importlib.import_module(_name)
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
