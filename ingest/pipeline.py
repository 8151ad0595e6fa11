"""Ingest: policy files -> chunks -> vectors -> a new index, switched in atomically.

``IngestPipeline(settings).run(paths=None, rebuild=False)``:

1. decide the document set: with no ``paths``, the manifest's corpus (plus any file
   ingested earlier from outside the corpus, re-checked on disk); with ``paths``, those
   files are added or updated and every other indexed document is kept;
2. fingerprint each file (content hash + manifest entry + chunking settings + model);
   an unchanged document is not loaded, chunked or embedded again: its points, vectors
   included, are copied from the serving collection into the new one;
3. load, parse, chunk and embed the new and changed documents (a changed document's
   unchanged windows reuse their old vectors);
4. write everything to a *new* versioned collection, check its point count, then move
   the alias ``settings.collection`` to it in one operation and record the state;
   only then are older collections and unreferenced docstore files removed.

A file that fails to load is reported (one line: file and reason) and skipped; if an
older version of it is indexed, that version keeps serving. Any error while building
drops the new collection and leaves the previous index serving untouched.
If nothing changed, no collection is built at all (and the model is never loaded).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from assistant.components.embedding.embedding_component import get_embedder
from assistant.components.sparse.sparse_component import get_sparse_encoder
from assistant.components.vector_store.vector_store_component import IndexPoint, VectorStore
from assistant.corpus import Corpus, ManifestError, load_corpus
from assistant.models import DocumentMeta
from assistant.settings import Settings
from ingest import documents as documents_mod
from ingest.chunking import ChunkPlan, chunk_document
from ingest.documents import ParsedDocument, parse_loaded
from ingest.index_state import docstore_dir, read_state, write_json_atomic, write_state
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, file_sha256, load_file

# Bump when parsing/chunking changes, so every document is re-chunked on the next run.
PIPELINE_VERSION = "5"

ProgressFn = Callable[[str, int, int], None]  # (stage description, done, total)


class IngestError(RuntimeError):
    """The build failed; the previous index is still serving."""


@dataclass
class DocumentResult:
    document_id: str
    file: str
    status: str  # new | changed | unchanged | failed | removed | kept
    chunks: int = 0
    points: int = 0
    reason: str | None = None


@dataclass
class IngestReport:
    """What one run did. ``failed`` lines read "<file>: <reason>"."""

    results: list[DocumentResult] = field(default_factory=list)
    seconds: float = 0.0
    collection: str | None = None
    built: bool = False
    model_loaded: bool = False
    windows_embedded: int = 0

    def _count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def documents(self) -> int:
        """Documents in the index after the run."""
        return self._count("new", "changed", "unchanged", "kept")

    @property
    def ingested(self) -> int:
        return self._count("new", "changed")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged", "kept")

    @property
    def removed(self) -> int:
        return self._count("removed")

    @property
    def chunks(self) -> int:
        return sum(r.chunks for r in self.results if r.status in ("new", "changed", "unchanged", "kept"))

    @property
    def failed(self) -> list[str]:
        return [f"{r.file}: {r.reason}" for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "chunks": self.chunks,
            "failed": self.failed,
            "seconds": round(self.seconds, 2),
            "collection": self.collection,
            "built": self.built,
            "results": [r.__dict__ for r in self.results],
        }


@dataclass
class _Source:
    meta: DocumentMeta
    path: Path
    origin: str  # corpus | external
    fingerprint: str = ""
    sha256: str = ""


class IngestPipeline:
    """One ingest run over the corpus (or given files) into the index of ``settings``."""

    def __init__(self, settings: Settings, store: VectorStore | None = None):
        self.settings = settings
        self.store = store or VectorStore(settings)

    # --- public -------------------------------------------------------------------
    def run(
        self,
        paths: list[Path | str] | None = None,
        rebuild: bool = False,
        progress: bool | ProgressFn = True,
        authority: str | None = None,
    ) -> IngestReport:
        """Ingest; see the module docstring. ``authority`` names the council of files given
        from outside the corpus (their manifest entry is generated)."""
        t0 = time.perf_counter()
        report = IngestReport()
        with _progress_reporter(progress) as tick:
            self._run(paths, rebuild, tick, authority, report)
        report.seconds = time.perf_counter() - t0
        return report

    # --- the run --------------------------------------------------------------------
    def _run(self, paths, rebuild: bool, tick: ProgressFn, authority: str | None, report: IngestReport) -> None:
        settings = self.settings
        try:
            corpus = load_corpus(settings.manifest_path)
        except ManifestError as exc:
            raise IngestError(str(exc)) from None
        state = read_state(settings)
        live = self.store.live_collection()
        if live and state.get("collection") != live:
            state = _adopt_build_state(settings, live) or state
        previous: dict[str, dict] = state.get("documents", {}) if live and state.get("collection") == live else {}
        if live and not previous and state.get("documents"):
            rebuild = True  # the state does not describe the serving collection: trust nothing

        sources, failures, explicit = self._sources(corpus, paths, previous, authority)
        report.results.extend(failures)

        # 1. fingerprints: decide what is unchanged
        signature = self._signature()
        todo: list[_Source] = []
        keep: dict[str, dict] = {}  # document id -> previous state entry, copied as is
        for i, src in enumerate(sources):
            tick("Checking documents", i, len(sources))
            try:
                _check_size(src.path, settings.max_file_bytes)
                src.sha256 = file_sha256(src.path)
            except LoadError as exc:
                report.results.append(self._failed(src, exc.reason, previous, keep))
                continue
            except OSError as exc:
                report.results.append(self._failed(src, f"cannot read file: {exc}", previous, keep))
                continue
            src.fingerprint = _fingerprint(src, signature)
            prev = previous.get(src.meta.id)
            if prev and prev.get("fingerprint") == src.fingerprint and not rebuild:
                keep[src.meta.id] = prev
                report.results.append(DocumentResult(src.meta.id, src.path.name, "unchanged", prev.get("chunks", 0),
                                                     prev.get("points", 0)))
            else:
                todo.append(src)
        tick("Checking documents", len(sources), len(sources))

        # documents indexed before that are no longer among the sources
        wanted = {s.meta.id for s in sources}
        for did, entry in previous.items():
            if did in wanted or did in keep:
                continue
            if paths is not None and did not in explicit:
                keep[did] = entry  # a partial run keeps what it was not asked about
                report.results.append(DocumentResult(did, entry.get("file", did), "kept", entry.get("chunks", 0),
                                                     entry.get("points", 0)))
            else:
                report.results.append(DocumentResult(did, entry.get("file", did), "removed"))

        # 2. load + parse + chunk the new and changed documents
        parsed: list[tuple[_Source, ParsedDocument, list[ChunkPlan]]] = []
        embedder = get_embedder(settings)
        for i, src in enumerate(todo):
            tick("Parsing", i, len(todo))
            try:
                loaded = load_file(src.path, max_bytes=settings.max_file_bytes)
                meta = _complete_meta(src, loaded)
                doc = parse_loaded(meta, loaded)
                plans = chunk_document(doc, embedder.count_tokens_batch, settings.chunk_max_tokens, embedder.window)
                if not plans:
                    raise LoadError(src.path, "no content left to index after removing contents pages and chrome")
            except LoadError as exc:
                report.results.append(self._failed(src, exc.reason, previous, keep))
                continue
            src.meta = meta
            parsed.append((src, doc, plans))
        tick("Parsing", len(todo), len(todo))

        removed = report.removed > 0
        if live and not parsed and not removed and not rebuild:
            report.collection = live
            # a run that died after its switch left the previous collection behind: drop it now
            self._cleanup(live)
            return  # nothing to build: the serving index is already right
        if not live and not parsed and not keep:
            return  # nothing loadable at all: no empty index, no model load

        # 3. build the new collection
        new_name = f"{self.store.alias}__{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}"
        try:
            self._build(new_name, live, parsed, keep, tick, report)
        except BaseException as exc:
            if self.store.live_collection() == new_name:
                # the switch happened: the new index serves; only recording the state failed,
                # and the next run adopts the build's own state (see _adopt_build_state)
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                raise IngestError(f"new index is serving but its state was not recorded ({type(exc).__name__}: {exc}); "
                                  "the next run repairs it") from exc
            try:
                self.store.drop_collection(new_name)
            except Exception:
                pass
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise IngestError(f"index build failed, previous index still serving: {type(exc).__name__}: {exc}") from exc

        # 4. clean up what no reader can reach any more
        self._cleanup(new_name)

    def _build(self, new_name, live, parsed, keep, tick: ProgressFn, report: IngestReport) -> None:
        settings = self.settings
        embedder = get_embedder(settings)
        sparse = get_sparse_encoder(settings)

        # vectors of a changed document's unchanged windows are reused, keyed by window text
        reuse: dict[str, tuple[list[float], Any]] = {}
        if live:
            for src, _, _ in parsed:
                reuse.update(self._old_vectors(live, src.meta.id))

        windows: list[tuple[int, int, str, str]] = []  # (doc index, plan index, dense text, sparse text)
        for di, (_, _, plans) in enumerate(parsed):
            for pi, plan in enumerate(plans):
                for dense_text, sparse_text in zip(plan.windows, plan.sparse_windows):
                    windows.append((di, pi, dense_text, sparse_text))
        need = [w for w in windows if _window_key(w[2]) not in reuse]
        vectors: dict[str, list[float]] = {}
        batch = max(8, settings.embedding_batch_size * 2)
        for i in range(0, len(need), batch):
            tick("Embedding", i, len(need))
            texts = [w[2] for w in need[i:i + batch]]
            for t, v in zip(texts, embedder.embed_documents(texts)):
                vectors[_window_key(t)] = v
        tick("Embedding", len(need), len(need))
        report.windows_embedded = len(need)
        report.model_loaded = embedder.loaded

        dimension = (len(next(iter(vectors.values()))) if vectors
                     else len(next(iter(reuse.values()))[0]) if reuse else embedder.dimension)
        self.store.create_collection(new_name, dimension)

        # copy unchanged documents
        copied: dict[str, int] = {}
        for i, (did, entry) in enumerate(keep.items()):
            tick("Copying unchanged documents", i, len(keep))
            copied[did] = self.store.copy_document(live, new_name, did)
        tick("Copying unchanged documents", len(keep), len(keep))

        # write new and changed documents
        points: list[IndexPoint] = []
        counts: dict[str, int] = {}
        for di, (src, doc, plans) in enumerate(parsed):
            extra = _extra_payload(src)
            for plan in plans:
                n = len(plan.windows)
                for wi, (dense_text, sparse_text) in enumerate(zip(plan.windows, plan.sparse_windows)):
                    key = _window_key(dense_text)
                    dense = vectors.get(key) or reuse[key][0]
                    sv = sparse.encode_document(sparse_text)
                    points.append(IndexPoint(plan.chunk, wi, n, dense, sv, {**extra, "window_key": key}))
            counts[src.meta.id] = sum(len(p.windows) for p in plans)
        tick("Writing index", 0, len(points))
        self.store.upsert(new_name, points)
        tick("Writing index", len(points), len(points))

        expected = sum(counts.values()) + sum(copied.values())
        got = self.store.count(new_name)
        if got != expected:
            raise IngestError(f"new collection holds {got} points, expected {expected}")
        for did, entry in keep.items():
            if copied[did] != entry.get("points", copied[did]):
                raise IngestError(f"{did}: copied {copied[did]} points, the index had {entry.get('points')}")

        # docstore files (immutable, named by fingerprint) before the switch, state after it
        state_docs: dict[str, dict] = dict(keep)
        store_dir = docstore_dir(settings)
        for src, doc, plans in parsed:
            fname = f"{src.meta.id}.{src.fingerprint[:20]}.json"
            write_json_atomic(store_dir / fname, doc.to_json())
            state_docs[src.meta.id] = {
                "fingerprint": src.fingerprint,
                "sha256": src.sha256,
                "file": src.path.name,
                "path": str(src.path.resolve()),
                "origin": src.origin,
                "docstore": fname,
                "chunks": len(plans),
                "points": counts[src.meta.id],
                "meta": src.meta.model_dump(mode="json"),
                "source_metadata": doc.source_metadata,
            }
        new_state = {
            "collection": new_name,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "pipeline_version": PIPELINE_VERSION,
            "embedding_model": settings.embedding_model,
            "documents": state_docs,
        }
        # The build's own state goes down before the switch: if the process dies between
        # moving the alias and writing index_state.json, the next run adopts it.
        write_json_atomic(_build_state_path(settings, new_name), new_state)
        self.store.switch_alias(new_name)
        write_state(settings, new_state)
        documents_mod.clear_caches()
        report.collection = new_name
        report.built = True
        for src, _, plans in parsed:
            report.results.append(DocumentResult(src.meta.id, src.path.name, src._status,  # type: ignore[attr-defined]
                                                 len(plans), counts[src.meta.id]))

    def _old_vectors(self, live: str, document_id: str) -> dict[str, tuple[list[float], Any]]:
        from qdrant_client import models

        flt = models.Filter(must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))])
        out = {}
        for rec in self.store._scroll(live, flt, ["window_key"], with_vectors=["dense"]):
            key = (rec.payload or {}).get("window_key")
            vec = rec.vector.get("dense") if isinstance(rec.vector, dict) else None
            if key and vec is not None:
                out[key] = (vec, None)
        return out

    def _cleanup(self, keep_name: str) -> None:
        live = self.store.live_collection()
        for name in self.store.build_collections():
            if name not in (keep_name, live):
                try:
                    self.store.drop_collection(name)
                except Exception:
                    pass  # a leftover collection is harmless; the next run retries
        builds_dir = _build_state_path(self.settings, keep_name).parent
        if builds_dir.exists():
            for f in builds_dir.glob("*.json"):
                if f.stem not in (keep_name, live):
                    try:
                        f.unlink()
                    except OSError:
                        pass
        state = read_state(self.settings)
        referenced = {e.get("docstore") for e in state.get("documents", {}).values()}
        store_dir = docstore_dir(self.settings)
        if store_dir.exists():
            for f in store_dir.glob("*.json"):
                if f.name not in referenced:
                    try:
                        f.unlink()
                    except OSError:
                        pass

    # --- sources ------------------------------------------------------------------------
    def _sources(self, corpus: Corpus, paths, previous: dict[str, dict], authority: str | None):
        """(sources, failures, explicitly named ids) for this run."""
        corpus_root = corpus.root.resolve()
        failures: list[DocumentResult] = []
        sources: list[_Source] = []
        explicit: set[str] = set()
        if paths is None:
            for meta in corpus.documents:
                sources.append(_Source(meta, corpus.path_of(meta), "corpus"))
            listed = {d.file for d in corpus.documents}
            for f in sorted(corpus_root.iterdir()):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and f.name not in listed and not f.name.startswith("."):
                    failures.append(DocumentResult(_slug(f.stem), f.name, "failed",
                                                   reason="in policies_corpus/ but has no entry in manifest.yaml"))
            # files ingested earlier from outside the corpus stay if they still exist
            corpus_ids = {d.id for d in corpus.documents}
            for did, entry in previous.items():
                if entry.get("origin") == "external" and did not in corpus_ids and Path(entry.get("path", "")).is_file():
                    meta = DocumentMeta.model_validate(entry["meta"])
                    sources.append(_Source(meta, Path(entry["path"]), "external"))
        else:
            files: list[Path] = []
            for p in paths:
                p = Path(p)
                if p.is_dir():
                    files.extend(sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                                        and f.name != "manifest.yaml"))
                else:
                    files.append(p)
            seen_ids: set[str] = set()
            by_path = {Path(e.get("path", "")): did for did, e in previous.items() if e.get("path")}
            for f in files:
                resolved = f.resolve() if f.exists() else f.absolute()
                if resolved.parent == corpus_root:
                    meta = corpus.by_file(f.name)
                    if meta is None:
                        failures.append(DocumentResult(_slug(f.stem), f.name, "failed",
                                                       reason="in policies_corpus/ but has no entry in manifest.yaml"))
                        continue
                    src = _Source(meta, resolved, "corpus")
                else:
                    did = by_path.get(resolved) or _unique_id(f"file-{_slug(f.stem)}", corpus, seen_ids, previous, resolved)
                    meta = DocumentMeta(
                        id=did, file=f.name, authority=authority or "Unspecified authority", title=f.stem,
                        version="unversioned", status="current",
                        source_format=f.suffix.lower().lstrip(".") or "unknown",
                    )
                    src = _Source(meta, resolved, "external")
                    src._generated = True  # type: ignore[attr-defined]
                if src.meta.id in seen_ids:
                    continue
                seen_ids.add(src.meta.id)
                explicit.add(src.meta.id)
                sources.append(src)
        for src in sources:
            src._status = "changed" if src.meta.id in previous else "new"  # type: ignore[attr-defined]
        return sources, failures, explicit

    def _failed(self, src: _Source, reason: str, previous: dict, keep: dict) -> DocumentResult:
        # the previously indexed version of a now-broken file keeps serving
        if src.meta.id in previous:
            keep[src.meta.id] = previous[src.meta.id]
        return DocumentResult(src.meta.id, src.path.name, "failed", reason=reason)

    def _signature(self) -> str:
        s = self.settings
        return json.dumps([PIPELINE_VERSION, Path(s.embedding_model).name, s.embedding_max_tokens, s.chunk_max_tokens])


# --- helpers ---------------------------------------------------------------------------


def _build_state_path(settings: Settings, collection: str) -> Path:
    return docstore_dir(settings).parent / "builds" / f"{collection}.json"


def _adopt_build_state(settings: Settings, live: str) -> dict | None:
    """The state of the serving build when index_state.json lags behind it (a run died
    between switching the alias and recording the state): adopt it, so the documents'
    texts match the chunks being served again."""
    path = _build_state_path(settings, live)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if state.get("collection") != live:
        return None
    write_state(settings, state)
    documents_mod.clear_caches()
    return state


def _check_size(path: Path, max_bytes: int) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    if size > max_bytes:
        raise LoadError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit "
                              "(PERMANENCE_MAX_FILE_BYTES); split it or raise the limit")


def _fingerprint(src: _Source, signature: str) -> str:
    meta = src.meta.model_dump(mode="json")
    if getattr(src, "_generated", False):
        meta.pop("title", None)  # generated from the file itself: part of its content
    h = hashlib.sha256()
    h.update(src.sha256.encode())
    h.update(json.dumps(meta, sort_keys=True).encode())
    h.update(signature.encode())
    return h.hexdigest()


def _window_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _extra_payload(src: _Source) -> dict[str, Any]:
    return {
        "fingerprint": src.fingerprint,
        "date": src.meta.date.isoformat() if src.meta.date else None,
        "source_format": src.meta.source_format,
        "supersedes": src.meta.supersedes,
    }


def _complete_meta(src: _Source, loaded) -> DocumentMeta:
    """A generated manifest entry takes what the file itself says (title, version, date)."""
    if not getattr(src, "_generated", False):
        return src.meta
    md = loaded.metadata
    title = md.get("html_title") or _first_title_line(loaded.text) or src.meta.title
    update: dict[str, Any] = {"title": title}
    if md.get("version"):
        update["version"] = md["version"]
    if md.get("last_updated"):
        parsed = _parse_date(md["last_updated"])
        if parsed:
            update["date"] = parsed
            update["date_note"] = f"Last Updated: {md['last_updated']}"
    return src.meta.model_copy(update=update)


def _first_title_line(text: str) -> str | None:
    for line in text.split("\n")[:5]:
        line = line.strip()
        if line and len(line) <= 120 and not line.endswith((".", ":", ";", ",")):
            return line
    return None


def _parse_date(s: str) -> date | None:
    for fmt in ("%B %d, %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(s.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") or "document"


def _unique_id(base: str, corpus: Corpus, seen: set[str], previous: dict, path: Path) -> str:
    taken = {d.id for d in corpus.documents} | seen | {
        did for did, e in previous.items() if Path(e.get("path", "")) != path
    }
    if base not in taken:
        return base
    suffix = hashlib.sha256(str(path).encode()).hexdigest()[:6]
    return f"{base}-{suffix}"


class _progress_reporter:
    """Context manager yielding a tick(stage, done, total) function (rich bar, callback or no-op)."""

    def __init__(self, progress: bool | ProgressFn):
        self.progress = progress
        self._bar = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> ProgressFn:
        if callable(self.progress):
            return self.progress
        if not self.progress:
            return lambda stage, done, total: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=Console(stderr=True), transient=False)
        self._bar.start()

        def tick(stage: str, done: int, total: int) -> None:
            if total <= 0:
                return
            if stage not in self._tasks:
                self._tasks[stage] = self._bar.add_task(stage, total=total)
            self._bar.update(self._tasks[stage], completed=done, total=total)

        return tick

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


def ensure_index(settings: Settings, progress: bool | ProgressFn = True) -> IngestReport:
    """Make sure the index serves the corpus (used at service start).

    Ingests everything on first start; afterwards only changed documents are
    re-embedded, and a run with nothing to do takes well under a second.
    """
    return IngestPipeline(settings).run(progress=progress)
