"""Session fixtures over real components: the embedder, and the whole corpus indexed once.

- ``embedder``: the real all-MiniLM-L6-v2 embedder, loaded once per test session.
- ``index_settings``: a ``Settings`` whose ``data_dir`` is a session temp folder holding
  the policy corpus ingested once (embedded Qdrant on disk). Tests that only read the
  index share it; tests that change an index build their own small one.
"""

from __future__ import annotations

import pytest

from assistant.components.embedding.embedding_component import Embedder, get_embedder
from assistant.settings import Settings


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    emb = get_embedder(Settings())
    emb.model  # load now, once, so no test pays for it inside its own timing
    return emb


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory, embedder) -> Settings:
    from ingest.pipeline import IngestPipeline

    data_dir = tmp_path_factory.mktemp("permanence-index")
    settings = Settings(data_dir=data_dir, qdrant_url=None)
    report = IngestPipeline(settings).run(progress=False)
    assert report.ok, f"corpus ingest failed: {report.failed}"
    assert report.documents == 5 and report.chunks > 100
    return settings
