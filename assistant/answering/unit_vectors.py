"""Sentence-level meaning: each answer unit embedded once, compared with the question.

Word overlap picks the sentence that restates the question; the embedder reads short
sentences well and tells which one is *about* what was asked ("which children are PPMs
held for?" against "PPMs are held for children who cannot return home"). A unit is
embedded with its section heading (so "It is chaired by ..." under "Permanence Planning
Meetings" is about PPMs), lazily, the first time it is a candidate, and cached for the
life of the process: a document's units change only when its text does (the key holds
the text's hash), and only the units that questions reach are ever embedded.

``permanence ingest`` embeds every unit of every document once and saves them under the
data folder (``unit-vectors/<text hash>.npz``, written then renamed), so a service
starts with them and a first answer pays nothing; a document the store does not hold yet
is embedded unit by unit as questions reach it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAX_CACHED = 200_000  # about 300 MB of float32 384-d vectors at the most
MAX_QUERIES = 256


class UnitVectors:
    """Cosine similarity of answer units to a question, with both sides cached."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]], store_dir: Path | None = None):
        self._embed = embed
        self._store_dir = store_dir
        self._units: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tried: set[str] = set()  # text hashes looked up in the store already
        self._lock = threading.Lock()

    # -- the store written at ingest ------------------------------------------------------
    def _path(self, digest: str) -> Path | None:
        return self._store_dir / f"{digest}.npz" if self._store_dir else None

    def _load(self, digest: str) -> None:
        with self._lock:
            if digest in self._tried:
                return
            self._tried.add(digest)
        path = self._path(digest)
        if path is None or not path.exists():
            return
        try:
            data = np.load(path)
            starts, ends, vecs = data["starts"], data["ends"], data["vectors"]
        except (OSError, ValueError, KeyError) as exc:  # damaged: embed lazily instead
            log.warning("unit vectors %s unreadable (%s); embedding on demand", path.name, exc)
            return
        with self._lock:
            for s, e, v in zip(starts.tolist(), ends.tolist(), vecs):
                self._units[(digest, s, e)] = v

    def save(self, digest: str, spans: Sequence[tuple[int, int]], texts: Sequence[str]) -> bool:
        """Embed every unit of one document text and store them; False if already stored."""
        path = self._path(digest)
        if path is None or path.exists():
            return False
        vecs = np.asarray(self._embed(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, starts=np.array([s for s, _ in spans]), ends=np.array([e for _, e in spans]), vectors=vecs)
            os.replace(tmp, path)  # readers see a whole file or none
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True

    @staticmethod
    def text_key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()

    def query(self, question: str) -> np.ndarray:
        with self._lock:
            hit = self._queries.get(question)
        if hit is not None:
            return hit
        vec = np.asarray(self._embed([question])[0], dtype=np.float32)
        with self._lock:
            self._queries[question] = vec
            while len(self._queries) > MAX_QUERIES:
                self._queries.popitem(last=False)
        return vec

    def similarities(self, question: str, units: Sequence[tuple[tuple[str, int, int], str]]) -> list[float]:
        """Cosine of each ``(key, text to embed)`` with the question, in input order."""
        if not units:
            return []
        q = self.query(question)
        for digest in {k[0] for k, _ in units}:
            self._load(digest)
        with self._lock:
            missing = [(k, t) for k, t in units if k not in self._units]
        if missing:
            seen: dict[tuple[str, int, int], str] = dict(missing)
            vecs = self._embed(list(seen.values()))
            with self._lock:
                for k, v in zip(seen, vecs):
                    self._units[k] = np.asarray(v, dtype=np.float32)
                while len(self._units) > MAX_CACHED:
                    self._units.popitem(last=False)
        with self._lock:
            mat = np.stack([self._units[k] for k, _ in units])
        # vectors are unit-normalised by the embedder: the dot product is the cosine
        return [float(x) for x in np.einsum("ij,j->i", mat, q)]


def unit_embed_text(heading: str | None, text: str) -> str:
    """What the embedder reads for a unit: its section heading, then the unit as one line."""
    flat = " ".join(text.split())
    return f"{heading}: {flat}" if heading else flat


def unit_vector_dir(settings) -> Path:
    return settings.resolve(settings.data_dir) / "unit-vectors"


def store_unit_vectors(settings, texts, document_ids: Sequence[str]) -> int:
    """Embed and store the answer units of each document (skipping those stored already);
    returns how many documents were embedded. ``texts`` is a ``DocumentTexts``."""
    from assistant.components.embedding.embedding_component import get_embedder

    vectors = UnitVectors(lambda t: get_embedder(settings).embed_documents(t), unit_vector_dir(settings))
    done = 0
    for doc_id in document_ids:
        text, units = texts.get(doc_id)
        spans = [(u.start, u.end) for u in units]
        embed = [unit_embed_text(" > ".join(texts.section(doc_id, u.start)), text[u.start : u.end]) for u in units]
        done += vectors.save(UnitVectors.text_key(text), spans, embed)
    return done


def warm_answer_units(settings) -> int:
    """After an ingest: store the unit vectors of every indexed document (see the module
    docstring). Best effort: a failure here costs speed on first answers, never an answer."""
    from assistant.answering.document_texts import DocumentTexts
    from ingest.index_state import read_state

    try:
        ids = sorted(read_state(settings).get("documents", {}))
        return store_unit_vectors(settings, DocumentTexts(settings), ids)
    except Exception as exc:  # noqa: BLE001 - the answers do not depend on it
        log.warning("could not store answer-unit vectors: %s", exc)
        return 0
