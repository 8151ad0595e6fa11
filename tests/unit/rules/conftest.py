"""Shared fixtures for the rule-layer tests: the real rulebook over the real corpus, loaded once."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.rules.rulebook import Rulebook, load_rulebook
from assistant.settings import Settings


@pytest.fixture(scope="session")
def rules_settings(tmp_path_factory) -> Settings:
    # an empty data dir: document texts come from the corpus files through ingest.documents
    return Settings(data_dir=tmp_path_factory.mktemp("rules-data"))


@pytest.fixture(scope="session")
def book(rules_settings) -> Rulebook:
    return load_rulebook(rules_settings)


def d(s: str) -> date:
    return date.fromisoformat(s)
