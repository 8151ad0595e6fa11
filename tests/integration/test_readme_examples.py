"""The README's example answers are what the CLI prints today (``make readme-examples``
writes them): this fails, with the diff, as soon as an answer, a citation or the CLI's
layout changes without the README following. Runs the real CLI in-process on the
session's index of the corpus (one embedder load, a few seconds)."""

from __future__ import annotations

import difflib
import importlib.util

import pytest

from assistant.settings import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _script():
    spec = importlib.util.spec_from_file_location("readme_examples", REPO_ROOT / "scripts" / "readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_examples_match_what_the_cli_prints(index_settings, monkeypatch):
    import assistant.settings

    script = _script()
    monkeypatch.setattr(assistant.settings, "get_settings", lambda: index_settings)
    readme = script.README.read_text(encoding="utf-8")
    assert len(script.BLOCK.findall(readme)) >= 3, "the README lost its marked example blocks"
    expected = script.render(readme)
    diff = "".join(difflib.unified_diff(readme.splitlines(True), expected.splitlines(True), "README.md", "CLI output"))
    assert not diff, "README examples are stale; run `make readme-examples`:\n" + diff[:4000]
