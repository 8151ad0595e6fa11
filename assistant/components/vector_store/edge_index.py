"""The embedded index on Qdrant Edge: one shard folder per build, a pointer file as the alias.

Layout under ``data_dir/index/``::

    current.json            {"build": "<name>", ...}: the published build (the "alias")
    shards/<name>/          one Edge shard per build, written once by ingest
    shards/<name>/.readers  a file every process reading the shard holds a shared lock on
    shards/<name>/.complete written after the build was flushed: only such builds are published
    ingest.lock             held (exclusive) by the one ingest that may build at a time

Why write-once shards without a WAL: Edge's WAL takes an exclusive lock on the shard
folder, so with it a second process (another API worker, ``permanence ask`` beside a
running service) could not open the index at all. A build is written by one ingest
process, flushed (``flush()`` makes it durable without a WAL), marked complete and only
then published by replacing ``current.json`` (write, fsync, rename); nothing writes to it
after that. A build that dies half-way is never published and is deleted by the next
ingest, so a WAL's crash replay would buy nothing here, and without it any number of
processes can read the same published shard.

Readers check the pointer's stat on every read (a microsecond-scale ``os.stat``); when
it names a new build they open that shard (0.1-0.2 s at 20,000 points), let requests in
flight finish on the old one, then close it. If the new shard cannot be opened, or the
pointer is damaged, a process that already serves keeps serving the build it has and
says so once; a process that has none gets one line naming the file and the reason.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.settings import Settings

log = logging.getLogger(__name__)

POINTER = "current.json"
SHARDS = "shards"
READERS = ".readers"
COMPLETE = ".complete"
INGEST_LOCK = "ingest.lock"
CHUNK_IDS = "chunk_ids.json"  # point id -> chunk id, written with the build
DENSE = "dense"
SPARSE = "sparse"
PAYLOAD_INDEXES = ("authority", "document_id", "status")
PAYLOAD_CACHE_MAX = 50_000  # payloads kept per open build (about 2 KB each)


class IndexNotReady(RuntimeError):
    """Nothing is published yet (no build behind the pointer)."""


class IndexUnavailable(RuntimeError):
    """The index cannot be opened (damaged pointer, missing or unreadable shard)."""


class IndexLocked(IndexUnavailable):
    """Another process holds what this one needs (another ingest is building)."""


def index_root(settings: Settings) -> Path:
    return settings.index_path


def one_line(exc: BaseException) -> str:
    """Edge raises bare ``Exception``s whose text may run over several lines."""
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


# --- the pointer -------------------------------------------------------------------------


def read_pointer(root: Path) -> str | None:
    """The published build's name; None before the first publish.

    Raises ``IndexUnavailable`` when the pointer exists but is damaged or names a
    build that is not there (say which file and why, never a traceback)."""
    path = root / POINTER
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexUnavailable(f"{path}: cannot read the index pointer ({exc.strerror or exc})") from None
    try:
        name = json.loads(raw)["build"]
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise ValueError("bad build name")
    except (ValueError, KeyError, TypeError):
        raise IndexUnavailable(f"{path}: the index pointer is damaged (not the JSON ingest writes); "
                               "run `permanence ingest` to publish a new build") from None
    if not (root / SHARDS / name / COMPLETE).exists():
        raise IndexUnavailable(f"{path}: the index pointer names build {name!r}, which is missing or incomplete "
                               f"under {root / SHARDS}; run `permanence ingest` to publish a new build")
    return name


def write_pointer(root: Path, name: str) -> None:
    """Publish ``name``: readers see the old pointer or the new one, never a torn one."""
    path = root / POINTER
    tmp = root / f".{POINTER}.{os.getpid()}.tmp"
    data = json.dumps({"build": name, "published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "pid": os.getpid()})
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pointer_signature(root: Path) -> tuple | None:
    try:
        st = os.stat(root / POINTER)
    except FileNotFoundError:
        return None
    except OSError:
        return ("unreadable",)
    return st.st_ino, st.st_mtime_ns, st.st_size


# --- hits and records the store reads (the same shape from Edge and from a server) --------


@dataclass
class Hit:
    id: Any  # uuid.UUID from Edge (ordered as its text is), str from a server
    score: float
    payload: dict[str, Any] | None = None


@dataclass
class Rec:
    id: str
    payload: dict[str, Any] | None
    vector: dict[str, Any] | None = None


def tie_order(point) -> tuple[float, Any]:
    """Best first; equal scores (common in the sparse half) by point id, so that a ranking
    does not depend on how a store happens to hold its points. Edge gives ids as
    ``uuid.UUID``, which order as their canonical text does (fixed-width hex), so both
    backends order ties alike without converting every id to text."""
    return -point.score, point.id


# --- reading ------------------------------------------------------------------------------


class _Handle:
    """One open shard and the requests using it."""

    def __init__(self, name: str, path: Path):
        import qdrant_edge as qe

        self.name = name
        self.path = path
        self.users = 0
        self.retired = False
        # the shared lock tells a later ingest that this build is still being read
        self._lock_fd = os.open(path / READERS, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)
            self.shard = qe.EdgeShard.load(str(path))
        except BaseException:
            os.close(self._lock_fd)
            raise
        info = _build_info(path)
        self.hnsw = info.get("hnsw", False)
        self.documents = info.get("documents")  # what ingest wrote down: no pass over the points
        try:  # which chunk each point is a window of, so a search needs no payload to deduplicate
            raw = json.loads((path / CHUNK_IDS).read_text(encoding="utf-8"))
            self.chunk_ids: dict | None = {uuid.UUID(k): v for k, v in raw.items()}
        except (OSError, ValueError):
            self.chunk_ids = None
        # A published build never changes, so a payload read once stays right: the
        # passages questions keep hitting are served from here (read them, never change them).
        self.payloads: dict[str, dict] = {}

    def close(self) -> None:
        try:
            self.shard.close()
        except Exception:
            pass
        try:
            os.close(self._lock_fd)  # releases the shared lock
        except OSError:
            pass


def _build_info(path: Path) -> dict:
    try:
        return json.loads((path / COMPLETE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class EdgeReader:
    """What one process reads: the published build, re-checked on every read."""

    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()
        self._handle: _Handle | None = None
        self._signature: tuple | None = None
        self._warned: tuple | None = None

    def live(self) -> str | None:
        return read_pointer(self.root)

    @contextmanager
    def reading(self) -> Iterator["EdgeSearcher"]:
        handle = self._acquire()
        try:
            yield EdgeSearcher(handle)
        finally:
            with self._lock:
                handle.users -= 1
                if handle.retired and handle.users == 0:
                    handle.close()

    def _acquire(self) -> _Handle:
        sig = _pointer_signature(self.root)
        with self._lock:
            h = self._handle
            if h is not None and sig == self._signature:
                h.users += 1
                return h
            try:
                name = read_pointer(self.root)
                if name is None:
                    raise IndexNotReady("no policy index yet: run `permanence ingest` first")
                if h is None or h.name != name:
                    new = self._open(name)
                    if h is not None:
                        h.retired = True
                        if h.users == 0:
                            h.close()
                    self._handle = h = new
                    log.info("index: serving build %s", name)
            except (IndexUnavailable, IndexNotReady) as exc:
                if h is None:
                    raise
                if self._warned != sig:  # keep serving what we have; say so once per pointer change
                    log.error("index: %s; still serving build %s", exc, h.name)
                    self._warned = sig
            self._signature = sig
            h.users += 1
            return h

    def _open(self, name: str) -> _Handle:
        path = self.root / SHARDS / name
        try:
            return _Handle(name, path)
        except Exception as exc:
            raise IndexUnavailable(f"{path}: cannot open the index build ({one_line(exc)}); "
                                   "run `permanence ingest --rebuild` to publish a new one") from None

    def close(self) -> None:
        with self._lock:
            h, self._handle, self._signature = self._handle, None, None
            if h is not None:
                h.retired = True
                if h.users == 0:
                    h.close()


class EdgeSearcher:
    """Reads of one open build (valid inside ``EdgeReader.reading()``)."""

    def __init__(self, handle: _Handle):
        self.name = handle.name
        self._h = handle

    def make_filter(self, authority: str | None, statuses: Sequence[str] | None, document_ids: Sequence[str] | None):
        return edge_filter(authority, statuses, document_ids)

    def documents(self) -> list[dict] | None:
        """The build's documents as ingest recorded them (None for a build without the record)."""
        return self._h.documents

    def nearest(self, requests: list[tuple[Any, str, Any, int]], with_payload: bool | list[str]) -> list[list[Hit]]:
        """Several (vector, using, filter, limit) passes in one batch, each best first;
        ``with_payload``: all of it, none, or the named fields."""
        import qdrant_edge as qe

        params = qe.SearchParams(exact=not self._h.hnsw)
        reqs = []
        for vector, using, flt, limit in requests:
            if not isinstance(vector, list):
                vector = qe.SparseVector(indices=list(vector.indices), values=list(vector.values))
            reqs.append(qe.QueryRequest(limit=limit, query=qe.Query.Nearest(vector, using=using), filter=flt,
                                        with_payload=with_payload, with_vector=False, params=params))
        results = self._h.shard.query_batch(qe.QueryBatchRequest(reqs)) if len(reqs) > 1 else [self._h.shard.query(reqs[0])]
        return [[Hit(p.id, float(p.score), p.payload if with_payload else None) for p in pts] for pts in results]

    def chunk_ids(self, ids: list) -> dict:
        """Point id -> chunk id, from the build's record (or its payloads, for a build without one)."""
        known = self._h.chunk_ids
        if known is not None:
            return {i: known.get(i) for i in ids}
        return {r.id: (r.payload or {}).get("id")
                for r in self._h.shard.retrieve(ids, with_payload=["id"], with_vector=False)}

    def payloads(self, ids: list[str]) -> dict[str, dict]:
        cache = self._h.payloads
        out = {i: cache[i] for i in ids if i in cache}
        missing = [i for i in ids if i not in out]
        if missing:
            fresh = {r.id: r.payload for r in self._h.shard.retrieve(missing, with_payload=True, with_vector=False)}
            if len(cache) < PAYLOAD_CACHE_MAX:
                cache.update(fresh)
            out.update(fresh)
        return out

    def scroll(self, flt, payload, with_vectors: bool = False) -> Iterator[Rec]:
        import qdrant_edge as qe

        offset = None
        while True:
            recs, offset = self._h.shard.scroll(qe.ScrollRequest(offset=offset, limit=1024, filter=flt,
                                                                 with_payload=payload, with_vector=with_vectors))
            for r in recs:
                yield Rec(str(r.id), r.payload, r.vector if with_vectors else None)
            if offset is None:
                return

    def count(self) -> int:
        import qdrant_edge as qe

        return self._h.shard.count(qe.CountRequest(exact=True))


