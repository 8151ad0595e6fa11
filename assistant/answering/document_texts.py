"""Normalised document texts and their answer units, loaded once per document.

Offsets of chunks and citations refer to the text that ingest normalised
(``ingest.documents.load_document_text``), so the answer units are cut from that
same text: a quote is always ``text[start:end]``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from assistant.answering.passages import Unit, segment
from assistant.settings import Settings


class DocumentTexts:
    """Cache of (text, units) per document id; thread-safe."""

    def __init__(self, settings: Settings, loader: Callable[[Settings, str], str] | None = None):
        self.settings = settings
        self._loader = loader
        self._cache: dict[str, tuple[str, list[Unit]]] = {}
        self._lock = threading.Lock()

    def _load(self, document_id: str) -> str:
        if self._loader is None:
            from ingest.documents import load_document_text

            self._loader = load_document_text
        return self._loader(self.settings, document_id)

    def get(self, document_id: str) -> tuple[str, list[Unit]]:
        with self._lock:
            hit = self._cache.get(document_id)
        if hit is not None:
            return hit
        text = self._load(document_id)
        value = (text, segment(text))
        with self._lock:
            self._cache[document_id] = value
        return value

    def text(self, document_id: str) -> str:
        return self.get(document_id)[0]

    def section(self, document_id: str, offset: int) -> list[str]:
        try:
            from ingest.documents import section_path_at

            return list(section_path_at(self.settings, document_id, offset))
        except Exception:  # section lookup is best effort; the quote itself is exact
            return []

    def page(self, document_id: str, offset: int) -> int | None:
        try:
            from ingest.documents import page_at

            return page_at(self.settings, document_id, offset)
        except Exception:
            return None
