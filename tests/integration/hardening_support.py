"""Helpers shared by the hardening and fault tests: small real corpora, a real uvicorn on loopback.

The hardening tests mutate their index (re-ingest, kills, locks), so they build their own
small corpus in a temp folder (a copy of one or two real policies with the real manifest
entries, glossary and rulebook) instead of touching the session-wide index fixture.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from pathlib import Path

import yaml

from assistant.settings import REPO_ROOT, Settings

CORPUS = REPO_ROOT / "policies_corpus"


def small_corpus(dest: Path, document_ids: list[str]) -> Path:
    """A corpus folder holding only ``document_ids`` (their real files and manifest entries)."""
    dest.mkdir(parents=True, exist_ok=True)
    manifest = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
    docs = [d for d in manifest["documents"] if d["id"] in document_ids]
    assert len(docs) == len(document_ids), f"unknown ids among {document_ids}"
    for d in docs:
        if d.get("supersedes") not in document_ids:
            d["supersedes"] = None
        shutil.copyfile(CORPUS / d["file"], dest / d["file"])
    (dest / "manifest.yaml").write_text(yaml.safe_dump({"documents": docs}, sort_keys=False), encoding="utf-8")
    for extra in ("glossary.yaml",):
        if (CORPUS / extra).exists():
            shutil.copyfile(CORPUS / extra, dest / extra)
    if (CORPUS / "rules").is_dir():
        shutil.copytree(CORPUS / "rules", dest / "rules", dirs_exist_ok=True)
    return dest


def corpus_file(settings: Settings, document_id: str) -> Path:
    manifest = yaml.safe_load(settings.manifest_path.read_text(encoding="utf-8"))
    entry = next(d for d in manifest["documents"] if d["id"] == document_id)
    return settings.resolve(settings.corpus_dir) / entry["file"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def uvicorn_thread(app, timeout_s: float = 30.0):
    """Serve ``app`` with a real uvicorn on 127.0.0.1 in a background thread; yields the base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


_TEMPLATES: dict[tuple[str, ...], tuple[Path, Path]] = {}


def small_index(dest: Path, document_ids: list[str]) -> Settings:
    """Settings over a small real index of ``document_ids`` in ``dest`` (corpus/ and data/).

    The first call per document set in a process ingests into a template; later calls
    copy it, so tests that each need a fresh index they can break pay for one ingest.
    """
    import atexit
    import tempfile

    from assistant.components.vector_store.vector_store_component import close_index
    from ingest.pipeline import IngestPipeline

    key = tuple(sorted(document_ids))
    if key not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix="hardening-index-"))
        atexit.register(shutil.rmtree, root, True)
        template = Settings(corpus_dir=small_corpus(root / "corpus", list(key)), data_dir=root / "data")
        report = IngestPipeline(template).run(progress=False)
        assert report.ok and report.built, report.failed
        close_index(template)  # builds are written once and flushed: safe to copy
        _TEMPLATES[key] = (root / "corpus", root / "data")
    corpus, data = _TEMPLATES[key]
    shutil.copytree(corpus, dest / "corpus")
    shutil.copytree(data, dest / "data")
    return Settings(corpus_dir=dest / "corpus", data_dir=dest / "data")
