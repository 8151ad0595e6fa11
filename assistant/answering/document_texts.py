"""Normalised document texts and their answer units, loaded once per document.

Offsets of chunks and citations refer to the text that ingest normalised
(``ingest.documents.load_document_text``), so the answer units are cut from that
same text: a quote is always ``text[start:end]``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from assistant.answering.passages import Unit, segment
from assistant.models import Chunk
from assistant.settings import Settings

# Versions of one document kept in memory: the one serving now and those just replaced,
# for requests that retrieved from the previous index generation while ingest switched.
_VERSIONS_KEPT = 3


def holds(text: str, chunk: Chunk) -> bool:
    """Whether ``text`` is the version of the document that ``chunk``'s offsets refer to."""
    return text[chunk.start : chunk.end] == chunk.text


class DocumentTexts:
    """Cache of (text, units) per document id; thread-safe.

    A re-ingest can change a document while the service runs: a chunk's offsets then
    refer to the new text, and quoting the cached old text at them would cite the wrong
    words. ``for_chunk`` returns the version the chunk was cut from, reloading when the
    index has moved on.
    """

    def __init__(self, settings: Settings, loader: Callable[[Settings, str], str] | None = None):
        self.settings = settings
        self._loader = loader
        self._cache: dict[str, list[tuple[str, list[Unit]]]] = {}  # newest first
        self._lock = threading.Lock()

    def _load(self, document_id: str) -> str:
        if self._loader is None:
            from ingest.documents import load_document_text

            self._loader = load_document_text
        return self._loader(self.settings, document_id)

    def get(self, document_id: str) -> tuple[str, list[Unit]]:
        """The newest loaded version of the document (loaded on first use)."""
        with self._lock:
            versions = self._cache.get(document_id)
        if versions:
            return versions[0]
        return self._remember(document_id, self._load(document_id))

    def for_chunk(self, chunk: Chunk) -> tuple[str, list[Unit]] | None:
        """The version of ``chunk``'s document that its offsets refer to; None if no version
        at hand holds it (the document changed again since the chunk was retrieved)."""
        with self._lock:
            versions = list(self._cache.get(chunk.document_id, ()))
        for value in versions:
            if holds(value[0], chunk):
                return value
        # first use, or the index moved on: the serving text, else another stored version
        if self._loader is None:
            from ingest.documents import text_for_chunk

            text = text_for_chunk(self.settings, chunk)
        else:
            text = self._load(chunk.document_id)
        if text is None or not holds(text, chunk):
            return None
        return self._remember(chunk.document_id, text)

    def _remember(self, document_id: str, text: str) -> tuple[str, list[Unit]]:
        with self._lock:
            for value in self._cache.get(document_id, ()):
                if value[0] == text:
                    return value
        value = (text, segment(text))
        with self._lock:
            older = [v for v in self._cache.get(document_id, ()) if v[0] != text]
            self._cache[document_id] = [value, *older][:_VERSIONS_KEPT]
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
