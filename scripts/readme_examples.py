"""Rewrite the README's example blocks with what the CLI prints today.

A block is marked in README.md like this (the arguments are those of ``permanence``):

    <!-- readme-example: ask "who can apply for an SGO?" --authority wigan -->
    ```text
    ...replaced by the command line and its output...
    ```

Each command runs in this process (one embedder load for all), at a fixed width of
100 columns, on the index of the current settings (``PERMANENCE_DATA_DIR``). The one
line that changes on every run (session id, answer id, milliseconds) is left out, and
long citation tables are cut after ``MAX_LINES`` lines, saying how many were cut: the
rest is the CLI's output as printed.

``make readme-examples`` rewrites README.md; ``--check`` only reports (exit 1) when the
README differs, which ``tests/integration/test_readme_examples.py`` also checks.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import sys
from pathlib import Path

WIDTH = 100
MAX_LINES = 60
README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(?P<marker><!-- readme-example: (?P<args>.+?) -->\n)```text\n(?P<body>.*?)```\n", re.DOTALL)
_VOLATILE = re.compile(r"^session: \S+\s+answer id: \S+\s+\d+ ms\s*$")


def run_cli(args: list[str]) -> str:
    """What ``permanence <args>`` prints, at ``WIDTH`` columns, without volatile lines."""
    os.environ["COLUMNS"] = str(WIDTH)
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.commands import ask_commands

    ask_commands.console.width = WIDTH  # made at import, before COLUMNS could be set
    result = CliRunner().invoke(app, args, env={"COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"})
    if result.exit_code not in (0,):
        raise RuntimeError(f"permanence {shlex.join(args)} exited {result.exit_code}: {result.output[-500:]}")
    lines = [ln.rstrip() for ln in result.output.splitlines() if not _VOLATILE.match(ln.strip())]
    if len(lines) > MAX_LINES:
        cut = len(lines) - MAX_LINES
        lines = lines[:MAX_LINES] + [f"[... {cut} more lines of the citations table]"]
    return "\n".join(lines).rstrip() + "\n"


def render(readme: str) -> str:
    """``readme`` with every marked block holding its command's current output."""
    def block(m: re.Match) -> str:
        args = shlex.split(m.group("args"))
        return f"{m.group('marker')}```text\n$ permanence {shlex.join(args)}\n{run_cli(args)}```\n"

    return BLOCK.sub(block, readme)


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    if not BLOCK.search(current):
        print("README.md has no <!-- readme-example: ... --> block", file=sys.stderr)
        return 2
    new = render(current)
    if "--check" in argv:
        if new != current:
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), new.splitlines(True), "README.md", "expected"))
            print("README.md examples differ from the CLI's output: run `make readme-examples`", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print(f"README.md: {len(BLOCK.findall(new))} example block(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