def edge_filter(authority: str | None, statuses: Sequence[str] | None, document_ids: Sequence[str] | None):
    import qdrant_edge as qe

    must: list[Any] = []
    if authority:
        must.append(qe.FieldCondition(key="authority", match=qe.MatchValue(value=authority)))
    if statuses:
        must.append(qe.FieldCondition(key="status", match=qe.MatchAny(any=list(statuses))))
    if document_ids:
        must.append(qe.FieldCondition(key="document_id", match=qe.MatchAny(any=list(document_ids))))
    return qe.Filter(must=must) if must else None


# --- building (ingest) --------------------------------------------------------------------


class EdgeBuilder:
    """Writes new builds and publishes them; used by the one ingest holding ``ingest.lock``."""

    def __init__(self, root: Path, hnsw_min_points: int):
        self.root = root
        self.hnsw_min_points = hnsw_min_points
        self._open: dict[str, Any] = {}

    def live(self) -> str | None:
        return read_pointer(self.root)

    def create(self, name: str, dimension: int) -> None:
        import qdrant_edge as qe

        path = self.root / SHARDS / name
        if path.exists():
            raise IndexUnavailable(f"{path}: a build of that name exists already")
        path.parent.mkdir(parents=True, exist_ok=True)
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            wal_enabled=False,  # write-once build, flushed before publishing: see the module docstring
        )
        shard = qe.EdgeShard.create(str(path), config)
        for field in PAYLOAD_INDEXES:
            shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
        self._open[name] = shard

    def upsert(self, name: str, points: list[tuple[str, list[float], Any, dict]], batch: int = 256) -> int:
        import qdrant_edge as qe

        shard = self._open[name]
        n = 0
        for i in range(0, len(points), batch):
            chunk = points[i:i + batch]
            shard.update(qe.UpdateOperation.upsert_points([
                qe.Point(pid, {DENSE: dense, SPARSE: qe.SparseVector(indices=list(sv.indices), values=list(sv.values))},
                         payload)
                for pid, dense, sv, payload in chunk
            ]))
            n += len(chunk)
        return n

    def count(self, name: str) -> int:
        import qdrant_edge as qe

        return self._open[name].count(qe.CountRequest(exact=True))

    def finish(self, name: str, documents: list[dict] | None = None, chunk_ids: dict[str, str] | None = None) -> None:
        """Index (HNSW) when big enough, flush, close, and mark the build complete, with the
        list of its documents (so a reader need not scroll every point to list them)."""
        shard = self._open.pop(name)
        path = self.root / SHARDS / name
        try:
            import qdrant_edge as qe

            points = shard.count(qe.CountRequest(exact=True))
            hnsw = points >= self.hnsw_min_points
            if hnsw:
                # Holds the GIL for seconds: only ever here, in the ingest process.
                shard.optimize()
            shard.flush()
        finally:
            shard.close()
        if chunk_ids is not None:
            with open(path / CHUNK_IDS, "w", encoding="utf-8") as fh:
                json.dump(chunk_ids, fh)
                fh.flush()
                os.fsync(fh.fileno())
        with open(path / COMPLETE, "w", encoding="utf-8") as fh:
            json.dump({"points": points, "hnsw": hnsw, "documents": documents}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(path)

    def abandon(self, name: str) -> None:
        shard = self._open.pop(name, None)
        if shard is not None:
            try:
                shard.close()
            except Exception:
                pass
        shutil.rmtree(self.root / SHARDS / name, ignore_errors=True)

    def publish(self, name: str) -> str | None:
        try:
            old = read_pointer(self.root)
        except IndexUnavailable:
            old = None
        write_pointer(self.root, name)
        return old

    def builds(self) -> list[str]:
        d = self.root / SHARDS
        return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.exists() else []

    def cleanup(self, keep: Sequence[str]) -> list[str]:
        """Delete builds not in ``keep`` that no process reads (a reader holds a shared lock
        on its ``.readers``); half-written builds and the ``temp_segments/`` a crash during
        ``optimize()`` leaves go with them. Returns the names deleted."""
        gone = []
        for name in self.builds():
            if name in keep or name in self._open:
                continue
            path = self.root / SHARDS / name
            fd = None
            try:
                fd = os.open(path / READERS, os.O_RDONLY | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                # EWOULDBLOCK: a process still reads it; anything else: leave it. The next ingest retries.
                if fd is not None:
                    os.close(fd)
                continue
            try:
                shutil.rmtree(path, ignore_errors=True)
                gone.append(name)
            finally:
                os.close(fd)
        for leftover in self.root.glob(f".{POINTER}.*.tmp"):
            try:
                leftover.unlink()
            except OSError:
                pass
        return gone


@contextmanager
def ingest_lock(root: Path, wait: bool = False) -> Iterator[None]:
    """One ingest at a time per data folder (the lock dies with its process, even on kill -9)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / INGEST_LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            try:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            except OSError:
                holder = "?"
            raise IndexLocked(f"{path}: another ingest (pid {holder}) is building the index; "
                              "wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def new_build_name(prefix: str) -> str:
    return f"{prefix}__{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}_{uuid.uuid4().hex[:8]}"


_READERS: dict[str, EdgeReader] = {}
_READERS_LOCK = threading.Lock()


def get_reader(settings: Settings) -> EdgeReader:
    """The one reader per index folder in this process (shared by API, chat and CLI code)."""
    root = index_root(settings).resolve()
    with _READERS_LOCK:
        reader = _READERS.get(str(root))
        if reader is None:
            reader = _READERS[str(root)] = EdgeReader(root)
        return reader


def close_reader(settings: Settings) -> None:
    root = str(index_root(settings).resolve())
    with _READERS_LOCK:
        reader = _READERS.pop(root, None)
    if reader is not None:
        reader.close()
