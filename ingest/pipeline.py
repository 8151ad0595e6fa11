"""Ingest: policy files -> chunks -> vectors -> a new index, switched in atomically.

``IngestPipeline(settings).run(paths=None, rebuild=False)``:

1. decide the document set: with no ``paths``, the manifest's corpus (plus any file
   ingested earlier from outside the corpus, re-checked on disk); with ``paths``, those
   files are added or updated and every other indexed document is kept;
2. fingerprint each file (content hash + manifest entry + chunking settings + model);
   an unchanged document is not loaded, chunked or embedded again: its points come from
   the points file written when it was last ingested (``data_dir/points/``) and its
   vectors from the embedding cache, never from the index being served (embedded, that
   shard is held open by the service);
3. load, parse, chunk and embed the new and changed documents (any window whose text was
   embedded before, by this model, takes its vector from the embedding cache);
4. write everything to a *new* build (an Edge shard folder, or a versioned collection on a
   Qdrant server), check its point count, make it durable, then publish it in one step
   (the pointer file, or the alias) and record the state; only then are older builds
   nobody reads any more and unreferenced docstore and points files removed.

One ingest runs at a time per data folder (``data_dir/index/ingest.lock``); a second one
stops with one line saying so, while the service keeps serving throughout.

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

from assistant.components.embedding.embedding_cache import EmbeddingCache
from assistant.components.embedding.embedding_component import get_embedder
from assistant.components.sparse.sparse_component import SparseVec, get_sparse_encoder
from assistant.components.vector_store.edge_index import IndexUnavailable, ingest_lock, new_build_name
from assistant.components.vector_store.vector_store_component import IndexPoint, VectorStore, document_entry
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
POINTS_DIR = "points"

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
        wait: bool = False,
    ) -> IngestReport:
        """Ingest; see the module docstring. ``authority`` names the council of files given
        from outside the corpus (their manifest entry is generated). ``wait``: wait for an
        ingest already running instead of stopping with ``IngestError``."""
        t0 = time.perf_counter()
        report = IngestReport()
        lock = (ingest_lock(self.settings.index_path, wait=wait) if self.store._edge else _no_lock())
        try:
            lock.__enter__()
        except (IndexUnavailable, OSError) as exc:
            raise IngestError(str(exc)) from None
        try:
            with _progress_reporter(progress) as tick:
                self._run(paths, rebuild, tick, authority, report)
        finally:
            lock.__exit__(None, None, None)
        report.seconds = time.perf_counter() - t0
        return report

    # --- the run --------------------------------------------------------------------
    def _run(self, paths, rebuild: bool, tick: ProgressFn, authority: str | None, report: IngestReport) -> None:
        settings = self.settings
        self._previous = self._build_keys = None
        try:
            corpus = load_corpus(settings.manifest_path)
        except ManifestError as exc:
            raise IngestError(str(exc)) from None
        state = read_state(settings)
        try:
            live = self.store.live_collection()
        except IndexUnavailable:
            live = None  # a damaged pointer: build everything again (the embedding cache makes it cheap)
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
            if (prev and prev.get("fingerprint") == src.fingerprint and not rebuild
                    and _points_path(settings, prev).is_file()):
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

        # 3. build the new index
        new_name = new_build_name(self.store.alias)
        try:
            self._build(new_name, live, parsed, keep, tick, report)
        except BaseException as exc:
            try:
                published = self.store.live_collection() == new_name
            except IndexUnavailable:
                published = False
            if published:
                # the switch happened: the new index serves; only recording the state failed,
                # and the next run adopts the build's own state (see _adopt_build_state)
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                raise IngestError(f"new index is serving but its state was not recorded ({type(exc).__name__}: {exc}); "
                                  "the next run repairs it") from exc
            try:
                self.store.abandon_build(new_name)
            except Exception:
                pass
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            reason = " ".join(str(exc).split())[:300]
            raise IngestError(f"index build failed, previous index still serving: {type(exc).__name__}: {reason}") from exc

        # 4. clean up what no reader can reach any more
        self._cleanup(new_name)

    def _build(self, new_name, live, parsed, keep, tick: ProgressFn, report: IngestReport) -> None:
        settings = self.settings
        embedder = get_embedder(settings)
        sparse = get_sparse_encoder(settings)
        cache = EmbeddingCache(settings)
        try:
            self._build_with(cache, embedder, sparse, new_name, parsed, keep, tick, report)
        finally:
            cache.close()

    def _build_with(self, cache, embedder, sparse, new_name, parsed, keep, tick, report) -> None:
        settings = self.settings
        # unchanged documents: their points as written last time (payload, sparse vector, window key)
        kept_rows: dict[str, list[dict]] = {}
        for i, (did, entry) in enumerate(keep.items()):
            tick("Reading unchanged documents", i, len(keep))
            kept_rows[did] = _read_points(settings, entry)
        tick("Reading unchanged documents", len(keep), len(keep))

        windows: list[tuple[int, int, str, str]] = []  # (doc index, plan index, dense text, sparse text)
        for di, (_, _, plans) in enumerate(parsed):
            for pi, plan in enumerate(plans):
                for dense_text, sparse_text in zip(plan.windows, plan.sparse_windows):
                    windows.append((di, pi, dense_text, sparse_text))
        wanted = {_window_key(w[2]) for w in windows} | {r["payload"]["window_key"] for rows in kept_rows.values()
                                                         for r in rows}
        vectors = cache.get_many(wanted)
        self._build_keys = wanted
        missing_kept = [did for did, rows in kept_rows.items()
                        if any(r["payload"]["window_key"] not in vectors for r in rows)]
        if missing_kept:
            raise IngestError(f"the embedding cache ({cache.path}) lacks vectors of unchanged documents "
                              f"({', '.join(missing_kept[:5])}); run `permanence ingest --rebuild`")
        need: dict[str, str] = {}
        for w in windows:
            key = _window_key(w[2])
            if key not in vectors:
                need.setdefault(key, w[2])
        texts_needed = list(need.items())
        batch = max(8, settings.embedding_batch_size * 2)
        for i in range(0, len(texts_needed), batch):
            tick("Embedding", i, len(texts_needed))
            part = texts_needed[i:i + batch]
            fresh = dict(zip((k for k, _ in part), embedder.embed_documents([t for _, t in part])))
            cache.put_many(fresh)  # kept even if this build fails: a rerun does not pay again
            vectors.update(fresh)
        tick("Embedding", len(texts_needed), len(texts_needed))
        report.windows_embedded = len(texts_needed)
        report.model_loaded = embedder.loaded

        dimension = len(next(iter(vectors.values()))) if vectors else embedder.dimension
        self.store.create_collection(new_name, dimension)

        # unchanged documents, from their points files
        rows: list[tuple] = []
        copied: dict[str, int] = {}
        for did, recs in kept_rows.items():
            for r in recs:
                rows.append((r["id"], vectors[r["payload"]["window_key"]], SparseVec(*r["sparse"]), r["payload"]))
            copied[did] = len(recs)

        # new and changed documents
        counts: dict[str, int] = {}
        points_files: dict[str, list[dict]] = {}
        for di, (src, doc, plans) in enumerate(parsed):
            extra = _extra_payload(src)
            recs = points_files[src.meta.id] = []
            for plan in plans:
                n = len(plan.windows)
                for wi, (dense_text, sparse_text) in enumerate(zip(plan.windows, plan.sparse_windows)):
                    key = _window_key(dense_text)
                    sv = sparse.encode_document(sparse_text)
                    p = IndexPoint(plan.chunk, wi, n, vectors[key], sv, {**extra, "window_key": key})
                    payload = p.payload()
                    rows.append((p.id, p.dense, sv, payload))
                    recs.append({"id": p.id, "payload": payload, "sparse": [list(sv.indices), list(sv.values)]})
            counts[src.meta.id] = sum(len(p.windows) for p in plans)
        tick("Writing index", 0, len(rows))
        self.store.upsert(new_name, rows)
        tick("Writing index", len(rows), len(rows))

        expected = sum(counts.values()) + sum(copied.values())
        got = self.store.count(new_name)
        if got != expected:
            raise IngestError(f"new index holds {got} points, expected {expected}")
        for did, entry in keep.items():
            if copied[did] != entry.get("points", copied[did]):
                raise IngestError(f"{did}: read {copied[did]} points, the index had {entry.get('points')}")
        tick("Saving index", 0, 1)
        documents = [document_entry(entry.get("meta") or {"id": did}, entry.get("chunks", 0), copied[did])
                     for did, entry in keep.items()]
        documents += [document_entry(src.meta.model_dump(mode="json"), len(plans), counts[src.meta.id])
                      for src, _, plans in parsed]
        self.store.finish_build(new_name, documents, {str(pid): payload["id"] for pid, _, _, payload in rows})
        tick("Saving index", 1, 1)

        # docstore files (immutable, named by fingerprint) before the switch, state after it
        state_docs: dict[str, dict] = dict(keep)
        store_dir = docstore_dir(settings)
        for src, doc, plans in parsed:
            fname = f"{src.meta.id}.{src.fingerprint[:20]}.json"
            write_json_atomic(store_dir / fname, doc.to_json())
            write_json_atomic(settings.resolve(settings.data_dir) / POINTS_DIR / fname, points_files[src.meta.id])
            state_docs[src.meta.id] = {
                "fingerprint": src.fingerprint,
                "sha256": src.sha256,
                "file": src.path.name,
                "path": str(src.path.resolve()),
                "origin": src.origin,
                "docstore": fname,
                "points_file": fname,
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
        self._previous = self.store.switch_alias(new_name)
        write_state(settings, new_state)
        documents_mod.clear_caches()
        report.collection = new_name
        report.built = True
        for src, _, plans in parsed:
            report.results.append(DocumentResult(src.meta.id, src.path.name, src._status,  # type: ignore[attr-defined]
                                                 len(plans), counts[src.meta.id]))

    def _cleanup(self, keep_name: str) -> None:
        try:
            live = self.store.live_collection()
        except IndexUnavailable:
            live = None
        # the build just replaced stays one more run: a process that read the pointer a
        # moment before the switch may still open it; older ones go once nobody reads them
        keep = {n for n in (keep_name, live, getattr(self, "_previous", None)) if n}
        try:
            self.store.cleanup_builds(sorted(keep))
        except Exception:
            pass  # a leftover build is harmless; the next run retries
        builds_dir = _build_state_path(self.settings, keep_name).parent
        if builds_dir.exists():
            for f in builds_dir.glob("*.json"):
                if f.stem not in keep:
                    try:
                        f.unlink()
                    except OSError:
                        pass
        state = read_state(self.settings)
        entries = state.get("documents", {}).values()
        for folder, field in ((docstore_dir(self.settings), "docstore"),
                              (self.settings.resolve(self.settings.data_dir) / POINTS_DIR, "points_file")):
            referenced = {e.get(field) for e in entries}
            if folder.exists():
                for f in folder.glob("*.json"):
                    if f.name not in referenced:
                        try:
                            f.unlink()
                        except OSError:
                            pass
        keys = getattr(self, "_build_keys", None)
        if keys:  # forget vectors the new build does not use (bounded by the corpus, not by history)
            try:
                cache = EmbeddingCache(self.settings)
                try:
                    cache.keep_only(keys)
                finally:
                    cache.close()
            except Exception:
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
        return json.dumps([PIPELINE_VERSION, Path(s.embedding_model).name, s.embedding_max_tokens, s.chunk_max_tokens]
                          + (["int8"] if s.embedding_int8 else []))


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


def _points_path(settings: Settings, entry: dict) -> Path:
    return settings.resolve(settings.data_dir) / POINTS_DIR / (entry.get("points_file") or "-missing-")


def _read_points(settings: Settings, entry: dict) -> list[dict]:
    path = _points_path(settings, entry)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IngestError(f"{path}: cannot read the stored points of an unchanged document ({exc}); "
                          "run `permanence ingest --rebuild`") from None


class _no_lock:
    """A Qdrant server orders concurrent writers itself."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


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
    return IngestPipeline(settings).run(progress=progress, wait=True)
